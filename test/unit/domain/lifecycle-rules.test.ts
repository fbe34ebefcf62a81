// The smaller pure rules the threat workflow relies on (the governor's window has its own file): duration ladder, reopen rule,
// evidence merging, the rule-based proposer and operator input validation.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { policySchema } from '../../../domain/config';
import { isRepeatedSighting, shouldReopen, watchHours } from '../../../domain/cycle';
import { checkHumanDuration, ladderStep } from '../../../domain/durations';
import { emptyEvidence, hourlyVolume, mergeSighting } from '../../../domain/evidence';
import { checkHoldAction, checkHumanDecision } from '../../../domain/operator-input';
import { proposeByRules } from '../../../domain/rule-proposer';
import type { Sighting, ThreatIntel } from '../../../domain/types';

const P = policySchema.parse({});
const T0 = Date.parse('2026-11-22T12:00:00Z');
const s = (score: number, at = T0, extra: Partial<Sighting> = {}): Sighting => ({
  source: 'a', score, direction: 'inbound', observedAt: new Date(at).toISOString(), evidence: {}, ...extra,
});

describe('duration ladder', () => {
  const d = P.durations;
  const cases: [number, number, boolean][] = [[0, 12, false], [1, 24, false], [2, 72, false], [3, 168, false], [4, 168, false], [5, 168, true], [50, 168, true]];
  for (const [prior, hours, perm] of cases) {
    test(`${prior} earlier blocks → ${hours} h${perm ? ', permanent recommended' : ''}`, () => {
      const st = ladderStep(prior, d);
      assert.deepEqual([st.hours, st.recommendPermanent], [hours, perm]);
    });
  }
  test('human durations outside bounds are refused, not changed', () => {
    assert.equal(checkHumanDuration(undefined, d), undefined);
    assert.equal(checkHumanDuration(24, d), undefined);
    assert.match(checkHumanDuration(169, d)!, /between 1 and 168/);
    assert.match(checkHumanDuration(0.5, d)!, /between/);
  });
});

describe('reopening a closed case', () => {
  const now = (h: number) => new Date(T0 + h * 3_600_000).toISOString();
  const cases: [string, string, number, number, boolean][] = [
    ['after an expired block', 'expired', 0.1, 50, true],
    ['after a released block', 'released', 0.1, 50, true],
    ['after a failed block', 'failed', 0.1, 50, true],
    ['rejected, within cooldown', 'rejected', 1, 85, false],
    ['rejected, after cooldown', 'rejected', 6, 85, true],
    ['recorded, score rose by 10', 'recorded', 1, 90, true],
    ['recorded, score rose by 9', 'recorded', 1, 89, false],
    ['review expired, within cooldown', 'review_expired', 5.9, 80, false],
  ];
  for (const [name, outcome, hours, score, reopen] of cases) {
    test(name, () => {
      const r = shouldReopen({ outcome: outcome as never, closedAt: now(0), maxScore: 80 }, s(score), P, now(hours));
      assert.equal(r.reopen, reopen, r.reason);
    });
  }
  test('a sighting observed no later than the closed case\'s newest evidence is a repeated delivery', () => {
    const last = { outcome: 'expired' as const, closedAt: now(1), maxScore: 80, lastSeen: now(0) };
    const table: [string, string, boolean][] = [
      ['the same observation again', now(0), true],
      ['an older observation', now(-1), true],
      ['a later observation', new Date(T0 + 1).toISOString(), false],
      ['an unparseable time', 'not a time', false],
    ];
    for (const [name, at, repeated] of table) assert.equal(isRepeatedSighting(last, s(97, Date.parse(at) || 0, { observedAt: at })), repeated, name);
    assert.equal(isRepeatedSighting({ ...last, lastSeen: undefined }, s(97, T0)), false, 'a case closed before lastSeen was recorded');
  });
  test('offenders are remembered for offenderMemoryDays, others for the cooldown', () => {
    assert.equal(watchHours(1, P), 90 * 24);
    assert.equal(watchHours(0, P), 6);
  });
});

describe('evidence merging', () => {
  test('counts, extremes, unions with caps, stricter direction', () => {
    let e = emptyEvidence('1.2.3.4', new Date(T0).toISOString());
    for (let i = 0; i < 40; i++) {
      e = mergeSighting(e, s(50 + i, T0 + i * 1000, {
        source: i % 3 === 0 ? 'x' : 'y', knownBad: i === 7, direction: i === 39 ? 'outbound' : 'inbound',
        evidence: { requestCount: 2, paths: [`/p${i}`], userAgents: ['ua'], statusCounts: { '401': 1 }, narrative: `n${i % 5}` },
      }));
    }
    assert.equal(e.sightingCount, 40);
    assert.equal(e.requestCount, 80);
    assert.equal(e.maxScore, 89);
    assert.equal(e.knownBad, true);
    assert.equal(e.direction, 'outbound');
    assert.deepEqual(e.sources, ['x', 'y']);
    assert.equal(e.paths.length, 25);
    assert.deepEqual(e.userAgents, ['ua']);
    assert.equal(e.statusCounts['401'], 40);
    assert.equal(e.narratives.length, 3);
    assert.equal(e.recent.length, 10);
    assert.equal(e.lastSeen, new Date(T0 + 39_000).toISOString());
    assert.equal(hourlyVolume(e), 80);
  });
  test('scores are clamped to 0..100', () => {
    const e = mergeSighting(emptyEvidence('1.2.3.4', 'x'), s(1e9));
    assert.equal(e.maxScore, 100);
    assert.equal(mergeSighting(emptyEvidence('1.2.3.4', 'x'), s(Number.NaN)).maxScore, 0);
  });
});

