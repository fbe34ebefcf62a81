// The secrets-scanning detector: per client IP and tumbling window, counts counted-status responses on sensitive
// paths and scanner user agents, and reports each window that crosses the threshold exactly once.
// Pure and synchronous; its state is plain JSON so a source can persist it between scan runs.
import type { DetectorConfig } from '../config/detection';
import type { Sighting } from '../types';
import type { AccessRecord } from './records';
import { assessTally, type ScanAssessment } from './scoring';
import { createScannerAgentMatcher, type ScannerAgentMatcher } from './scanner-agents';
import { createSensitivePathMatcher, type SensitivePathMatcher } from './sensitive-paths';
import { distinctPaths, newTally, observe, type WindowTally } from './tally';
import { normalisePath } from './normalise-path';

export interface Finding {
  tally: WindowTally;
  assessment: ScanAssessment;
}

export interface DetectorState {
  version: 1;
  /** Open windows, keyed `<windowStartMs>|<ip>`. */
  windows: Record<string, WindowTally>;
  /** Latest request time seen (epoch ms). */
  latestMs: number;
}

export interface Classifier {
  paths: SensitivePathMatcher;
  agents: ScannerAgentMatcher;
  countedStatuses: ReadonlySet<number>;
}

export function createClassifier(cfg: DetectorConfig): Classifier {
  return {
    paths: createSensitivePathMatcher(cfg.extraSensitivePaths),
    agents: createScannerAgentMatcher(cfg.extraScannerUserAgents),
    countedStatuses: new Set(cfg.count404 ? [401, 403, 404] : [401, 403]),
  };
}

/** Upper bound on open windows held in memory/state; beyond it new IPs are dropped and counted. */
export const MAX_OPEN_WINDOWS = 50_000;

export class ScanDetector {
  private readonly windowMs: number;
  private readonly classifier: Classifier;
  private readonly windows: Map<string, WindowTally>;
  private latestMs: number;
  /** Path normalisation is the hot spot; probes repeat, so a bounded cache pays. */
  private readonly pathCache = new Map<string, { normalised: string; category?: string }>();
  readonly stats = { records: 0, counted: 0, droppedWindows: 0 };

  constructor(private readonly cfg: DetectorConfig, state?: DetectorState) {
    this.windowMs = cfg.windowSeconds * 1000;
    this.classifier = createClassifier(cfg);
    this.windows = new Map(Object.entries(state?.windows ?? {}));
    this.latestMs = state?.latestMs ?? 0;
  }

  private classifyPath(raw: string) {
    let c = this.pathCache.get(raw);
    if (!c) {
      const normalised = normalisePath(raw);
      c = { normalised, category: this.classifier.paths.matchNormalised(normalised)?.category };
      if (this.pathCache.size >= 20_000) this.pathCache.clear();
      this.pathCache.set(raw, c);
    }
    return c;
  }

  /** Whether a request with these values would be counted (used to skip parsing the rest of ordinary lines). */
  readonly wants = (status: number, path: string, userAgent: string | undefined): boolean =>
    (this.classifier.countedStatuses.has(status) && this.classifyPath(path).category !== undefined)
    || this.classifier.agents.match(userAgent) !== undefined;

  /** A request that was skipped by `wants` (counted in stats only). */
  skip(): void {
    this.stats.records++;
  }

  add(r: AccessRecord): void {
    this.stats.records++;
    if (r.timeMs > this.latestMs) this.latestMs = r.timeMs;
    const counted = this.classifier.countedStatuses.has(r.status);
    const path = counted ? this.classifyPath(r.path) : undefined;
    const sensitive = path?.category !== undefined;
    const scanner = this.classifier.agents.match(r.userAgent);
    if (!sensitive && !scanner) return;
    this.stats.counted++;
    const start = Math.floor(r.timeMs / this.windowMs) * this.windowMs;
    const key = `${start}|${r.ip}`;
    let t = this.windows.get(key);
    if (!t) {
      if (this.windows.size >= MAX_OPEN_WINDOWS) {
        this.stats.droppedWindows++;
        return;
      }
      t = newTally(r.ip, start, this.windowMs);
      this.windows.set(key, t);
    }
    observe(t, {
      timeMs: r.timeMs, count: 1, userAgent: r.userAgent, scanner,
      sensitive: sensitive ? { path: path!.normalised, category: path!.category!, status: r.status } : undefined,
    });
  }

  /**
   * Findings not yet reported (a window is reported as soon as it crosses the threshold, even while still open),
   * then forgets windows that ended at or before `closeBeforeMs`.
   */
  collect(closeBeforeMs: number): Finding[] {
    const out: Finding[] = [];
    for (const [key, t] of this.windows) {
      if (!t.reported) {
        const assessment = assessTally(t, this.cfg);
        if (assessment.triggered) {
          t.reported = true;
          out.push({ tally: structuredCloneTally(t), assessment });
        }
      }
      if (t.windowEndMs <= closeBeforeMs) this.windows.delete(key);
    }
    return out;
  }

  /** Latest request time seen. */
  get latestRequestMs(): number {
    return this.latestMs;
  }

  get openWindows(): number {
    return this.windows.size;
  }

  state(): DetectorState {
    return { version: 1, windows: Object.fromEntries(this.windows), latestMs: this.latestMs };
  }
}

function structuredCloneTally(t: WindowTally): WindowTally {
  return JSON.parse(JSON.stringify(t)) as WindowTally;
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
    // Probing our own edge for credentials is itself the abuse evidence a feed would flag.
    knownBad: true,
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
