// A leaky bucket, as CrowdSec's scenarios use: each event pours one unit in, the bucket drains one unit every
// `leakMs`, and it overflows when the level exceeds its capacity. Slow scanners are caught because the horizon is
// capacity × leak time, not one fixed window. Plain JSON; time is the log's own clock, so replaying a file works.

export interface LeakyBucket {
  level: number;
  /** Time (epoch ms) the level was last computed at. */
  atMs: number;
  /** Highest level reached in this episode. */
  peak: number;
}

export const newBucket = (atMs: number): LeakyBucket => ({ level: 0, atMs, peak: 0 });

/** Level at `atMs` (never before the last update: late lines drain nothing). */
export function levelAt(b: LeakyBucket, atMs: number, leakMs: number): number {
  const elapsed = atMs > b.atMs ? atMs - b.atMs : 0;
  return Math.max(0, b.level - elapsed / leakMs);
}

/** Pours `units` at `atMs`; returns the new level. */
export function pour(b: LeakyBucket, atMs: number, leakMs: number, units = 1): number {
  b.level = levelAt(b, atMs, leakMs) + units;
  if (atMs > b.atMs) b.atMs = atMs;
  if (b.level > b.peak) b.peak = b.level;
  return b.level;
}

/** Whether the bucket has drained completely by `atMs` (its episode is over). */
export const drained = (b: LeakyBucket, atMs: number, leakMs: number) => levelAt(b, atMs, leakMs) <= 0;
