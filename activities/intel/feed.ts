// Client of Palisade's threat-intel feed service (wire format: docs/intel-feed.md). Three endpoints:
//   GET /api/v1/blocked-inbound       flat list of inbound IPs the service would block
//   GET /api/v1/suspicious-outbound   flat list of suspicious outbound destinations
//   GET /api/v1/report                full report with per-IP intel
// Flat entries are cross-referenced with the report; when the report is unavailable, minimal intel is rebuilt from
// the flat fields and the sighting says so. pollIntelFeed is what the scheduled poll activity calls.
import { compositeScore } from '../../domain/scoring';
import { normaliseIp } from '../../domain/ip';
import { sanitizeUntrusted, sanitizeUntrustedBlock } from '../../domain/sanitize';
import type { Direction, Sighting } from '../../domain/types';
import { describeHttpFailure, httpRequest, type HttpOptions } from './http';
import { joinUrl } from './providers';

/** The source id of feed sightings (and of the feed poll's scan metrics). */
export const INTEL_FEED_SOURCE_ID = 'intel-feed';

export interface FeedListEntry {
  ip: string;
  composite_score: number;
  known_bad: boolean;
  likely_false_positive: boolean;
}

export interface FeedReportEntry {
  composite_score?: number;
  known_bad?: boolean;
  likely_false_positive?: boolean;
  org?: string;
  asn?: string;
  country?: string;
  abuse_score?: number;
  abuse_reports?: number;
  otx_pulses?: number;
  greynoise_classification?: 'benign' | 'malicious' | 'unknown';
  greynoise_noise?: boolean;
  greynoise_riot?: boolean;
  narrative?: string;
  first_seen?: string;
  last_seen?: string;
}

export interface FeedThresholds {
  /** Inbound: composite score at or above this qualifies (default 80). */
  inbound: number;
  /** Outbound destinations: stricter (default 85). */
  outbound: number;
  /** Require the known-bad flag (default true). */
  requireKnownBad: boolean;
}

export const DEFAULT_FEED_THRESHOLDS: FeedThresholds = { inbound: 80, outbound: 85, requireKnownBad: true };

export interface FeedClientOptions {
  baseUrl: string;
  apiKey?: string;
  http: HttpOptions;
  thresholds?: Partial<FeedThresholds>;
  now?: () => Date;
}

export interface FeedSighting {
  ip: string;
  sighting: Sighting;
}

export interface FeedPollResult {
  qualifying: FeedSighting[];
  /** Entries listed by the feed (both lists), before filtering. */
  listed: number;
  reportAvailable: boolean;
  /** Why entries were dropped, and whether the report was missing. */
  notes: string[];
}

export class FeedUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedUnavailableError';
  }
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);

async function getJson(opts: FeedClientOptions, path: string): Promise<unknown> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (opts.apiKey) headers.Authorization = `Bearer ${opts.apiKey}`;
  const r = await httpRequest(joinUrl(opts.baseUrl, path), { headers }, opts.http);
  if (r.status !== 200) throw new FeedUnavailableError(`${path}: ${describeHttpFailure(r)}`);
  if (r.json === undefined) throw new FeedUnavailableError(`${path}: response is not JSON`);
  return r.json;
}

function parseList(body: unknown, path: string): FeedListEntry[] {
  const ips = (body as { ips?: unknown })?.ips;
  if (!Array.isArray(ips)) throw new FeedUnavailableError(`${path}: expected {"ips": [...]}`);
  return ips.flatMap((e: any) =>
    e && typeof e.ip === 'string'
      ? [{ ip: e.ip, composite_score: num(e.composite_score) ?? 0, known_bad: e.known_bad === true, likely_false_positive: e.likely_false_positive === true }]
      : [],
  );
}

/** Builds the sighting for one flat entry plus (optionally) its report entry. Exported for tests. */
export function feedSighting(ip: string, flat: FeedListEntry, report: FeedReportEntry | undefined, direction: Direction, observedAt: string): Sighting {
  const extra: Record<string, string | number | boolean> = { list: direction === 'inbound' ? 'blocked-inbound' : 'suspicious-outbound', feedScore: flat.composite_score, reportAvailable: Boolean(report) };
  let score = Math.min(100, Math.max(0, Math.round(flat.composite_score)));
  let knownBad = flat.known_bad;
  let likelyFalsePositive = flat.likely_false_positive;
  const narrativeParts: string[] = [];
  if (report) {
    const gClass = report.greynoise_classification;
    const s = compositeScore({
      abuseScore: num(report.abuse_score),
      otxPulses: num(report.otx_pulses),
      greynoise: gClass ? { classification: gClass, noise: report.greynoise_noise === true, riot: report.greynoise_riot === true } : undefined,
    });
    // Recompute from the components when the report has them: the number Palisade acts on is its own.
    if (s.score !== undefined) {
      score = s.score;
      extra.scoreRecomputed = true;
    }
    knownBad = knownBad || s.knownBad || report.known_bad === true;
    likelyFalsePositive = likelyFalsePositive || s.likelyFalsePositive || report.likely_false_positive === true;
    if (report.org) extra.org = sanitizeUntrusted(report.org, 120);
    if (report.asn) extra.asn = sanitizeUntrusted(report.asn, 40);
    if (report.country) extra.country = sanitizeUntrusted(report.country, 40);
    for (const [k, v] of [['abuseScore', report.abuse_score], ['abuseReports', report.abuse_reports], ['otxPulses', report.otx_pulses]] as const)
      if (num(v) !== undefined) extra[k] = v as number;
    if (gClass) extra.greynoise = gClass;
    if (bool(report.greynoise_riot) !== undefined) extra.greynoiseRiot = report.greynoise_riot!;
    if (report.narrative) narrativeParts.push(sanitizeUntrustedBlock(report.narrative, 2000));
  } else {
    narrativeParts.push('full report unavailable: minimal intel rebuilt from the flat list fields');
  }
  return {
    source: INTEL_FEED_SOURCE_ID,
    score,
    direction,
    observedAt,
    knownBad,
    likelyFalsePositive,
    evidence: {
      summary: `intel feed ${extra.list}: composite ${score}${knownBad ? ', known bad' : ''}${likelyFalsePositive ? ', likely false positive' : ''}`,
      narrative: narrativeParts.join('\n') || undefined,
      extra,
    },
  };
}

