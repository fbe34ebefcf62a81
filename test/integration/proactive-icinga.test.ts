// The proactive loop's Icinga scanner against a REAL Icinga 2 (Debian's icinga2 package): services the test puts into
// states through the API (passive check results, a downtime) and the scanner reading them with a query-only ApiUser
// over TLS verified against the test CA. Only SOFT problems with a check result become hotspots: not pending services,
// not HARD problems (Icinga notifies those itself), not services in downtime; a recovery makes the hotspot go away.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { scanIcinga } from '../../activities/proactive/icinga';
import { startIcinga, type RealIcinga } from '../helpers/icinga';

let icinga: RealIcinga;
const cfg = (over: Record<string, unknown> = {}) => ({
  enabled: true, url: icinga.url, username: icinga.username, caFile: icinga.caFile, rejectUnauthorized: true, timeoutSeconds: 5, ...over,
}) as Parameters<typeof scanIcinga>[0];
const scan = (over: Record<string, unknown> = {}, password = icinga.password) => scanIcinga(cfg(over), password, 50);
const found = async () => (await scan()).hotspots.map((h) => `${h.labels.host}!${h.labels.service} ${h.severity}`).sort();

describe('proactive Icinga scanner against a real Icinga 2 (Debian icinga2)', () => {
  before(async () => {
    icinga = await startIcinga([
      { host: 'web01', name: 'http', maxCheckAttempts: 5 },
      { host: 'web01', name: 'disk', maxCheckAttempts: 1 },
      { host: 'web01', name: 'ntp', maxCheckAttempts: 3 },
      { host: 'db01', name: 'backup', maxCheckAttempts: 5 },
      { host: 'db01', name: 'never-checked', maxCheckAttempts: 5 },
    ]);
  });
  after(() => icinga?.stop());

  test('pending services (never checked, reported as a SOFT UNKNOWN) are not hotspots', async () => {
    const r = await scan();
    assert.deepEqual(r.rules, [{ rule: 'icinga-soft-state', source: 'icinga', status: 'ok', findings: 0 }]);
    assert.deepEqual(r.hotspots, []);
  });

  test('SOFT problems are hotspots with stable fingerprints; HARD ones, downtimes and recoveries are not', async () => {
    await icinga.feed('web01', 'http', 2, 'HTTP CRITICAL - 503 Service Unavailable');
    await icinga.feed('web01', 'disk', 2, 'DISK CRITICAL - / 99% used');
    await icinga.feed('web01', 'ntp', 1, 'NTP WARNING: offset 0.9 s\u001b[31m\n@everyone <b>now</b>');
    await icinga.feed('db01', 'backup', 2, 'BACKUP CRITICAL');
    await icinga.downtime('db01', 'backup');
    const first = await scan();
    assert.deepEqual(first.hotspots.map((h) => `${h.labels.host}!${h.labels.service} ${h.severity}`).sort(), ['web01!http high', 'web01!ntp medium']);
    const http = first.hotspots.find((h) => h.labels.service === 'http')!;
    assert.match(http.title, /^web01 http: soft CRITICAL \(attempt \d of 5\)$/);
    assert.equal(http.value, 'HTTP CRITICAL - 503 Service Unavailable');
    const ntp = first.hotspots.find((h) => h.labels.service === 'ntp')!;
    assert.equal(ntp.value, 'NTP WARNING: offset 0.9 s[31m @everyone <b>now</b>', 'control characters and newlines removed');
    assert.deepEqual((await scan()).hotspots.map((h) => h.fingerprint).sort(), first.hotspots.map((h) => h.fingerprint).sort(), 'stable across scans');
    assert.equal(http.ackId, http.fingerprint.slice(0, 7));

    // The service recovers: its hotspot stops firing.
    await icinga.feed('web01', 'http', 0, 'HTTP OK');
    assert.deepEqual(await found(), ['web01!ntp medium']);
    // The problem confirmed by max_check_attempts becomes HARD: Icinga notifies it itself, no longer a precursor.
    for (let i = 0; i < 3; i++) await icinga.feed('web01', 'ntp', 1, 'NTP WARNING');
    assert.deepEqual(await found(), []);
  });

  test('read-only credentials, verified TLS: a wrong password or an unknown CA is a scan error without the password', async () => {
    const wrong = await scan({}, 'not-the-password');
    assert.equal(wrong.rules[0].status, 'error');
    assert.match(wrong.rules[0].error ?? '', /Icinga API answered 401/);
    assert.ok(!(wrong.rules[0].error ?? '').includes('not-the-password'));
    const untrusted = await scan({ caFile: undefined });
    assert.equal(untrusted.rules[0].status, 'error');
    assert.match(untrusted.rules[0].error ?? '', /self[- ]signed|unable to verify|certificate/i);
  });
});
