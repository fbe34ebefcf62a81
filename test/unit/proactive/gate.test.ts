// Rank and gate (domain/proactive/gate.ts): the verdict table. Each row is a state, settings and hotspots, and the
// verdicts (with the key phrase of their why) the gate must give.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { planCycle, rankHotspots, recordInvestigationOutcome } from '../../../domain/proactive/gate';
import { chargeUsage, initialProactiveState, statusOf, type ProactiveState } from '../../../domain/proactive/state';
import type { Hotspot, HotspotSeverity, PlanCycleInput, ProactiveSettings, RuleScan } from '../../../domain/proactive/types';

const NOW = '2026-11-26T12:00:00.000Z';
const LATER = (h: number) => new Date(Date.parse(NOW) + h * 3_600_000).toISOString();

function hs(fingerprint: string, severity: HotspotSeverity, rule = `rule-${severity}`, probes: Hotspot['probes'] = []): Hotspot {
  return { fingerprint, ackId: fingerprint.slice(0, 7), source: 'prometheus', rule, severity, title: `${rule} on ${fingerprint.slice(0, 4)}`, explanation: 'x', labels: {}, value: '1', probes };
}
const DISK = hs('aaaa111122223333', 'high', 'filesystem-fill-24h', [{ name: 'free', query: 'q1', heavy: false }, { name: 'week', query: 'q2', heavy: true }]);
const FLAP = hs('bbbb111122223333', 'medium', 'scrape-target-flapping');
const LOW = hs('cccc111122223333', 'low', 'noise');

function settings(over: Partial<ProactiveSettings> = {}, budgets: Partial<ProactiveSettings['budgets']> = {}): ProactiveSettings {
  return { mode: 'on', severityFloor: 'medium', cooldownHours: 6, heavyProbes: false, ...over, budgets: { investigationsPerCycle: 1, investigationsPerDay: 12, usdPerDay: 10, ...budgets } };
}
const rulesOf = (hotspots: Hotspot[], extra: RuleScan[] = []): RuleScan[] => [
  ...[...new Set(hotspots.map((h) => h.rule))].map((rule) => ({ rule, source: 'prometheus' as const, status: 'ok' as const, findings: 1 })), ...extra,
];
function input(hotspots: Hotspot[], s = settings(), o: Partial<PlanCycleInput> = {}): PlanCycleInput {
  return { cycleId: o.cycleId ?? 'cycle-1', trigger: o.trigger ?? { kind: 'schedule' }, settings: s, scan: o.scan ?? { at: NOW, hotspots, rules: rulesOf(hotspots) } };
}
const state = (f: (s: ProactiveState) => void = () => undefined) => {
  const s = initialProactiveState(NOW);
  f(s);
  return s;
};
const verdicts = (r: ReturnType<typeof planCycle>) => r.plan.decisions.map((d) => [d.ackId.slice(0, 4), d.verdict]);

