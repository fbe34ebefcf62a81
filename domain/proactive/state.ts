// The durable proactive state as plain JSON, and the pure operations on it: ack-id resolution (prefix matching like a
// short git hash), acks and unacks, the day's ledger and its charges. The state workflow calls these; so do tests.
import {
  ACK_ID_LENGTH, MIN_ACK_ID_LENGTH, type AckInput, type BudgetLedger, type CycleRecord, type Cooldown, type InvestigationUsage,
  type PauseInfo, type ProactiveInvestigation, type ProactiveSettings, type ProactiveStatus, type Suppression, type UnackInput,
} from './types';

export interface ProactiveState {
  paused?: PauseInfo;
  settings?: ProactiveSettings;
  ledger: BudgetLedger;
  suppressions: Suppression[];
  cooldowns: Cooldown[];
  lastCycle?: CycleRecord;
  investigations: ProactiveInvestigation[];
  cycles: number;
  /** Plans of the latest cycles by id, so a retried plan request gets the same answer (no double reservation). */
  recentPlans: { cycleId: string; plan: import('./types').CyclePlan }[];
}

export const MAX_INVESTIGATIONS_KEPT = 50;
export const MAX_CHARGES_KEPT = 50;
export const MAX_PLANS_KEPT = 5;

export const utcDay = (iso: string) => iso.slice(0, 10);
export const ackIdOf = (fingerprint: string) => fingerprint.slice(0, ACK_ID_LENGTH);

export function emptyLedger(nowIso: string): BudgetLedger {
  return { day: utcDay(nowIso), investigations: 0, costUsd: 0, charges: [] };
}

export function initialProactiveState(nowIso: string): ProactiveState {
  return { ledger: emptyLedger(nowIso), suppressions: [], cooldowns: [], investigations: [], cycles: 0, recentPlans: [] };
}

export function emptyProactiveStatus(nowIso: string): ProactiveStatus {
  return statusOf(initialProactiveState(nowIso), nowIso);
}

/** The ledger of the day of `nowIso`: a new UTC day starts empty. */
export function ledgerFor(ledger: BudgetLedger, nowIso: string): BudgetLedger {
  return ledger.day === utcDay(nowIso) ? ledger : emptyLedger(nowIso);
}

export function budgetLeft(ledger: BudgetLedger, settings: ProactiveSettings | undefined) {
  if (!settings) return undefined;
  return {
    investigationsToday: Math.max(0, settings.budgets.investigationsPerDay - ledger.investigations),
    usdToday: Math.max(0, round6(settings.budgets.usdPerDay - ledger.costUsd)),
  };
}

export const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

const live = <T extends { expiresAt?: string; until?: string }>(items: T[], nowMs: number) =>
  items.filter((i) => Date.parse(i.expiresAt ?? i.until ?? '') > nowMs);

export function statusOf(s: ProactiveState, nowIso: string): ProactiveStatus {
  const nowMs = Date.parse(nowIso);
  const ledger = ledgerFor(s.ledger, nowIso);
  const left = budgetLeft(ledger, s.settings);
  return {
    ...(s.paused ? { paused: s.paused } : {}),
    ...(s.settings ? { settings: s.settings } : {}),
    ledger,
    ...(left ? { left } : {}),
    suppressions: live(s.suppressions, nowMs),
    cooldowns: live(s.cooldowns, nowMs),
    ...(s.lastCycle ? { lastCycle: s.lastCycle } : {}),
    investigations: s.investigations,
    cycles: s.cycles,
  };
}

export type Resolution = { ok: true; fingerprint: string } | { ok: false; notFound: boolean; error: string };

/**
 * Resolves a full fingerprint or an ack-id prefix against candidates (fingerprint + a label for messages).
 * Several candidates sharing the prefix is an error naming them, never a guess.
 */
export function resolveTarget(t: { fingerprint?: string; ackId?: string }, candidates: { fingerprint: string; title: string }[], what: string): Resolution {
  const unique = [...new Map(candidates.map((c) => [c.fingerprint, c])).values()];
  if (t.fingerprint !== undefined) {
    const fp = t.fingerprint.toLowerCase();
    return unique.some((c) => c.fingerprint === fp) ? { ok: true, fingerprint: fp } : { ok: false, notFound: true, error: `no ${what} with fingerprint ${fp}` };
  }
  const prefix = (t.ackId ?? '').toLowerCase();
  if (!/^[0-9a-f]+$/.test(prefix) || prefix.length < MIN_ACK_ID_LENGTH) {
    return { ok: false, notFound: false, error: `an ack id is at least ${MIN_ACK_ID_LENGTH} hex digits (got "${prefix.slice(0, 20)}")` };
  }
  const hits = unique.filter((c) => c.fingerprint.startsWith(prefix));
  if (hits.length === 1) return { ok: true, fingerprint: hits[0].fingerprint };
  if (hits.length === 0) return { ok: false, notFound: true, error: `no ${what} with ack id ${prefix}` };
  const names = hits.slice(0, 5).map((h) => `${h.fingerprint.slice(0, Math.max(ACK_ID_LENGTH, prefix.length + 2))} (${h.title.slice(0, 60)})`);
  return { ok: false, notFound: false, error: `ack id ${prefix} is ambiguous: it matches ${hits.length} ${what}s: ${names.join(', ')}; give more digits` };
}