/** Fetches both lists and the report, and returns the IPs that qualify for analysis. Throws when a list is down. */
export async function pollIntelFeed(opts: FeedClientOptions): Promise<FeedPollResult> {
  const t = { ...DEFAULT_FEED_THRESHOLDS, ...(opts.thresholds ?? {}) };
  const observedAt = (opts.now?.() ?? new Date()).toISOString();
  const [inbound, outbound] = await Promise.all([
    getJson(opts, '/api/v1/blocked-inbound').then((b) => parseList(b, '/api/v1/blocked-inbound')),
    getJson(opts, '/api/v1/suspicious-outbound').then((b) => parseList(b, '/api/v1/suspicious-outbound')),
  ]);
  const notes: string[] = [];
  let report: Record<string, FeedReportEntry> | undefined;
  try {
    const body = (await getJson(opts, '/api/v1/report')) as { ips?: unknown };
    if (!body.ips || typeof body.ips !== 'object' || Array.isArray(body.ips)) throw new FeedUnavailableError('/api/v1/report: expected {"ips": {...}}');
    report = body.ips as Record<string, FeedReportEntry>;
  } catch (err) {
    notes.push(`full report unavailable (${(err as Error).message}); minimal intel rebuilt from the flat lists`);
  }
  const reportFor = (ip: string, canonical: string) => report?.[canonical] ?? report?.[ip];

  const qualifying: FeedSighting[] = [];
  const seen = new Set<string>();
  const consider = (entries: FeedListEntry[], direction: Direction) => {
    const bar = direction === 'inbound' ? t.inbound : t.outbound;
    for (const e of entries) {
      const n = normaliseIp(e.ip);
      if (!n.ok) {
        notes.push(`skipped invalid address ${JSON.stringify(sanitizeUntrusted(e.ip, 60))}: ${n.reason}`);
        continue;
      }
      const key = `${direction}:${n.ip}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const sighting = feedSighting(n.ip, e, reportFor(e.ip, n.ip), direction, observedAt);
      if (sighting.score < bar) continue;
      if (t.requireKnownBad && !sighting.knownBad) continue;
      if (sighting.likelyFalsePositive) {
        notes.push(`${n.ip}: likely false positive, not analysed`);
        continue;
      }
      qualifying.push({ ip: n.ip, sighting });
    }
  };
  consider(inbound, 'inbound');
  consider(outbound, 'outbound');
  return { qualifying, listed: inbound.length + outbound.length, reportAvailable: report !== undefined, notes };
}

/** Just the qualifying IPs, for callers that do not need the notes. */
export async function qualifyingFeedSightings(opts: FeedClientOptions): Promise<FeedSighting[]> {
  return (await pollIntelFeed(opts)).qualifying;
}

/**
 * The poll as the scheduled activity runs it: options from the `intel.feed` config section (secret resolved at call
 * time) and the policy thresholds. Throws a clear error when the feed is disabled or has no URL.
 */
export async function pollIntelFeedFromConfig(
  feed: { enabled: boolean; baseUrl?: string; apiKey?: import('../../domain/config').SecretRef; timeoutSeconds: number },
  readSecret: (ref: import('../../domain/config').SecretRef | undefined) => Promise<string | undefined>,
  thresholds?: Partial<FeedThresholds>,
): Promise<FeedPollResult> {
  if (!feed.enabled) throw new FeedUnavailableError('intel.feed is not enabled');
  if (!feed.baseUrl) throw new FeedUnavailableError('intel.feed.baseUrl is not set');
  const apiKey = await readSecret(feed.apiKey);
  return pollIntelFeed({ baseUrl: feed.baseUrl, apiKey, thresholds, http: { timeoutMs: feed.timeoutSeconds * 1000, retries: 2 } });
}
