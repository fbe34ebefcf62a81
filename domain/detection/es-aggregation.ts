// The server-side aggregation the Elasticsearch source runs each window, for ECS and raw Traefik JSON field names,
// and the conversion of its buckets into window tallies. Path classification happens here, on the bucket keys,
// so that Elasticsearch sources get the same percent-decoding and dot-segment normalisation as the file source.
import type { DetectorConfig, EsFieldMapping } from '../config/detection';
import { clientFromForwardedList, type CidrList } from './client-ip';
import type { Classifier } from './detector';
import { newTally, observe, MAX_TRACKED_USER_AGENTS, type WindowTally } from './tally';

export const FIELD_MAPPINGS: Record<'ecs' | 'traefik-json', EsFieldMapping> = {
  ecs: {
    timestamp: '@timestamp', clientIp: 'source.ip', forwardedIp: 'network.forwarded_ip',
    status: 'http.response.status_code', path: 'url.path', userAgent: 'user_agent.original',
  },
  // Dynamic mapping makes strings text + .keyword; aggregations need the keyword sub-field.
  'traefik-json': {
    timestamp: 'StartUTC', clientIp: 'ClientHost.keyword', status: 'DownstreamStatus',
    path: 'RequestPath.keyword', userAgent: 'request_User-Agent.keyword',
  },
};

export function resolveMapping(kind: 'ecs' | 'traefik-json', overrides: Partial<EsFieldMapping> = {}): EsFieldMapping {
  const m = { ...FIELD_MAPPINGS[kind] };
  for (const [k, v] of Object.entries(overrides)) if (v) (m as Record<string, string>)[k] = v;
  return m;
}

export interface ScanQueryOptions {
  mapping: EsFieldMapping;
  detector: Pick<DetectorConfig, 'windowSeconds' | 'count404' | 'sensitiveHitsAbove' | 'sensitiveHitsAboveWithScannerUa'>;
  /** ISO, inclusive. Aligned to a window boundary by the caller. */
  from: string;
  /** ISO, exclusive. */
  to: string;
  maxIpBuckets: number;
  maxPathBuckets: number;
}

export const countedStatuses = (count404: boolean) => (count404 ? [401, 403, 404] : [401, 403]);

/** The search body (without index). One request per run; every bucket level is bounded. */
export function buildScanSearch(o: ScanQueryOptions): Record<string, any> {
  const m = o.mapping;
  // The lowest bar any window can trigger at: a pre-filter, the exact rule is applied client-side.
  const minDocs = Math.min(o.detector.sensitiveHitsAbove, o.detector.sensitiveHitsAboveWithScannerUa) + 1;
  const perWindow = {
    date_histogram: { field: m.timestamp, fixed_interval: `${o.detector.windowSeconds}s`, min_doc_count: minDocs },
    aggs: {
      paths: {
        terms: { field: m.path, size: o.maxPathBuckets },
        aggs: { statuses: { terms: { field: m.status, size: 5 } } },
      },
      agents: { terms: { field: m.userAgent, size: 10 } },
    },
  };
  const byIp = (field: string) => ({
    terms: { field, size: o.maxIpBuckets, min_doc_count: minDocs, order: { _count: 'desc' } },
    aggs: { windows: perWindow },
  });
  const aggs: Record<string, any> = m.forwardedIp
    ? {
      direct: { filter: { bool: { must_not: [{ exists: { field: m.forwardedIp } }] } }, aggs: { by_ip: byIp(m.clientIp) } },
      forwarded: { filter: { exists: { field: m.forwardedIp } }, aggs: { by_ip: byIp(m.forwardedIp) } },
    }
    : { direct: { filter: { match_all: {} }, aggs: { by_ip: byIp(m.clientIp) } } };
  return {
    size: 0,
    track_total_hits: false,
    query: {
      bool: {
        filter: [
          { range: { [m.timestamp]: { gte: o.from, lt: o.to, format: 'strict_date_optional_time' } } },
          { terms: { [m.status]: countedStatuses(o.detector.count404) } },
        ],
      },
    },
    aggs,
  };
}

interface Bucket<K = string | number> { key: K; key_as_string?: string; doc_count: number; [sub: string]: unknown }
interface Terms { buckets: Bucket[]; sum_other_doc_count?: number }

export interface AggregationSummary {
  tallies: WindowTally[];
  /** IP bucket keys that held no usable address. */
  unparsableKeys: number;
  /** Documents in path buckets beyond maxPathBuckets (not classified). */
  unclassifiedDocs: number;
}

/** Tallies per (window, client IP) from the aggregation response. Keys that resolve to one IP merge. */
export function talliesFromAggregations(
  aggregations: Record<string, any> | undefined, windowSeconds: number, classifier: Classifier, trusted: CidrList = [],
): AggregationSummary {
  const windowMs = windowSeconds * 1000;
  const byKey = new Map<string, WindowTally>();
  let unparsableKeys = 0;
  let unclassifiedDocs = 0;
  for (const side of ['direct', 'forwarded']) {
    const ips = aggregations?.[side]?.by_ip as Terms | undefined;
    for (const ipBucket of ips?.buckets ?? []) {
      const ip = clientFromForwardedList(String(ipBucket.key), trusted);
      if (!ip) {
        unparsableKeys++;
        continue;
      }
      for (const w of (ipBucket.windows as Terms | undefined)?.buckets ?? []) {
        const start = Math.floor(Number(w.key) / windowMs) * windowMs;
        const key = `${start}|${ip}`;
        let t = byKey.get(key);
        if (!t) {
          t = newTally(ip, start, windowMs);
          byKey.set(key, t);
        }
        const paths = w.paths as Terms | undefined;
        if (paths?.sum_other_doc_count) {
          unclassifiedDocs += paths.sum_other_doc_count;
          t.pathsTruncated = true;
        }
        for (const p of paths?.buckets ?? []) {
          const { normalised, match } = classifier.paths.match(String(p.key));
          if (!match) continue;
          for (const s of (p.statuses as Terms | undefined)?.buckets ?? []) {
            const status = Number(s.key);
            if (!classifier.countedStatuses.has(status)) continue;
            observe(t, { count: s.doc_count, sensitive: { path: normalised, category: match.category, status } });
          }
        }
        for (const a of (w.agents as Terms | undefined)?.buckets ?? []) {
          const ua = String(a.key);
          const scanner = classifier.agents.match(ua);
          if (scanner) {
            t.scannerUaRequests += a.doc_count;
            if (!t.scannerAgents.includes(scanner)) t.scannerAgents.push(scanner);
          }
          if (ua in t.userAgents) t.userAgents[ua] += a.doc_count;
          else if (Object.keys(t.userAgents).length < MAX_TRACKED_USER_AGENTS) t.userAgents[ua.slice(0, 300)] = a.doc_count;
        }
        t.firstSeenMs = Math.min(t.firstSeenMs, start);
        t.lastSeenMs = Math.max(t.lastSeenMs, Math.min(start + windowMs - 1, start + windowMs));
      }
    }
  }
  return { tallies: [...byKey.values()], unparsableKeys, unclassifiedDocs };
}
