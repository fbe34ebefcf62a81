// The server-side aggregation the Elasticsearch source runs each window, for ECS and raw Traefik JSON field names,
// and the conversion of its buckets into window tallies. Path classification happens here, on the bucket keys,
// so that Elasticsearch sources get the same percent-decoding and dot-segment normalisation as the file source.
import type { DetectorConfig, EsFieldMapping } from '../config/detection';
import ipaddr from 'ipaddr.js';
import { canonicalIp, clientBehindTrustedPeer, clientFromForwardedList, type CidrList } from './client-ip';
import type { WindowClassifier } from './detector';
import { newTally, observe, MAX_TRACKED_USER_AGENTS, type WindowTally } from './tally';

export const FIELD_MAPPINGS: Record<'ecs' | 'traefik-json', EsFieldMapping> = {
  ecs: {
    timestamp: '@timestamp', clientIp: 'source.ip', forwardedIp: 'network.forwarded_ip',
    status: 'http.response.status_code', path: 'url.path', userAgent: 'user_agent.original',
  },
  // Dynamic mapping makes strings text + .keyword; aggregations need the keyword sub-field. ClientHost holds the
  // X-Forwarded-For header when one was sent, so the peer (ClientAddr) decides whether it may be believed.
  'traefik-json': {
    timestamp: 'StartUTC', clientIp: 'ClientHost.keyword', peerAddress: 'ClientAddr.keyword', status: 'DownstreamStatus',
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
  detector: Pick<DetectorConfig, 'windowSeconds' | 'count404' | 'sensitiveHitsAbove' | 'sensitiveHitsAboveWithScannerUa' | 'trustedProxies'>;
  /** ISO, inclusive. Aligned to a window boundary by the caller. */
  from: string;
  /** ISO, exclusive. */
  to: string;
  maxIpBuckets: number;
  maxPathBuckets: number;
}

/** Distinct peer hosts kept per client bucket of the raw Traefik mapping (to attribute untrusted forwarding). */
export const MAX_PEER_BUCKETS = 20;

/**
 * A query matching documents whose direct peer is a trusted proxy, or undefined when nothing can be trusted. ECS
 * clientIp is an `ip` field (terms accepts CIDRs); raw Traefik keeps the peer only as "host:port" text, matched by
 * prefixes: an IPv4 CIDR expands to at most 128 octet prefixes, an IPv6 proxy must be a single address.
 */
export function trustedPeerQuery(m: EsFieldMapping, trusted: string[]): Record<string, any> | undefined {
  if (trusted.length === 0) return undefined;
  if (m.forwardedIp) return { terms: { [m.clientIp]: trusted } };
  if (!m.peerAddress) return undefined;
  const field = m.peerAddress;
  return { bool: { should: trusted.flatMap((c) => peerPrefixes(c).map((p) => ({ prefix: { [field]: p } }))), minimum_should_match: 1 } };
}

/** "host:port" prefixes covering one trusted address or CIDR (throws for an IPv6 range; see trustedPeerQuery). */
export function peerPrefixes(cidr: string): string[] {
  const [addr, bits] = cidr.includes('/') ? ipaddr.parseCIDR(cidr) : (() => { const a = ipaddr.parse(cidr); return [a, a.kind() === 'ipv4' ? 32 : 128] as const; })();
  if (addr.kind() === 'ipv6') {
    const v6 = addr as ipaddr.IPv6;
    if (v6.isIPv4MappedAddress() && bits >= 96) return peerPrefixes(`${v6.toIPv4Address().toString()}/${bits - 96}`);
    if (bits !== 128) throw new Error(`trusted proxy ${cidr}: with raw Traefik field names in Elasticsearch an IPv6 proxy must be a single address (ClientAddr is text)`);
    return [`[${v6.toRFC5952String()}]:`];
  }
  const octets = (addr as ipaddr.IPv4).octets;
  const fixed = Math.max(1, Math.ceil(bits / 8));
  const span = 2 ** (fixed * 8 - bits);
  const base = octets[fixed - 1] & ~(span - 1) & 0xff;
  const head = octets.slice(0, fixed - 1).join('.');
  return Array.from({ length: span }, (_, i) => `${head ? `${head}.` : ''}${base + i}${fixed === 4 ? ':' : '.'}`);
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
  // Documents from a trusted peer are grouped by the forwarded client; all others by their own client field
  // (ECS: the peer; raw Traefik: ClientHost, with its peers listed so that untrusted forwarding is attributed to
  // the peer that sent it).
  const trustedPeer = trustedPeerQuery(m, o.detector.trustedProxies);
  const forwardedField = m.forwardedIp ?? m.clientIp;
  const fromTrusted = m.forwardedIp && trustedPeer ? { bool: { filter: [{ exists: { field: m.forwardedIp } }, trustedPeer] } } : trustedPeer;
  const direct = byIp(m.clientIp);
  if (m.peerAddress) (direct.aggs as Record<string, any>).peers = { terms: { field: m.peerAddress, size: MAX_PEER_BUCKETS } };
  const aggs: Record<string, any> = fromTrusted
    ? {
      direct: { filter: { bool: { must_not: [fromTrusted] } }, aggs: { by_ip: direct } },
      forwarded: { filter: fromTrusted, aggs: { by_ip: byIp(forwardedField) } },
    }
    : { direct: { filter: { match_all: {} }, aggs: { by_ip: direct } } };
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

/**
 * The client of a bucket whose peer is not a trusted proxy. With a peers sub-aggregation (raw Traefik), the peer is
 * the client whatever ClientHost claimed; buckets from several peers claiming one forwarded address are ambiguous
 * (undefined: counted as unparsable, never guessed). Without one (ECS source.ip), the key is the peer.
 */
function directClient(bucket: Bucket, trusted: CidrList): string | undefined {
  const peers = bucket.peers as Terms | undefined;
  const hosts = new Set((peers?.buckets ?? []).map((p) => canonicalIp(String(p.key))).filter((h): h is string => h !== undefined));
  if (hosts.size === 1) return [...hosts][0];
  if (hosts.size > 1) return undefined;
  return clientFromForwardedList(String(bucket.key), trusted);
}

/** Tallies per (window, client IP) from the aggregation response. Keys that resolve to one IP merge. */
export function talliesFromAggregations(
  aggregations: Record<string, any> | undefined, windowSeconds: number, classifier: WindowClassifier, trusted: CidrList = [],
): AggregationSummary {
  const windowMs = windowSeconds * 1000;
  const byKey = new Map<string, WindowTally>();
  let unparsableKeys = 0;
  let unclassifiedDocs = 0;
  for (const side of ['direct', 'forwarded']) {
    const ips = aggregations?.[side]?.by_ip as Terms | undefined;
    for (const ipBucket of ips?.buckets ?? []) {
      const ip = side === 'forwarded' ? clientBehindTrustedPeer(String(ipBucket.key), trusted) : directClient(ipBucket, trusted);
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