describe('rank and gate: verdict table', () => {
  const rows: { name: string; st: ProactiveState; in: PlanCycleInput; want: [string, string][]; why: RegExp[] }[] = [
    { name: 'budget 1 per cycle: the disk is investigated, the flapping target reported', st: state(), in: input([FLAP, DISK]),
      want: [['aaaa', 'investigated'], ['bbbb', 'reported']], why: [/top-ranked: high/, /cycle budget used: 1 investigation\(s\) per cycle, spent on higher-ranked aaaa111/] },
    { name: 'below the severity floor', st: state(), in: input([LOW]), want: [['cccc', 'below_floor']], why: [/severity low is below the floor \(medium\)/] },
    { name: 'floor low lets it through', st: state(), in: input([LOW], settings({ severityFloor: 'low' })), want: [['cccc', 'investigated']], why: [/top-ranked/] },
    { name: 'shadow mode never investigates', st: state(), in: input([DISK, FLAP], settings({ mode: 'shadow' })),
      want: [['aaaa', 'reported'], ['bbbb', 'reported']], why: [/shadow mode: scan and report only/, /shadow mode/] },
    { name: 'day count budget used', st: state((s) => { s.ledger.investigations = 12; }), in: input([DISK]),
      want: [['aaaa', 'over_budget']], why: [/day budget used: 12 of 12 investigation\(s\) today/] },
    { name: 'money budget used (charged from recorded usage)', st: state((s) => { s.ledger.costUsd = 10.02; }), in: input([DISK]),
      want: [['aaaa', 'over_budget']], why: [/money budget used: \$10\.02 of \$10\.00/] },
    { name: 'yesterday\'s ledger does not count today', st: state((s) => { s.ledger = { day: '2026-11-25', investigations: 12, costUsd: 50, charges: [] }; }), in: input([DISK]),
      want: [['aaaa', 'investigated']], why: [/11 investigation\(s\) and \$10\.00 left today/] },
    { name: 'cooling down after an investigation', st: state((s) => { s.cooldowns = [{ fingerprint: DISK.fingerprint, until: LATER(2), reason: 'the investigation of cycle c0' }]; }), in: input([DISK, FLAP]),
      want: [['aaaa', 'cooling_down'], ['bbbb', 'investigated']], why: [/cooling down until 2026-11-26T14:00:00.000Z after the investigation of cycle c0/, /top-ranked: medium/] },
    { name: 'an expired cooldown is gone', st: state((s) => { s.cooldowns = [{ fingerprint: DISK.fingerprint, until: LATER(-1), reason: 'x' }]; }), in: input([DISK]),
      want: [['aaaa', 'investigated']], why: [/top-ranked/] },
    { name: 'acked: muted, not investigated', st: state((s) => { s.suppressions = [{ fingerprint: DISK.fingerprint, ackId: 'aaaa111', rule: DISK.rule, title: 't', reason: 'known, resize Friday', operator: 'ana', channel: 'cli', at: NOW, expiresAt: LATER(24) }]; }),
      in: input([DISK, FLAP]), want: [['aaaa', 'muted'], ['bbbb', 'investigated']], why: [/acked by ana \(cli\) .*known, resize Friday/, /top-ranked/] },
    { name: 'paused: a scheduled cycle reports only', st: state((s) => { s.paused = { operator: 'ana', channel: 'api', at: NOW, reason: 'maintenance' }; }), in: input([DISK]),
      want: [['aaaa', 'reported']], why: [/paused by ana \(api\) .*maintenance/] },
    { name: 'paused: run-once still investigates (an explicit request)', st: state((s) => { s.paused = { operator: 'ana', channel: 'api', at: NOW }; }),
      in: input([DISK], settings(), { trigger: { kind: 'run-once', operator: 'bo', channel: 'cli' } }), want: [['aaaa', 'investigated']], why: [/top-ranked/] },
    { name: 'cycle budget 0', st: state(), in: input([DISK], settings({}, { investigationsPerCycle: 0 })), want: [['aaaa', 'reported']], why: [/cycle budget is 0/] },
    { name: 'two per cycle', st: state(), in: input([DISK, FLAP], settings({}, { investigationsPerCycle: 2 })), want: [['aaaa', 'investigated'], ['bbbb', 'investigated']], why: [/top-ranked/, /top-ranked/] },
  ];
  for (const row of rows) {
    test(row.name, () => {
      const r = planCycle(row.st, row.in, NOW);
      assert.deepEqual(verdicts(r), row.want);
      row.why.forEach((re, i) => assert.match(r.plan.decisions[i].why, re));
    });
  }
});

