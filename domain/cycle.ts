// When does a new sighting of an IP whose last case is closed open a new case (a new cycle)?
import type { PolicyConfig } from './config';
import type { Sighting, ThreatOutcome } from './types';

export const BLOCK_OUTCOMES: ReadonlySet<ThreatOutcome> = new Set(['expired', 'released', 'failed']);

export interface ClosedCase {
  outcome: ThreatOutcome;
  closedAt: string;
  maxScore: number;
  /** The newest observation the case's evidence holds (absent in cases closed before it was recorded). */
  lastSeen?: string;
}

/**
 * A sighting observed no later than the newest evidence the closed case already holds is that evidence delivered
 * again (a scan retried after its worker died re-reads the same log lines, at least once): it is merged, and never
 * opens a new case, whatever the outcome, cooldown or score.
 */
export function isRepeatedSighting(last: ClosedCase, s: Sighting): boolean {
  if (last.lastSeen === undefined) return false;
  const seen = Date.parse(s.observedAt);
  const newest = Date.parse(last.lastSeen);
  return Number.isFinite(seen) && Number.isFinite(newest) && seen <= newest;
}

export const REPEATED_SIGHTING_REASON = 'observed no later than the evidence the previous case already holds (a repeated delivery); merged without a new case';

export function shouldReopen(last: ClosedCase, s: Sighting, policy: PolicyConfig, now: string): { reopen: boolean; reason: string } {
  if (BLOCK_OUTCOMES.has(last.outcome)) return { reopen: true, reason: `seen again after the previous block ended (${last.outcome})` };
  const hours = (Date.parse(now) - Date.parse(last.closedAt)) / 3_600_000;
  const { cooldownHours, scoreIncrease } = policy.reopen;
  if (hours >= cooldownHours) return { reopen: true, reason: `seen again ${Math.floor(hours)} h after the previous case (${last.outcome}) closed` };
  if (s.score >= last.maxScore + scoreIncrease) return { reopen: true, reason: `score rose from ${last.maxScore} to ${s.score}` };
  return { reopen: false, reason: `within the ${cooldownHours} h cooldown after ${last.outcome}; merged without a new case` };
}

/** How long an idle IP workflow stays open: offenders are remembered for offenderMemoryDays, others for the cooldown. */
export function watchHours(priorBlocks: number, policy: PolicyConfig): number {
  return priorBlocks > 0 ? policy.durations.offenderMemoryDays * 24 : policy.reopen.cooldownHours;
}