describe('rule-based proposer', () => {
  const intel = (o: Partial<ThreatIntel> = {}): ThreatIntel => ({ ip: '1.2.3.4', compositeScore: 0, knownBad: true, likelyFalsePositive: false, confidence: 'low', providers: [], notes: [], ...o });
  const input = (score: number, prior: number, o: Partial<ThreatIntel> = {}, requests = 1) => {
    const evidence = mergeSighting(emptyEvidence('1.2.3.4', 'x'), s(score, T0, { evidence: { requestCount: requests } }));
    return { ip: '1.2.3.4', evidence, intel: intel(o), history: { priorBlocks: prior }, bounds: { minHours: 1, maxHours: 168, ladderHours: [12, 24, 72, 168], repeatOffenderThreshold: 5, autoThreshold: 95 } };
  };
  const cases: [string, ReturnType<typeof input>, string, number, boolean][] = [
    ['borderline first block', input(88, 0), 'block', 12, false],
    ['strong first block', input(97, 0), 'block', 24, false],
    ['second block', input(88, 1), 'block', 24, false],
    ['persistent (OTX pulses)', input(88, 0, { otxPulses: 9 }), 'block', 72, false],
    ['persistent (abuse score)', input(88, 0, { abuseScore: 90 }), 'block', 72, false],
    ['high volume', input(88, 0, {}, 60), 'block', 168, false],
    ['repeat offender', input(88, 5), 'block', 168, true],
    ['likely false positive', input(97, 0, { likelyFalsePositive: true }), 'no_action', 0, false],
  ];
  for (const [name, i, action, hours, perm] of cases) {
    test(name, () => {
      const p = proposeByRules(i);
      assert.deepEqual([p.action, p.durationHours, p.recommendPermanent, p.origin, p.target], [action, hours, perm, 'rules', '1.2.3.4/32']);
    });
  }
});

describe('operator input validation (shared by every approval channel)', () => {
  const ok = { decision: 'approve', approver: 'alice', channel: 'cli' };
  const cases: [string, unknown, string, string | undefined][] = [
    ['valid', ok, 'pending_review', undefined],
    ['not an object', 'approve', 'pending_review', 'expected an object'],
    ['bad decision', { ...ok, decision: 'maybe' }, 'pending_review', 'decision must be'],
    ['no approver', { ...ok, approver: '' }, 'pending_review', 'approver is required'],
    ['long approver', { ...ok, approver: 'a'.repeat(101) }, 'pending_review', 'at most 100'],
    ['unknown channel', { ...ok, channel: 'fax' }, 'pending_review', 'channel must be one of'],
    ['duration too long', { ...ok, durationHours: 500 }, 'pending_review', 'between'],
    ['long comment', { ...ok, comment: 'x'.repeat(1001) }, 'pending_review', 'comment'],
    ['wrong state', ok, 'blocked', 'not waiting for a review'],
  ];
  for (const [name, d, status, err] of cases) {
    test(`decision: ${name}`, () => {
      const r = checkHumanDecision(d, status as never, P);
      if (err) assert.match(String(r), new RegExp(err));
      else assert.equal(r, undefined);
    });
  }
  const hold: [string, unknown, string, string | undefined][] = [
    ['extend', { action: 'extend', hours: 24, by: 'a', channel: 'api' }, 'blocked', undefined],
    ['release', { action: 'release', by: 'a', channel: 'api' }, 'blocked', undefined],
    ['make permanent', { action: 'make_permanent', by: 'a', channel: 'discord' }, 'blocked', undefined],
    ['extend without hours', { action: 'extend', by: 'a', channel: 'api' }, 'blocked', 'positive number'],
    ['extend too far', { action: 'extend', hours: 1000, by: 'a', channel: 'api' }, 'blocked', 'at most 168'],
    ['nobody', { action: 'release', by: '', channel: 'api' }, 'blocked', 'by is required'],
    ['not held', { action: 'release', by: 'a', channel: 'api' }, 'pending_review', 'no block is being held'],
  ];
  for (const [name, a, status, err] of hold) {
    test(`hold: ${name}`, () => {
      const r = checkHoldAction(a, status as never, P);
      if (err) assert.match(String(r), new RegExp(err));
      else assert.equal(r, undefined);
    });
  }
});
