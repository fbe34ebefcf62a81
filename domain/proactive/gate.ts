// Rank and gate, pure: which hotspots of a cycle are investigated, and why each other one is not. Runs inside the
// durable state workflow's planCycle update, so the reservation of a day's budget and a fingerprint's cooldown is
// atomic with the decision (two overlapping cycles cannot both spend the last investigation).
import {
  HOTSPOT_SEVERITIES, ICINGA_RULE, type CyclePlan, type Hotspot, type HotspotDecision, type HotspotSeverity, type InvestigationOutcomeInput,
  type InvestigationToResolve, type PlanCycleInput, type ProactiveInvestigation,
} from './types';
import { ackIdOf, budgetLeft, ledgerFor, MAX_INVESTIGATIONS_KEPT, MAX_PLANS_KEPT, round6, utcDay, type ProactiveState } from './state';

export const SEVERITY_SCORE: Record<HotspotSeverity, number> = { info: 10, low: 25, medium: 50, high: 75, critical: 100 };
const rankOf = (s: HotspotSeverity) => HOTSPOT_SEVERITIES.indexOf(s);
const HOUR_MS = 3_600_000;

/** Highest severity first; ties in a stable order (rule, then fingerprint) so a cycle's ranking is reproducible. */
export function rankHotspots(hotspots: Hotspot[]): Hotspot[] {
  return [...hotspots].sort((a, b) => SEVERITY_SCORE[b.severity] - SEVERITY_SCORE[a.severity]
    || a.rule.localeCompare(b.rule) || a.fingerprint.localeCompare(b.fingerprint));
}

const sourceOfRule = (rule: string) => (rule === ICINGA_RULE ? 'icinga' : 'prometheus');
/** Investigations the loop opened that may still be running (so a resolution applies to them). */
const OPEN_STATUSES: ProactiveInvestigation['status'][] = ['opened', 'charged', 'merged'];

const usd = (n: number) => `$${n.toFixed(n !== 0 && Math.abs(n) < 0.01 ? 4 : 2)}`;

/**
 * Plans one cycle against the state and returns the plan (every hotspot's verdict and why) and the new state:
 * suppressions pruned (stopped firing, expired), the day's ledger and cooldowns reserved for the investigated ones.
 * A plan already made for the same cycle id is returned again unchanged (a retried request reserves nothing twice).
 */
