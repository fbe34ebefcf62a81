// The rate governor's window (domain/governor.ts): the cap, idempotent keys, human approvals, and a state that
// stays small however many actions a window holds (it is the governor's continue-as-new payload).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bucketMs, BUCKETS_PER_WINDOW, emptyGovernorState, fullWindowUntil, governorStateFrom, pruneWindow, RECENT_HORIZON_MS,
  RECENT_LIMIT, recordHuman, reserveUnattended, type GovernorAction, type GovernorState,
} from '../../../domain/governor';

const T0 = Date.parse('2026-11-22T12:00:00Z');
const MIN = 60_000;
const limits = { cap: 5, windowMinutes: 60 };

function reserveMany(n: number, lim = limits, at = (i: number) => T0 + i * MIN, st = emptyGovernorState()) {
  const verdicts = [];
  for (let i = 0; i < n; i++) {
    const r = reserveUnattended(st, lim, { key: `k${i}`, ip: `1.1.1.${i % 250}` }, at(i));
    verdicts.push(r.verdict);
    st = r.state;
  }
  return { st, verdicts };
}

describe('rate governor window', () => {
  test('grants up to the cap, then refuses with the time the next slot frees', () => {
    const { st, verdicts } = reserveMany(5);
    assert.deepEqual(verdicts.map((v) => v.granted), [true, true, true, true, true]);
    const r = reserveUnattended(st, limits, { key: 'k5', ip: '1.1.1.5' }, T0 + 10 * MIN);
    assert.deepEqual([r.verdict.granted, r.verdict.used], [false, 5]);
    // The oldest grant (at T0) counts until its bucket's end plus the window: at most one bucket after T0 + 60 min.
    const next = Date.parse(r.verdict.nextSlotAt!);
    assert.ok(next > T0 + 60 * MIN && next <= T0 + 60 * MIN + bucketMs(60), r.verdict.nextSlotAt);
    assert.equal(fullWindowUntil(r.verdict), next);
    assert.equal(reserveUnattended(r.state, limits, { key: 'k6', ip: 'x' }, next - 1).verdict.granted, false, 'no slot before nextSlotAt');
    assert.equal(reserveUnattended(r.state, limits, { key: 'k6', ip: 'x' }, next).verdict.granted, true, 'the oldest left the window');
  });

  test('nextSlotAt is when enough actions have left for one more (several in one bucket)', () => {
    // Three grants in the same second, then two a minute later; cap 2: three must leave before a slot frees.
    const at = (i: number) => (i < 3 ? T0 + 100 : T0 + MIN);
    const { verdicts } = reserveMany(5, { cap: 2, windowMinutes: 60 }, at);
    assert.deepEqual(verdicts.map((v) => v.granted), [true, true, false, false, false]);
    const last = verdicts[4];
    assert.equal(last.used, 2);
    assert.ok(Date.parse(last.nextSlotAt!) <= T0 + 100 + 60 * MIN + bucketMs(60));
  });

  test('the same key gets the same answer (activity retries)', () => {
    const a = reserveUnattended(emptyGovernorState(), { cap: 0, windowMinutes: 60 }, { key: 'k', ip: 'x' }, T0);
    const b = reserveUnattended(a.state, { cap: 5, windowMinutes: 60 }, { key: 'k', ip: 'x' }, T0 + 1000);
    assert.equal(b.verdict.granted, false);
    assert.equal(b.state.recent.length, 1);
    const g = reserveUnattended(emptyGovernorState(), limits, { key: 'g', ip: 'x' }, T0);
    const again = reserveUnattended(g.state, limits, { key: 'g', ip: 'x' }, T0 + 5 * MIN);
    assert.deepEqual([again.verdict.granted, again.verdict.used], [true, 1], 'a retried grant is not counted twice');
  });

  test('human approvals are never refused but count, once per key', () => {
    let st: GovernorState = emptyGovernorState();
    for (let i = 0; i < 7; i++) st = recordHuman(st, limits, { key: `h${i}`, ip: 'x' }, T0).state;
    st = recordHuman(st, limits, { key: 'h0', ip: 'x' }, T0 + 1000).state;
    assert.equal(recordHuman(st, limits, { key: 'h7', ip: 'x' }, T0).verdict.granted, true);
    assert.equal(st.recent.length, 7);
    assert.equal(reserveUnattended(st, limits, { key: 'a', ip: 'y' }, T0).verdict.used, 7);
    assert.equal(reserveUnattended(st, limits, { key: 'a', ip: 'y' }, T0).verdict.granted, false);
  });

  const windows: [windowMinutes: number, widthMs: number][] = [[1, 1000], [5, 1000], [60, 8000], [240, 29_000], [1440, 173_000]];
  for (const [windowMinutes, widthMs] of windows) {
    test(`a ${windowMinutes}-minute window has ${widthMs / 1000} s buckets (at most ${BUCKETS_PER_WINDOW} + 1 per window)`, () => {
      assert.equal(bucketMs(windowMinutes), widthMs);
      assert.ok((windowMinutes * MIN) / widthMs <= BUCKETS_PER_WINDOW);
    });
  }

  test('20,000 grants in one window keep the state small; every grant is counted; old keys are forgotten', () => {
    const lim = { cap: 1e9, windowMinutes: 60 };
    const { st, verdicts } = reserveMany(20_000, lim, (i) => T0 + i * 150); // 20,000 over 50 minutes
    assert.equal(verdicts.at(-1)!.used, 20_000);
    assert.ok(verdicts.every((v) => v.granted));
    assert.ok(st.counted.length <= BUCKETS_PER_WINDOW + 1, `${st.counted.length} buckets`);
    assert.equal(st.recent.length, RECENT_LIMIT);
    const bytes = JSON.stringify(st).length;
    assert.ok(bytes < 200_000, `${bytes} bytes`); // one entry per answer would be about 2 MB
    // The last answers are still known; a key from 40 minutes ago is not (it counts again: fewer actions, never more).
    assert.equal(reserveUnattended(st, lim, { key: 'k19999', ip: 'x' }, T0 + 20_000 * 150).verdict.used, 20_000);
    assert.equal(reserveUnattended(st, lim, { key: 'k0', ip: 'x' }, T0 + 20_000 * 150).verdict.used, 20_001);
  });

  test('pruning drops buckets that left the window and answers older than the retry horizon', () => {
    const { st } = reserveMany(5, { cap: 10, windowMinutes: 60 }, (i) => T0 + i * 10 * MIN); // T0 … T0 + 40 min
    const soon = pruneWindow(st, T0 + 50 * MIN, 60);
    assert.equal(soon.counted.reduce((n, b) => n + b.count, 0), 5);
    assert.deepEqual(soon.recent.map((a) => a.key), ['k4'], `answers within ${RECENT_HORIZON_MS / MIN} min`);
    const later = pruneWindow(st, T0 + 61 * MIN, 60);
    assert.equal(later.counted.reduce((n, b) => n + b.count, 0), 4, 'the grant at T0 left the window');
    assert.deepEqual(pruneWindow(st, T0 + 200 * MIN, 60), emptyGovernorState());
  });

  test('a state in the previous shape (one entry per answer) is taken over: grants counted, answers remembered', () => {
    const actions: GovernorAction[] = [
      { at: new Date(T0).toISOString(), kind: 'auto', key: 'a', ip: 'x', granted: true },
      { at: new Date(T0 + MIN).toISOString(), kind: 'auto', key: 'b', ip: 'y', granted: false },
      { at: new Date(T0 + 2 * MIN).toISOString(), kind: 'human', key: 'c', ip: 'z', granted: true },
    ];
    const st = governorStateFrom({ actions });
    assert.equal(st.counted.reduce((n, b) => n + b.count, 0), 2);
    assert.deepEqual(st.recent.map((a) => a.key), ['a', 'b', 'c']);
    const again = reserveUnattended(st, { cap: 3, windowMinutes: 60 }, { key: 'b', ip: 'y' }, T0 + 3 * MIN);
    assert.deepEqual([again.verdict.granted, again.verdict.used], [false, 2]);
    assert.deepEqual(governorStateFrom(undefined), emptyGovernorState());
    assert.deepEqual(governorStateFrom(st), st);
  });
});
