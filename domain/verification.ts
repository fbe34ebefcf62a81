// Verification of a block in three levels, and what the workflow does with the result. Pure: shared by the
// enforcement activities (which measure), the workflow (which decides) and the API/CLI (which show).
//
//   present   the entry is in the enforcer's configuration (pfSense config.xml alias, the Middleware's list)
//   loaded    the running data plane has it (pf's runtime table, Traefik's loaded middleware)
//   effective after the settle time the IP's traffic no longer reaches a backend (access log, PromQL, firewall log)

export const VERIFICATION_LEVELS = ['none', 'present', 'loaded', 'effective'] as const;
export type VerificationLevel = (typeof VERIFICATION_LEVELS)[number];

/** `effective`: traffic stopped; `ineffective`: it still reaches a backend; `no_traffic`: inconclusive. */
export const EFFECT_OUTCOMES = ['effective', 'ineffective', 'no_traffic'] as const;
export type EffectOutcome = (typeof EFFECT_OUTCOMES)[number];

export const EFFECT_SOURCES = ['access-log', 'elasticsearch', 'prometheus'] as const;
export type EffectSource = (typeof EFFECT_SOURCES)[number];

/** One level's answer. `ok: null` means the enforcer cannot observe this level (e.g. a NetworkPolicy's CNI). */
export interface LevelCheck {
  ok: boolean | null;
  evidence: string;
}

/** What an enforcer's verify returns: the first two levels, each with the evidence it saw. */
export interface BlockLevels {
  present: LevelCheck;
  loaded: LevelCheck;
}

/** The verifyBlock activity's answer: the levels, the level reached and a one-line summary. */
export interface BlockVerification {
  enforcer: string;
  simulated: boolean;
  levels: BlockLevels;
  /** The level reached by configuration and data plane (never `effective`: that needs the effect check). */
  level: Exclude<VerificationLevel, 'effective'>;
  /** Did the block take: present, and not seen missing from the data plane (see blockTook). */
  present: boolean;
  detail: string;
  at: string;
}

/** One effect source's measurement. */
export interface EffectSourceResult {
  source: EffectSource;
  /** `error` = the source could not be read; it does not count towards the outcome. */
  outcome: EffectOutcome | 'error';
  evidence: string;
  /** Access log / Elasticsearch: requests from the IP after the block that reached a backend / that Traefik refused. */
  reached?: number;
  refused?: number;
  /** Prometheus: the query's value before the block (baseline) and after the settle time. */
  query?: string;
  before?: number;
  after?: number;
}

export interface EffectCheck {
  outcome: EffectOutcome;
  /** Start of the observed window (the block's apply time) and when it was measured. */
  since: string;
  at: string;
  sources: EffectSourceResult[];
  summary: string;
}

/** Taken before apply, for sources that compare before and after. */
export interface EffectBaseline {
  at: string;
  prometheus?: { query: string; value?: number; error?: string };
}

export function levelOf(levels: BlockLevels): BlockVerification['level'] {
  if (levels.present.ok !== true) return 'none';
  return levels.loaded.ok === true ? 'loaded' : 'present';
}

/** Did the block take: present, and not seen missing from the data plane (an unobservable data plane is not a failure). */
export const blockTook = (levels: BlockLevels) => levels.present.ok === true && levels.loaded.ok !== false;

/** Is the entry gone from both configuration and data plane (for verify-removal)? */
export const blockGone = (levels: BlockLevels) => levels.present.ok === false && levels.loaded.ok !== true;

export function summariseLevels(levels: BlockLevels): string {
  const word = (c: LevelCheck) => (c.ok === null ? 'not observable' : c.ok ? 'yes' : 'NO');
  return `present: ${word(levels.present)} (${levels.present.evidence}); loaded: ${word(levels.loaded)} (${levels.loaded.evidence})`;
}

/**
 * The combined outcome: any source that saw traffic reach a backend makes it ineffective (one working path around
 * the block is enough to matter); otherwise any source that saw the traffic stopped makes it effective; otherwise
 * nothing was seen (inconclusive). Sources that failed do not vote.
 */
export function combineEffect(sources: EffectSourceResult[]): EffectOutcome {
  if (sources.some((s) => s.outcome === 'ineffective')) return 'ineffective';
  if (sources.some((s) => s.outcome === 'effective')) return 'effective';
  return 'no_traffic';
}

