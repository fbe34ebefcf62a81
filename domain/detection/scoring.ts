// Whether a window is a secrets scan, and how sure we are (0..100).
//
// Trigger (both must hold):
//   - sensitive hits > detector.sensitiveHitsAbove (default 50 per 60 s window), or, when a scanner user agent was
//     seen in the window, > detector.sensitiveHitsAboveWithScannerUa (default 4);
//   - without a scanner user agent, at least detector.minDistinctPathsWithoutScannerUa distinct sensitive paths
//     (default 2): one client retrying one endpoint with a stale token is not a scan.
// Score of a triggered window = 55 (base) + volume + breadth + tooling, capped at 100:
//   volume   hits / sensitiveHitsAbove:  > 1 → +5,  ≥ 2 → +10, ≥ 4 → +15
//   breadth  distinct sensitive paths:   ≥ 3 → +5,  ≥ 10 → +10, ≥ 25 → +15
//   tooling  a scanner user agent:       +15
// So a 60/min scan over 30 paths scores 75 (review at the default thresholds), nuclei over 40 paths at 120/min
// scores 90, and only a broad, fast, tool-driven scan reaches 95+ (auto). Policy still has the final word.
import type { DetectorConfig } from '../config/detection';
import { distinctPaths, type WindowTally } from './tally';

export const SCORE_BASE = 55;

export interface ScanAssessment {
  triggered: boolean;
  score: number;
  /** The hit count the window had to exceed. */
  threshold: number;
  reasons: string[];
}

export type ScoringConfig = Pick<DetectorConfig,
  'sensitiveHitsAbove' | 'sensitiveHitsAboveWithScannerUa' | 'minDistinctPathsWithoutScannerUa'>;

const step = (value: number, steps: [number, number][]) => steps.reduce((acc, [min, pts]) => (value >= min ? pts : acc), 0);

export function assessTally(t: WindowTally, cfg: ScoringConfig): ScanAssessment {
  const scanner = t.scannerAgents.length > 0;
  const threshold = scanner ? cfg.sensitiveHitsAboveWithScannerUa : cfg.sensitiveHitsAbove;
  const distinct = distinctPaths(t);
  const reasons: string[] = [];
  const seconds = Math.round((t.windowEndMs - t.windowStartMs) / 1000);
  const overThreshold = t.sensitiveHits > threshold;
  const broadEnough = scanner || distinct >= cfg.minDistinctPathsWithoutScannerUa;
  reasons.push(`${t.sensitiveHits} sensitive-path hits in ${seconds} s (threshold: more than ${threshold}${scanner ? ', lowered for a scanner user agent' : ''})`);
  if (!broadEnough) reasons.push(`only ${distinct} distinct sensitive path(s) and no scanner user agent`);
  const triggered = overThreshold && broadEnough;
  if (!triggered) return { triggered, score: 0, threshold, reasons };
  const ratio = t.sensitiveHits / cfg.sensitiveHitsAbove;
  const volume = ratio > 1 ? Math.max(5, step(ratio, [[2, 10], [4, 15]])) : 0;
  const breadth = step(distinct, [[3, 5], [10, 10], [25, 15]]);
  const tooling = scanner ? 15 : 0;
  if (volume) reasons.push(`volume +${volume} (${ratio.toFixed(1)}x the plain threshold)`);
  if (breadth) reasons.push(`breadth +${breadth} (${distinct}${t.pathsTruncated ? '+' : ''} distinct sensitive paths)`);
  if (tooling) reasons.push(`tooling +15 (scanner user agent: ${t.scannerAgents.join(', ')})`);
  return { triggered, score: Math.min(100, SCORE_BASE + volume + breadth + tooling), threshold, reasons };
}
