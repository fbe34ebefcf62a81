// Whether a window is a secrets scan, and how sure we are (0..100).
//
// Trigger (both must hold):
//   - sensitive hits > detector.sensitiveHitsAbove (default 50 per 60 s window), or, when a scanner user agent was
//     seen in the window, > detector.sensitiveHitsAboveWithScannerUa (default 4);
//   - without a scanner user agent, at least detector.minDistinctPathsWithoutScannerUa distinct sensitive paths
//     (default 2): one client retrying one endpoint with a stale token is not a scan.
// The score is the secrets-scan row of the shared scale (domain/detection/behaviours.ts), with the window's hit
// count standing in for the bucket level.
import type { DetectorConfig } from '../config/detection';
import { assessSecretsScan } from './behaviours';
import { distinctPaths, type WindowTally } from './tally';

export interface ScanAssessment {
  triggered: boolean;
  score: number;
  /** The hit count the window had to exceed. */
  threshold: number;
  reasons: string[];
}

export type ScoringConfig = Pick<DetectorConfig,
  'sensitiveHitsAbove' | 'sensitiveHitsAboveWithScannerUa' | 'minDistinctPathsWithoutScannerUa'>;

export function assessTally(t: WindowTally, cfg: ScoringConfig): ScanAssessment {
  const scanner = t.scannerAgents.length > 0;
  const threshold = scanner ? cfg.sensitiveHitsAboveWithScannerUa : cfg.sensitiveHitsAbove;
  const distinct = distinctPaths(t);
  const seconds = Math.round((t.windowEndMs - t.windowStartMs) / 1000);
  const a = assessSecretsScan({ peak: t.sensitiveHits, distinct, scanner }, cfg);
  if (a) return { triggered: true, score: a.score, threshold, reasons: [`window of ${seconds} s`, ...a.reasons] };
  const reasons = [`${t.sensitiveHits} sensitive-path hits in ${seconds} s (threshold: more than ${threshold}${scanner ? ', lowered for a scanner user agent' : ''})`];
  if (!scanner && distinct < cfg.minDistinctPathsWithoutScannerUa) reasons.push(`only ${distinct} distinct sensitive path(s) and no scanner user agent`);
  return { triggered: false, score: 0, threshold, reasons };
}