export function planCycle(prev: ProactiveState, input: PlanCycleInput, nowIso: string): { plan: CyclePlan; state: ProactiveState } {
  const again = prev.recentPlans.find((p) => p.cycleId === input.cycleId);
  if (again) return { plan: again.plan, state: prev };
  const nowMs = Date.parse(nowIso);
  const { settings, scan, trigger } = input;
  const ledger = { ...ledgerFor(prev.ledger, nowIso) };
  let cooldowns = prev.cooldowns.filter((c) => Date.parse(c.until) > nowMs);
  const firing = new Set(scan.hotspots.map((h) => h.fingerprint));
  // A rule's scan proves a hotspot stopped firing only if it worked and listed everything it found (a rule finding
  // more than maxHotspotsPerRule lists some of them: the others still fire).
  const listed = new Map<string, number>();
  for (const h of scan.hotspots) listed.set(`${h.source}/${h.rule}`, (listed.get(`${h.source}/${h.rule}`) ?? 0) + 1);
  const ruleStatus = new Map(scan.rules.map((r) => [`${r.source}/${r.rule}`, r.status === 'ok' && r.findings > (listed.get(`${r.source}/${r.rule}`) ?? 0) ? 'truncated' : r.status]));
  const scannedOk = (rule: string) => ruleStatus.get(`${sourceOfRule(rule)}/${rule}`) === 'ok';

  // Acks last until the hotspot stops firing, seen by a scan of its rule that worked (a failed scan proves nothing).
  const pruned: CyclePlan['pruned'] = [];
  const suppressions = prev.suppressions.filter((s) => {
    const status = ruleStatus.get(`${sourceOfRule(s.rule)}/${s.rule}`);
    let why: string | undefined;
    if (Date.parse(s.expiresAt) <= nowMs) why = `the ack expired at ${s.expiresAt}`;
    else if (status === undefined) why = `rule ${s.rule} is no longer scanned`;
    else if (status === 'ok' && !firing.has(s.fingerprint)) why = 'the hotspot stopped firing';
    if (why) pruned.push({ fingerprint: s.fingerprint, ackId: s.ackId, why });
    return why === undefined;
  });
  const muted = new Map(suppressions.map((s) => [s.fingerprint, s]));

  // Open investigations (Temporal's own list, read by the scan): one whose hotspot still fires covers it (a repeat
  // would only merge into it, so it spends no budget); one whose hotspot a working scan of its rule no longer finds
  // is resolved by this cycle. A failed scan proves nothing, as for acks.
  const open = new Map((scan.openInvestigations ?? []).map((o) => [o.fingerprint, o]));
  const resolve: InvestigationToResolve[] = (scan.openInvestigations ?? [])
    .filter((o) => !firing.has(o.fingerprint) && scannedOk(o.rule))
    .map((o) => ({ fingerprint: o.fingerprint, ackId: ackIdOf(o.fingerprint), rule: o.rule, workflowId: o.workflowId, why: `the hotspot stopped firing (rule ${o.rule} found it no more)` }));

  const paused = trigger.kind === 'schedule' ? prev.paused : undefined;
  const perCycle = settings.budgets.investigationsPerCycle;
  const floor = settings.severityFloor;
  const investigatedNow: string[] = [];
  const decisions: HotspotDecision[] = [];
  const investigations = prev.investigations.map((i) => {
    const r = resolve.find((x) => x.workflowId === i.workflowId && x.fingerprint === i.fingerprint);
    return r && OPEN_STATUSES.includes(i.status) ? { ...i, status: 'resolved' as const, resolvedAt: nowIso, resolvedWhy: r.why } : i;
  });

  for (const h of rankHotspots(scan.hotspots)) {
    const score = SEVERITY_SCORE[h.severity];
    const base = { fingerprint: h.fingerprint, ackId: h.ackId, rule: h.rule, source: h.source, severity: h.severity, title: h.title, score, probesRun: [] as string[], probesProposed: [] as string[] };
    const decide = (verdict: HotspotDecision['verdict'], why: string) => decisions.push({ ...base, verdict, why });
    const sup = muted.get(h.fingerprint);
    const cool = cooldowns.find((c) => c.fingerprint === h.fingerprint);
    if (sup) {
      decide('muted', `acked by ${sup.operator} (${sup.channel}) at ${sup.at}: ${sup.reason}; muted until it stops firing or ${sup.expiresAt}`);
    } else if (rankOf(h.severity) < rankOf(floor)) {
      decide('below_floor', `severity ${h.severity} is below the floor (${floor})`);
    } else if (cool) {
      decide('cooling_down', `cooling down until ${cool.until} after ${cool.reason}`);
    } else if (settings.mode !== 'on') {
      decide('reported', `${settings.mode} mode: scan and report only, never investigate`);
    } else if (paused) {
      decide('reported', `paused by ${paused.operator} (${paused.channel}) at ${paused.at}${paused.reason ? `: ${paused.reason}` : ''}`);
    } else if (open.has(h.fingerprint)) {
      const o = open.get(h.fingerprint)!;
      decisions.push({ ...base, verdict: 'reported', investigationWorkflowId: o.workflowId, why: `already under investigation in ${o.workflowId} (open since ${o.since}): a repeat would only merge into it, so no budget is spent` });
    } else if (investigatedNow.length >= perCycle) {
      decide('reported', perCycle === 0 ? 'the cycle budget is 0 investigations' : `cycle budget used: ${perCycle} investigation(s) per cycle, spent on higher-ranked ${investigatedNow.join(', ')}`);
    } else if (ledger.investigations >= settings.budgets.investigationsPerDay) {
      decide('over_budget', `day budget used: ${ledger.investigations} of ${settings.budgets.investigationsPerDay} investigation(s) today (UTC ${ledger.day})`);
    } else if (ledger.costUsd >= settings.budgets.usdPerDay) {
      decide('over_budget', `money budget used: ${usd(ledger.costUsd)} of ${usd(settings.budgets.usdPerDay)} spent on LLM tokens today (UTC ${ledger.day})`);
    } else {
      ledger.investigations += 1;
      investigatedNow.push(h.ackId);
      const heavy = h.probes.filter((p) => p.heavy);
      const run = h.probes.filter((p) => !p.heavy || settings.heavyProbes).map((p) => p.name);
      const proposed = settings.heavyProbes ? [] : heavy.map((p) => p.name);
      const until = new Date(nowMs + settings.cooldownHours * HOUR_MS).toISOString();
      cooldowns = [...cooldowns, { fingerprint: h.fingerprint, until, reason: `the investigation of cycle ${input.cycleId}` }];
      investigations.push({ cycleId: input.cycleId, fingerprint: h.fingerprint, ackId: h.ackId, title: h.title, at: nowIso, status: 'planned' });
      const left = `${settings.budgets.investigationsPerDay - ledger.investigations} investigation(s) and ${usd(round6(settings.budgets.usdPerDay - ledger.costUsd))} left today`;
      decisions.push({
        ...base, verdict: 'investigated', probesRun: run, probesProposed: proposed,
        why: `top-ranked: ${h.severity} (score ${score}); ${left}; cooldown until ${until}${proposed.length ? `; heavy probe(s) proposed, not run (proactive.heavyProbes is off): ${proposed.join(', ')}` : ''}`,
      });
    }
  }

  const record = { cycleId: input.cycleId, at: nowIso, trigger, mode: settings.mode, decisions, rules: scan.rules, pruned, ...(scan.openInvestigations ? { resolve } : {}) };
  const plan: CyclePlan = { ...record, left: budgetLeft(ledger, settings)!, ...(paused ? { paused } : {}) };
  const state: ProactiveState = {
    ...prev, settings, ledger, suppressions, cooldowns, lastCycle: record, cycles: prev.cycles + 1,
    investigations: investigations.slice(-MAX_INVESTIGATIONS_KEPT),
    recentPlans: [...prev.recentPlans, { cycleId: input.cycleId, plan }].slice(-MAX_PLANS_KEPT),
  };
  return { plan, state };
}

