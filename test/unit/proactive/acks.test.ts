// Ack ids: prefix-matchable like a short git hash; an ambiguous or unknown prefix is a clear error, never a guess.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ackError, applyAck, applyUnack, initialProactiveState, resolveTarget, unackError } from '../../../domain/proactive/state';
import type { AckInput, HotspotDecision } from '../../../domain/proactive/types';

const NOW = '2026-11-26T12:00:00.000Z';
const cands = [
  { fingerprint: 'ab12cd34ef567890', title: 'disk /var on db01' },
  { fingerprint: 'ab12ff0000000000', title: 'flapping node02' },
  { fingerprint: '9f00000000000000', title: 'cert of shop' },
];

describe('ack id resolution', () => {
  const rows: [string, { fingerprint?: string; ackId?: string }, RegExp | string][] = [
    ['a unique 4-digit prefix', { ackId: '9f00' }, '9f00000000000000'],
    ['the shown 7-digit ack id', { ackId: 'ab12cd3' }, 'ab12cd34ef567890'],
    ['upper case is the same id', { ackId: 'AB12FF' }, 'ab12ff0000000000'],
    ['a full fingerprint', { fingerprint: 'ab12ff0000000000' }, 'ab12ff0000000000'],
    ['an ambiguous prefix names the candidates', { ackId: 'ab12' }, /ack id ab12 is ambiguous: it matches 2 current hotspots: ab12cd3 \(disk \/var on db01\), ab12ff0 \(flapping node02\); give more digits/],
    ['an unknown prefix', { ackId: 'dead' }, /no current hotspot with ack id dead/],
    ['too short', { ackId: 'ab1' }, /at least 4 hex digits/],
    ['not hex', { ackId: 'zzzz' }, /at least 4 hex digits/],
    ['an unknown fingerprint', { fingerprint: '0000000000000000' }, /no current hotspot with fingerprint 0000000000000000/],
  ];
  for (const [name, t, want] of rows) {
    test(name, () => {
      const r = resolveTarget(t, cands, 'current hotspot');
      if (typeof want === 'string') assert.deepEqual(r, { ok: true, fingerprint: want });
      else {
        assert.equal(r.ok, false);
        assert.match((r as { error: string }).error, want);
      }
    });
  }
});

describe('ack and unack against the state', () => {
  const decision = (fingerprint: string, title: string): HotspotDecision => ({
    fingerprint, ackId: fingerprint.slice(0, 7), rule: 'filesystem-fill-24h', source: 'prometheus', severity: 'high', title, score: 75, verdict: 'reported', why: 'x', probesRun: [], probesProposed: [],
  });
  const s = initialProactiveState(NOW);
  s.lastCycle = { cycleId: 'c1', at: NOW, trigger: { kind: 'schedule' }, mode: 'on', decisions: cands.map((c) => decision(c.fingerprint, c.title)), rules: [], pruned: [] };
  const ack: AckInput = { ackId: '9f00', reason: 'known, cert renewal Monday', ttlHours: 48, operator: 'ana', channel: 'discord' };

  test('input problems are refused with the reason', () => {
    assert.match((ackError(s, { ...ack, reason: ' ' }) as { error: string }).error, /reason is required/);
    assert.match((ackError(s, { ...ack, ttlHours: 0 }) as { error: string }).error, /ttlHours/);
    assert.match((ackError(s, { ...ack, fingerprint: '9f00000000000000' }) as { error: string }).error, /exactly one of fingerprint or ackId/);
    assert.deepEqual(ackError(s, { ...ack, ackId: 'ab12' }), { ok: false, notFound: false, error: (resolveTarget({ ackId: 'ab12' }, cands, 'current hotspot') as { error: string }).error });
    assert.equal((ackError(s, { ...ack, ackId: 'dead' }) as { notFound: boolean }).notFound, true);
  });

  test('an ack records who, why, through which channel and until when; unack by prefix removes it', () => {
    const r = ackError(s, ack);
    assert.ok(r.ok);
    const sup = applyAck(s, ack, r.fingerprint, NOW);
    assert.deepEqual(sup, {
      fingerprint: '9f00000000000000', ackId: '9f00000', rule: 'filesystem-fill-24h', title: 'cert of shop', reason: 'known, cert renewal Monday',
      operator: 'ana', channel: 'discord', at: NOW, expiresAt: '2026-11-28T12:00:00.000Z',
    });
    assert.match((unackError(s, { ackId: 'ab12', operator: 'bo', channel: 'cli' }, NOW) as { error: string }).error, /no suppression with ack id ab12/);
    const u = unackError(s, { ackId: '9f0000', operator: 'bo', channel: 'cli' }, NOW);
    assert.ok(u.ok);
    assert.equal(applyUnack(s, u.fingerprint).fingerprint, '9f00000000000000');
    assert.deepEqual(s.suppressions, []);
  });
});
