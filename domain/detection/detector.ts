// Secrets-scan findings over per-window tallies, as the Elasticsearch source aggregates them server-side (the file
// source and `palisade detect` run every behaviour through domain/detection/engine.ts instead). Scores are on the
// shared scale of domain/detection/behaviours.ts.
import type { DetectorConfig } from '../config/detection';
import type { Sighting } from '../types';
import type { ScanAssessment } from './scoring';
import { createScannerAgentMatcher, type ScannerAgentMatcher } from './scanner-agents';
import { createSensitivePathMatcher, type SensitivePathMatcher } from './sensitive-paths';
import { distinctPaths, type WindowTally } from './tally';

export interface Finding {
  tally: WindowTally;
  assessment: ScanAssessment;
}

export interface WindowClassifier {
  paths: SensitivePathMatcher;
  agents: ScannerAgentMatcher;
  countedStatuses: ReadonlySet<number>;
}

export function createWindowClassifier(cfg: DetectorConfig): WindowClassifier {
  return {
    paths: createSensitivePathMatcher(cfg.extraSensitivePaths),
    agents: createScannerAgentMatcher(cfg.extraScannerUserAgents),
    countedStatuses: new Set(cfg.count404 ? [401, 403, 404] : [401, 403]),
  };
}

const topKeys = (rec: Record<string, number>, n: number) =>
  Object.entries(rec).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, n).map(([k]) => k);

/** The sighting a finding becomes. Paths and user agents are attacker-controlled: capped here, sanitised downstream. */
export function findingToSighting(
  f: Finding, source: string, cfg: Pick<DetectorConfig, 'maxSamplePaths' | 'maxSampleUserAgents'>, extra: Record<string, string | number | boolean> = {},
): Sighting {
  const t = f.tally;
  const seconds = Math.round((t.windowEndMs - t.windowStartMs) / 1000);
  const distinct = distinctPaths(t);
  return {
    source,
    score: f.assessment.score,
    direction: 'inbound',
    observedAt: new Date(t.lastSeenMs > 0 ? t.lastSeenMs : t.windowEndMs).toISOString(),
    // What Palisade observed itself; a feed's reputation (knownBad) is a separate fact the intel step adds.
    observedAttack: true,
    evidence: {
      summary: `${t.sensitiveHits} requests to sensitive paths (${distinct}${t.pathsTruncated ? '+' : ''} distinct) in ${seconds} s`
        + (t.scannerAgents.length ? `, scanner user agent ${t.scannerAgents.join(', ')}` : ''),
      requestCount: t.sensitiveHits,
      paths: topKeys(t.paths, cfg.maxSamplePaths),
      userAgents: topKeys(t.userAgents, cfg.maxSampleUserAgents),
      statusCounts: { ...t.statusCounts },
      windowStart: new Date(t.windowStartMs).toISOString(),
      windowEnd: new Date(t.windowEndMs).toISOString(),
      extra: {
        detector: 'secrets-scan',
        distinctSensitivePaths: distinct,
        scannerUaRequests: t.scannerUaRequests,
        threshold: f.assessment.threshold,
        scoring: f.assessment.reasons.join('; ').slice(0, 500),
        categories: Object.entries(t.categories).map(([k, v]) => `${k}=${v}`).join(','),
        ...extra,
      },
    },
  };
}