/**
 * Records whether the cycle opened a planned investigation; a failure keeps the cooldown and says why. A hotspot merged
 * into an investigation that was already running investigated nothing new: its reservation of the day's budget is
 * given back (no LLM call is made for a merge, so no money is charged either); the cooldown stays.
 */
export function recordInvestigationOutcome(s: ProactiveState, o: InvestigationOutcomeInput): void {
  const inv = s.investigations.find((i) => i.cycleId === o.cycleId && i.fingerprint === o.fingerprint);
  if (inv && inv.status === 'planned') {
    inv.status = o.workflowId && !o.error ? (o.merged ? 'merged' : 'opened') : 'failed';
    if (o.workflowId) inv.workflowId = o.workflowId;
    if (o.error) inv.error = o.error.slice(0, 300);
    if (inv.status === 'merged' && s.ledger.day === utcDay(inv.at) && s.ledger.investigations > 0) {
      s.ledger = { ...s.ledger, investigations: s.ledger.investigations - 1 };
      s.cooldowns = s.cooldowns.map((c) => (c.fingerprint === o.fingerprint ? { ...c, reason: `a merge into the open investigation ${o.workflowId} (cycle ${o.cycleId})` } : c));
    }
  }
  if (o.error) {
    s.cooldowns = s.cooldowns.map((c) => (c.fingerprint === o.fingerprint ? { ...c, reason: `a failed investigation (cycle ${o.cycleId}: ${o.error!.slice(0, 200)})` } : c));
  }
}
