import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  alertmanagerPayloadSchema, canonicaliseIcingaKeys, exprFromGeneratorUrl, icingaFingerprint, icingaPayloadSchema, icingaTime,
  normaliseAlertmanager, normaliseIcinga, parseLenientJson,
} from '../../../domain/alert-payloads';
import { alertDecisionError, diagnosticQueries, initialAlertState, mergeNotification, recordAlertDecision, type NormalisedAlert } from '../../../domain/alerts';

const opts = { ipLabels: ['src_ip', 'client_ip', 'ip'], receivedAt: '2026-11-22T16:00:00.000Z' };

const am = (over: Record<string, unknown> = {}, alert: Record<string, unknown> = {}) => ({
  version: '4', groupKey: '{}:{alertname="X"}', truncatedAlerts: 0, status: 'firing', receiver: 'a\\.b',
  groupLabels: { alertname: 'X' }, commonLabels: { alertname: 'X', severity: 'warning' }, commonAnnotations: { summary: 'group summary' },
  externalURL: 'http://am:9093',
  alerts: [{ status: 'firing', labels: { alertname: 'X', instance: 'h:9100' }, annotations: {}, startsAt: '2026-11-22T15:00:00Z', endsAt: '0001-01-01T00:00:00Z', generatorURL: '', fingerprint: '1a30ba71cca2921f', ...alert }],
  ...over,
});

void describe('Alertmanager v4 normalisation', () => {
  void test('labels, common annotations, severity, expression and attacker IP', () => {
    const p = alertmanagerPayloadSchema.parse(am({}, { labels: { alertname: 'ScanDetected', client_ip: '45.155.205.233', severity: 'critical' }, generatorURL: 'http://p:9090/graph?g0.expr=rate%28x%5B5m%5D%29+%3E+1&g0.tab=1' }));
    const [a] = normaliseAlertmanager(p, opts);
    assert.equal(a.fingerprint, '1a30ba71cca2921f');
    assert.equal(a.name, 'ScanDetected');
    assert.equal(a.severity, 'critical');
    assert.equal(a.summary, 'group summary');
    assert.equal(a.expr, 'rate(x[5m]) > 1');
    assert.equal(a.attackerIp, '45.155.205.233');
    assert.equal(a.startsAt, '2026-11-22T15:00:00.000Z');
  });
  void test('one NormalisedAlert per alert, each with its own status', () => {
    const p = alertmanagerPayloadSchema.parse(am({ alerts: [
      { status: 'firing', labels: { alertname: 'A' }, annotations: {}, startsAt: '2026-11-22T15:00:00Z', fingerprint: 'aaaaaaaaaaaaaaaa' },
      { status: 'resolved', labels: { alertname: 'B' }, annotations: {}, startsAt: '0001-01-01T00:00:00Z', fingerprint: 'bbbbbbbbbbbbbbbb' },
    ] }));
    const out = normaliseAlertmanager(p, opts);
    assert.deepEqual(out.map((a) => [a.fingerprint, a.status]), [['aaaaaaaaaaaaaaaa', 'firing'], ['bbbbbbbbbbbbbbbb', 'resolved']]);
    assert.equal(out[1].startsAt, opts.receivedAt, 'the zero time is not a real start');
  });
  const invalid: [string, unknown][] = [
    ['version 3', am({ version: '3' })], ['no alerts', am({ alerts: [] })], ['bad fingerprint', am({}, { fingerprint: 'zz' })],
    ['unknown top-level key', am({ foo: 1 })], ['non-string label', am({}, { labels: { a: 1 } })], ['bad status', am({ status: 'pending' })],
  ];
  for (const [name, body] of invalid) void test(`rejects ${name}`, () => assert.equal(alertmanagerPayloadSchema.safeParse(body).success, false));
  void test('generatorURL without an expression', () => {
    assert.equal(exprFromGeneratorUrl('http://p/graph'), undefined);
    assert.equal(exprFromGeneratorUrl(''), undefined);
    assert.equal(exprFromGeneratorUrl('http://p/graph?g0.expr=%E0%A4%A'), undefined);
  });
});