/** Hotspots an operator can ack: those of the latest cycle (what the digest and the review page showed). */
export function ackCandidates(s: ProactiveState) {
  return (s.lastCycle?.decisions ?? []).map((d) => ({ fingerprint: d.fingerprint, title: d.title }));
}

export function suppressionCandidates(s: ProactiveState, nowIso: string) {
  return live(s.suppressions, Date.parse(nowIso)).map((x) => ({ fingerprint: x.fingerprint, title: x.title }));
}

/** Validates an ack against the state; returns the error text, or undefined when it may be applied. */
export function ackError(s: ProactiveState, a: AckInput): Resolution {
  if (!a || typeof a !== 'object') return { ok: false, notFound: false, error: 'expected an ack object' };
  if (typeof a.reason !== 'string' || !a.reason.trim()) return { ok: false, notFound: false, error: 'reason is required: say why this hotspot is muted' };
  if (typeof a.operator !== 'string' || !a.operator.trim()) return { ok: false, notFound: false, error: 'operator is required' };
  if (!(typeof a.ttlHours === 'number' && a.ttlHours > 0 && a.ttlHours <= 24 * 30)) return { ok: false, notFound: false, error: 'ttlHours must be a number of hours, above 0 and at most 720' };
  if ((a.fingerprint === undefined) === (a.ackId === undefined)) return { ok: false, notFound: false, error: 'give exactly one of fingerprint or ackId' };
  return resolveTarget(a, ackCandidates(s), 'current hotspot');
}

export function applyAck(s: ProactiveState, a: AckInput, fingerprint: string, nowIso: string): Suppression {
  const d = s.lastCycle?.decisions.find((x) => x.fingerprint === fingerprint);
  const sup: Suppression = {
    fingerprint, ackId: ackIdOf(fingerprint), rule: d?.rule ?? '', title: d?.title ?? fingerprint,
    reason: a.reason.trim().slice(0, 500), operator: a.operator.trim().slice(0, 100), channel: a.channel, at: nowIso,
    expiresAt: new Date(Date.parse(nowIso) + a.ttlHours * 3_600_000).toISOString(),
  };
  s.suppressions = [...s.suppressions.filter((x) => x.fingerprint !== fingerprint), sup];
  return sup;
}

export function unackError(s: ProactiveState, u: UnackInput, nowIso: string): Resolution {
  if (!u || typeof u !== 'object') return { ok: false, notFound: false, error: 'expected an unack object' };
  if (typeof u.operator !== 'string' || !u.operator.trim()) return { ok: false, notFound: false, error: 'operator is required' };
  if ((u.fingerprint === undefined) === (u.ackId === undefined)) return { ok: false, notFound: false, error: 'give exactly one of fingerprint or ackId' };
  return resolveTarget(u, suppressionCandidates(s, nowIso), 'suppression');
}

export function applyUnack(s: ProactiveState, fingerprint: string): Suppression {
  const removed = s.suppressions.find((x) => x.fingerprint === fingerprint)!;
  s.suppressions = s.suppressions.filter((x) => x.fingerprint !== fingerprint);
  return removed;
}

/** Charges an investigation's recorded LLM usage to the day's ledger, once per investigation and cycle. */
export function chargeUsage(s: ProactiveState, u: InvestigationUsage, nowIso: string): boolean {
  s.ledger = ledgerFor(s.ledger, nowIso);
  if (s.ledger.charges.some((c) => c.investigationWorkflowId === u.investigationWorkflowId && c.cycleId === u.cycleId)) return false;
  const cost = Number.isFinite(u.costUsd) && u.costUsd > 0 ? u.costUsd : 0;
  s.ledger.costUsd = round6(s.ledger.costUsd + cost);
  s.ledger.charges = [...s.ledger.charges, {
    at: nowIso, cycleId: u.cycleId, investigationWorkflowId: u.investigationWorkflowId, fingerprint: u.fingerprint,
    promptTokens: u.promptTokens, completionTokens: u.completionTokens, costUsd: cost, model: u.model,
  }].slice(-MAX_CHARGES_KEPT);
  const inv = s.investigations.find((i) => i.workflowId === u.investigationWorkflowId && i.cycleId === u.cycleId);
  if (inv) {
    inv.status = 'charged';
    inv.costUsd = cost;
    if (u.diagnosis === 'no_diagnosis') inv.error = 'the investigation produced no diagnosis';
  }
  return true;
}
