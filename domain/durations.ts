// The duration ladder and repeat-offender escalation.
import type { PolicyConfig } from './config';

type Durations = PolicyConfig['durations'];

export interface LadderStep {
  hours: number;
  repeatOffender: boolean;
  recommendPermanent: boolean;
  reason: string;
}

/** Block duration for an IP with `priorBlocks` earlier blocks: 12 h, 24 h, 72 h, 168 h, ... then repeat offender. */
export function ladderStep(priorBlocks: number, d: Durations): LadderStep {
  const n = Math.max(0, Math.floor(priorBlocks));
  if (n >= d.repeatOffenderThreshold) {
    return {
      hours: d.maxHours, repeatOffender: true, recommendPermanent: true,
      reason: `repeat offender: ${n} earlier blocks (threshold ${d.repeatOffenderThreshold}) → ${d.maxHours} h and a permanent block is recommended`,
    };
  }
  const hours = Math.min(d.ladderHours[Math.min(n, d.ladderHours.length - 1)], d.maxHours);
  return {
    hours, repeatOffender: false, recommendPermanent: false,
    reason: n === 0 ? `first block → ${hours} h` : `${n} earlier block${n === 1 ? '' : 's'} → ${hours} h`,
  };
}

export function clampHours(hours: number, d: Durations): number {
  if (!Number.isFinite(hours)) return d.minHours;
  return Math.min(d.maxHours, Math.max(d.minHours, hours));
}

/** Validation for a duration a human asks for: inside bounds or refused (not silently changed). */
export function checkHumanDuration(hours: number | undefined, d: Durations): string | undefined {
  if (hours === undefined) return undefined;
  if (typeof hours !== 'number' || !Number.isFinite(hours)) return 'durationHours must be a number';
  if (hours < d.minHours || hours > d.maxHours) return `durationHours must be between ${d.minHours} and ${d.maxHours}`;
  return undefined;
}