/** Access log / Elasticsearch: requests from the IP after the block, by whether they reached a backend. */
export function accessLogOutcome(reached: number, refused: number): EffectOutcome {
  if (reached > 0) return 'ineffective';
  return refused > 0 ? 'effective' : 'no_traffic';
}

/**
 * PromQL before/after: the series must drop to at most `maxAfter` (default 0). A missing value means no series,
 * i.e. no traffic recorded. Nothing before and nothing after is inconclusive.
 */
export function promqlOutcome(before: number | undefined, after: number | undefined, maxAfter = 0): EffectOutcome {
  const a = after ?? 0;
  const b = before ?? 0;
  if (a > maxAfter) return 'ineffective';
  return b > maxAfter ? 'effective' : 'no_traffic';
}

export interface VerificationPolicy {
  /** What an ineffective block does: keep it and open a review (default), roll it back, or just keep it. */
  onIneffective: 'review' | 'rollback' | 'keep';
  /** Re-check an inconclusive (no traffic seen) result once, this many minutes later in the hold; 0 = never. */
  recheckInconclusiveMinutes: number;
}

export type NextStep = 'keep' | 'rollback' | 'review' | 'recheck';

export interface VerificationFacts {
  levels: BlockLevels;
  /** Absent when no effect source is configured or the effect has not been measured yet. */
  effect?: EffectCheck;
  /** True when this effect check is already the re-check. */
  rechecked?: boolean;
}

/**
 * What the workflow does next. Not present or not loaded: roll back and fail (the saga). Ineffective: by policy,
 * keep the block and open a review with the evidence, roll back, or keep. Inconclusive: keep, and re-check once
 * later if configured.
 */
export function nextStepAfterVerification(facts: VerificationFacts, policy: VerificationPolicy): { step: NextStep; reason: string } {
  const { levels, effect } = facts;
  if (levels.present.ok !== true) return { step: 'rollback', reason: `the block is not present: ${levels.present.evidence}` };
  if (levels.loaded.ok === false) return { step: 'rollback', reason: `the block is present but not loaded: ${levels.loaded.evidence}` };
  const reached = levels.loaded.ok === true ? 'present and loaded' : 'present (data plane not observable)';
  if (!effect) return { step: 'keep', reason: `${reached}; effect not measured` };
  switch (effect.outcome) {
    case 'effective':
      return { step: 'keep', reason: `${reached} and effective: ${effect.summary}` };
    case 'ineffective':
      if (policy.onIneffective === 'rollback') return { step: 'rollback', reason: `ineffective: ${effect.summary}` };
      if (policy.onIneffective === 'review') return { step: 'review', reason: `ineffective, kept for review: ${effect.summary}` };
      return { step: 'keep', reason: `ineffective, kept by policy: ${effect.summary}` };
    case 'no_traffic':
      if (policy.recheckInconclusiveMinutes > 0 && !facts.rechecked) {
        return { step: 'recheck', reason: `no traffic seen yet; re-checking in ${policy.recheckInconclusiveMinutes} min` };
      }
      return { step: 'keep', reason: `${reached}; effect inconclusive: ${effect.summary}` };
  }
}

/** The highest level a block reached, for the review page, the audit and the metric. */
export function highestLevel(levels: BlockLevels | undefined, effect: EffectCheck | undefined): VerificationLevel {
  if (!levels) return 'none';
  const l = levelOf(levels);
  return l !== 'none' && effect?.outcome === 'effective' ? 'effective' : l;
}

/** One precondition of an enforcer (a rule references the alias, a router uses the middleware, ...). */
export interface PreconditionCheck {
  what: string;
  ok: boolean;
  detail: string;
}

export interface PreconditionReport {
  enforcer: string;
  ok: boolean;
  checks: PreconditionCheck[];
}

/** The message an apply is refused with: every failed check, each naming what to add. */
export const preconditionFailure = (r: PreconditionReport) =>
  `${r.enforcer} preconditions not met: ${r.checks.filter((c) => !c.ok).map((c) => c.detail).join('; ')}`;

/** The policy a workflow started before this existed runs with (its snapshot has no `verification`). */
export const DEFAULT_VERIFICATION_POLICY: VerificationPolicy & { effect: { sources: EffectSource[]; settleSeconds: number } } = {
  onIneffective: 'review', recheckInconclusiveMinutes: 0, effect: { sources: [], settleSeconds: 120 },
};