void describe('Icinga normalisation (tolerant)', () => {
  void test('typical ad-hoc webhook keys and env-style macros map to the schema', () => {
    const c = canonicaliseIcingaKeys({ NOTIFICATIONTYPE: 'PROBLEM', HOSTNAME: 'web01', SERVICENAME: 'http', SERVICESTATE: 'CRITICAL', message: 'refused', hostdisplay: 'Web 01', author: '', LONGDATETIME: '2026-01-02 15:04:05 +0100' });
    const p = icingaPayloadSchema.parse(c);
    const a = normaliseIcinga(p, opts);
    assert.equal(a.status, 'firing');
    assert.equal(a.severity, 'critical');
    assert.equal(a.name, 'web01/http');
    assert.equal(a.startsAt, '2026-01-02T14:04:05.000Z');
    assert.equal(a.fingerprint, icingaFingerprint('web01', 'http'));
    assert.equal(a.icinga?.author, undefined, 'empty macros are absent');
  });
  const statuses: [string, string | undefined, NormalisedAlert['status']][] = [
    ['PROBLEM', 'DOWN', 'firing'], ['RECOVERY', 'UP', 'resolved'], ['ACKNOWLEDGEMENT', 'CRITICAL', 'note'], ['DOWNTIMESTART', 'OK', 'note'],
    ['FLAPPINGSTART', 'WARNING', 'firing'], ['FLAPPINGSTOP', 'OK', 'note'], ['CUSTOM', 'OK', 'note'], ['CUSTOM', 'CRITICAL', 'firing'], ['problem', undefined, 'firing'],
  ];
  for (const [type, state, want] of statuses) {
    void test(`${type}/${state} → ${want}`, () => assert.equal(normaliseIcinga({ notification_type: type, host: 'h', state }, opts).status, want));
  }
  void test('host and service fingerprints differ and are stable', () => {
    assert.equal(icingaFingerprint('h'), icingaFingerprint('h'));
    assert.notEqual(icingaFingerprint('h'), icingaFingerprint('h', 'svc'));
    assert.match(icingaFingerprint('h'), /^icinga-[0-9a-f]{16}$/);
  });
  void test('raw newlines and tabs inside strings are repaired; other garbage is not', () => {
    assert.deepEqual(parseLenientJson('{"output":"line1\nline2\tx"}'), { output: 'line1\nline2\tx' });
    assert.throws(() => parseLenientJson('{"output": "x",}x'));
    assert.throws(() => parseLenientJson('host=web01'));
  });
  void test('time formats', () => {
    assert.equal(icingaTime('2026-01-02 15:04:05 +0100'), '2026-01-02T14:04:05.000Z');
    assert.equal(icingaTime(1767362645), '2026-01-02T14:04:05.000Z');
    assert.equal(icingaTime('2026-01-02T14:04:05Z'), '2026-01-02T14:04:05.000Z');
    assert.equal(icingaTime('yesterday'), undefined);
  });
  void test('attacker IP from custom vars', () => {
    assert.equal(normaliseIcinga({ notification_type: 'PROBLEM', host: 'fw', vars: { src_ip: '45.155.205.233' } }, opts).attackerIp, '45.155.205.233');
  });
});

void describe('investigation state and decisions', () => {
  const firing = normaliseAlertmanager(alertmanagerPayloadSchema.parse(am()), opts)[0];
  void test('repeats merge, notes do not reopen, resolved is final', () => {
    const s = initialAlertState('alert/x', firing.fingerprint);
    mergeNotification(s, firing, 't1');
    mergeNotification(s, { ...firing, summary: 'newer' }, 't2');
    assert.equal(s.notifications, 2);
    assert.equal(s.alert?.summary, 'newer');
    mergeNotification(s, { ...firing, status: 'resolved' }, 't3');
    assert.equal(s.status, 'resolved');
    mergeNotification(s, firing, 't4');
    assert.equal(s.notifications, 3, 'nothing merges after resolution');
  });
  void test('decision validation', () => {
    const s = initialAlertState('alert/x', firing.fingerprint);
    assert.match(alertDecisionError({ decision: 'approve', operator: 'a', channel: 'cli' }, s)!, /no alert/);
    mergeNotification(s, firing, 't1');
    s.status = 'awaiting_decision';
    assert.equal(alertDecisionError({ decision: 'approve', operator: 'alice', channel: 'cli' }, s), undefined);
    assert.match(alertDecisionError({ decision: 'approve', operator: '', channel: 'cli' }, s)!, /operator/);
    assert.match(alertDecisionError({ decision: 'run', operator: 'a', channel: 'cli' }, s)!, /decision must be/);
    assert.match(alertDecisionError({ decision: 'approve', operator: 'a', channel: 'fax' }, s)!, /channel/);
    assert.match(alertDecisionError({ decision: 'approve', operator: 'a', channel: 'cli', x: 1 }, s)!, /unknown field/);
    assert.match(alertDecisionError({ decision: 'approve', operator: 'eve\u0007', channel: 'cli' }, s)!, /control characters/);
    assert.match(alertDecisionError({ decision: 'approve', operator: 'x'.repeat(101), channel: 'cli' }, s)!, /1-100 characters/);
    // Every channel's identity passes, e.g. Discord's "name (discord:<id>)".
    assert.equal(alertDecisionError({ decision: 'approve', operator: 'alice (discord:123456789)', channel: 'discord' }, s), undefined);
    const r = recordAlertDecision(s, { decision: 'approve', operator: 'alice', channel: 'cli' }, 't2');
    assert.equal(r.execution, 'execution_disabled');
    assert.equal(alertDecisionError({ decision: 'reject', operator: 'bob', channel: 'cli' }, s),
      'this incident was already approved by alice via cli at t2; the second decision was not applied');
  });
  void test('diagnostic queries escape label values', () => {
    const q = diagnosticQueries({ ...firing, labels: { alertname: 'a"b', instance: 'x\\y' } }, 5);
    assert.deepEqual(q, ['ALERTS{alertname="a\\"b"}', 'up{instance="x\\\\y"}']);
  });
});