describe('rank and gate: state changes', () => {
  test('ranking is by severity, ties stable by rule then fingerprint', () => {
    const c = hs('0000000000000001', 'critical', 'bgp');
    const h2 = hs('aaaa000000000000', 'high', 'a-rule');
    assert.deepEqual(rankHotspots([FLAP, DISK, LOW, c, h2]).map((h) => h.fingerprint.slice(0, 4)), ['0000', 'aaaa', 'aaaa', 'bbbb', 'cccc']);
    assert.equal(rankHotspots([DISK, h2])[0], h2, 'a-rule before filesystem-fill-24h');
  });

  test('an investigation reserves the day budget and a cooldown; the same cycle planned again changes nothing', () => {
    const first = planCycle(state(), input([DISK, FLAP]), NOW);
    assert.equal(first.state.ledger.investigations, 1);
    assert.deepEqual(first.state.cooldowns.map((c) => [c.fingerprint, c.until]), [[DISK.fingerprint, LATER(6)]]);
    assert.deepEqual(first.plan.left, { investigationsToday: 11, usdToday: 10 });
    const again = planCycle(first.state, input([DISK, FLAP]), NOW);
    assert.equal(again.state, first.state);
    assert.deepEqual(again.plan, first.plan);
    const next = planCycle(first.state, input([DISK, FLAP], settings(), { cycleId: 'cycle-2' }), LATER(1));
    assert.deepEqual(verdicts(next), [['aaaa', 'cooling_down'], ['bbbb', 'investigated']]);
    assert.equal(next.state.ledger.investigations, 2);
  });

  test('heavy probes are proposed, never run, unless enabled', () => {
    const off = planCycle(state(), input([DISK]), NOW).plan.decisions[0];
    assert.deepEqual([off.probesRun, off.probesProposed], [['free'], ['week']]);
    assert.match(off.why, /heavy probe\(s\) proposed, not run \(proactive.heavyProbes is off\): week/);
    const on = planCycle(state(), input([DISK], settings({ heavyProbes: true })), NOW).plan.decisions[0];
    assert.deepEqual([on.probesRun, on.probesProposed], [['free', 'week'], []]);
  });

  test('a failed investigation keeps its cooldown (a down dependency does not re-page every cycle)', () => {
    const planned = planCycle(state(), input([DISK]), NOW).state;
    recordInvestigationOutcome(planned, { cycleId: 'cycle-1', fingerprint: DISK.fingerprint, error: 'Temporal unavailable' });
    assert.equal(planned.investigations[0].status, 'failed');
    const next = planCycle(planned, input([DISK], settings(), { cycleId: 'cycle-2' }), LATER(1));
    assert.deepEqual(verdicts(next), [['aaaa', 'cooling_down']]);
    assert.match(next.plan.decisions[0].why, /after a failed investigation \(cycle cycle-1: Temporal unavailable\)/);
  });

  test('acks are pruned when the hotspot stops firing (seen by a working scan) or expire; a failed scan keeps them', () => {
    const sup = (fingerprint: string, rule: string, expiresAt = LATER(24)) => ({ fingerprint, ackId: fingerprint.slice(0, 7), rule, title: 't', reason: 'r', operator: 'o', channel: 'cli' as const, at: NOW, expiresAt });
    const st = state((s) => {
      s.suppressions = [sup(DISK.fingerprint, DISK.rule), sup(FLAP.fingerprint, FLAP.rule), sup(LOW.fingerprint, LOW.rule, LATER(-1))];
    });
    // Nothing fires; the disk rule scanned fine, the flapping rule failed, the low rule's ack expired.
    const scan = { at: NOW, hotspots: [], rules: [
      { rule: DISK.rule, source: 'prometheus' as const, status: 'ok' as const, findings: 0 },
      { rule: FLAP.rule, source: 'prometheus' as const, status: 'error' as const, findings: 0, error: 'Prometheus unreachable' },
      { rule: LOW.rule, source: 'prometheus' as const, status: 'ok' as const, findings: 0 },
    ] };
    const r = planCycle(st, input([], settings(), { scan }), NOW);
    assert.deepEqual(r.plan.pruned.map((p) => [p.ackId.slice(0, 4), p.why]), [['aaaa', 'the hotspot stopped firing'], ['cccc', `the ack expired at ${LATER(-1)}`]]);
    assert.deepEqual(r.state.suppressions.map((s) => s.fingerprint), [FLAP.fingerprint]);
    // The problem returns: no ack any more, so it is reported / investigated again.
    const back = planCycle(r.state, input([DISK], settings(), { cycleId: 'cycle-2' }), LATER(1));
    assert.deepEqual(verdicts(back), [['aaaa', 'investigated']]);
  });

  test('LLM usage is charged once per investigation and cycle, to the day it arrives', () => {
    const s = planCycle(state(), input([DISK]), NOW).state;
    recordInvestigationOutcome(s, { cycleId: 'cycle-1', fingerprint: DISK.fingerprint, workflowId: 'alert/proactive-aaaa' });
    const usage = { investigationWorkflowId: 'alert/proactive-aaaa', fingerprint: DISK.fingerprint, cycleId: 'cycle-1', promptTokens: 1000, completionTokens: 500, costUsd: 2.5, model: 'm', diagnosis: 'diagnosed' as const };
    assert.equal(chargeUsage(s, usage, NOW), true);
    assert.equal(chargeUsage(s, usage, NOW), false, 'a duplicate is not charged twice');
    assert.deepEqual([s.ledger.costUsd, s.investigations[0].status, s.investigations[0].costUsd], [2.5, 'charged', 2.5]);
    assert.deepEqual(statusOf(s, NOW).left, { investigationsToday: 11, usdToday: 7.5 });
    chargeUsage(s, { ...usage, cycleId: 'cycle-9' }, '2026-11-27T00:00:01.000Z');
    assert.deepEqual([s.ledger.day, s.ledger.costUsd, s.ledger.investigations], ['2026-11-27', 2.5, 0]);
  });

  const openInv = (h: Hotspot, since = LATER(-7)) => ({ fingerprint: h.fingerprint, workflowId: `alert/proactive-${h.fingerprint}`, rule: h.rule, since });

  test('a hotspot whose investigation is still open is reported with it and spends no budget (cycle or day)', () => {
    const scan = { at: NOW, hotspots: [DISK, FLAP], rules: rulesOf([DISK, FLAP]), openInvestigations: [openInv(DISK)] };
    const r = planCycle(state(), input([], settings(), { scan }), NOW);
    assert.deepEqual(verdicts(r), [['aaaa', 'reported'], ['bbbb', 'investigated']], 'the cycle budget goes to the next hotspot');
    assert.match(r.plan.decisions[0].why, new RegExp(`already under investigation in alert/proactive-${DISK.fingerprint} \\(open since ${LATER(-7)}\\).*no budget is spent`));
    assert.equal(r.plan.decisions[0].investigationWorkflowId, `alert/proactive-${DISK.fingerprint}`);
    assert.equal(r.state.ledger.investigations, 1, 'only the flapping target is charged to the day');
    assert.deepEqual(r.plan.resolve, []);
  });

  test('an open investigation whose hotspot stopped firing is resolved (a failed scan of its rule proves nothing)', () => {
    const opened = planCycle(state(), input([DISK, FLAP], settings({}, { investigationsPerCycle: 2 })), NOW).state;
    recordInvestigationOutcome(opened, { cycleId: 'cycle-1', fingerprint: DISK.fingerprint, workflowId: `alert/proactive-${DISK.fingerprint}` });
    recordInvestigationOutcome(opened, { cycleId: 'cycle-1', fingerprint: FLAP.fingerprint, workflowId: `alert/proactive-${FLAP.fingerprint}` });
    const scan = { at: LATER(1), hotspots: [], openInvestigations: [openInv(DISK), openInv(FLAP)], rules: [
      { rule: DISK.rule, source: 'prometheus' as const, status: 'ok' as const, findings: 0 },
      { rule: FLAP.rule, source: 'prometheus' as const, status: 'error' as const, findings: 0, error: 'timeout' },
    ] };
    const r = planCycle(opened, input([], settings(), { scan, cycleId: 'cycle-2' }), LATER(1));
    assert.deepEqual(r.plan.resolve, [{ fingerprint: DISK.fingerprint, ackId: DISK.ackId, rule: DISK.rule, workflowId: `alert/proactive-${DISK.fingerprint}`, why: `the hotspot stopped firing (rule ${DISK.rule} found it no more)` }]);
    assert.deepEqual(r.state.investigations.map((i) => [i.fingerprint.slice(0, 4), i.status, i.resolvedAt ?? '-']), [['aaaa', 'resolved', LATER(1)], ['bbbb', 'opened', '-']]);
    assert.deepEqual(r.state.lastCycle?.resolve?.length, 1, 'the status shows what the last cycle resolved');
    // A scan recorded before open investigations were listed resolves nothing and says nothing about it.
    const old = planCycle(opened, input([], settings(), { scan: { at: LATER(1), hotspots: [], rules: rulesOf([DISK]) }, cycleId: 'cycle-3' }), LATER(1));
    assert.equal(old.plan.resolve, undefined);
  });

  test('a hotspot merged into an investigation that was already open gives its day budget back; the cooldown stays', () => {
    const s = planCycle(state(), input([DISK]), NOW).state;
    assert.equal(s.ledger.investigations, 1);
    recordInvestigationOutcome(s, { cycleId: 'cycle-1', fingerprint: DISK.fingerprint, workflowId: `alert/proactive-${DISK.fingerprint}`, merged: true });
    assert.deepEqual([s.ledger.investigations, s.investigations[0].status], [0, 'merged']);
    assert.match(s.cooldowns[0].reason, /a merge into the open investigation alert\/proactive-aaaa/);
    recordInvestigationOutcome(s, { cycleId: 'cycle-1', fingerprint: DISK.fingerprint, workflowId: `alert/proactive-${DISK.fingerprint}`, merged: true });
    assert.equal(s.ledger.investigations, 0, 'a repeated outcome refunds nothing twice');
    assert.deepEqual(statusOf(s, NOW).left, { investigationsToday: 12, usdToday: 10 });
  });

  test('a rule that found more hotspots than it listed (maxHotspotsPerRule) proves nothing about the unlisted ones', () => {
    const sup = { fingerprint: FLAP.fingerprint, ackId: FLAP.ackId, rule: FLAP.rule, title: 't', reason: 'r', operator: 'o', channel: 'cli' as const, at: NOW, expiresAt: LATER(24) };
    const other = hs('dddd111122223333', 'medium', FLAP.rule);
    const scan = (findings: number) => ({ at: NOW, hotspots: [other], openInvestigations: [openInv(FLAP)], rules: [{ rule: FLAP.rule, source: 'prometheus' as const, status: 'ok' as const, findings }] });
    const truncated = planCycle(state((s) => { s.suppressions = [sup]; }), input([], settings(), { scan: scan(30) }), NOW);
    assert.deepEqual([truncated.plan.pruned, truncated.plan.resolve, truncated.state.suppressions.length], [[], [], 1]);
    const complete = planCycle(state((s) => { s.suppressions = [sup]; }), input([], settings(), { scan: scan(1) }), NOW);
    assert.deepEqual([complete.plan.pruned.length, complete.plan.resolve?.length, complete.state.suppressions.length], [1, 1, 0]);
  });
});
