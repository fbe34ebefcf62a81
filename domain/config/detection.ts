import { z } from 'zod';
import ipaddr from 'ipaddr.js';
import { httpUrl, secretRef } from './common';
import { peerPrefixes } from '../detection/es-aggregation';

const isAddressOrCidr = (v: string) => (v.includes('/') ? ipaddr.isValidCIDR(v) : ipaddr.isValid(v));

export const ACCESS_LOG_FORMATS = ['auto', 'traefik-json', 'traefik-clf', 'ecs-ndjson'] as const;
export type AccessLogFormat = (typeof ACCESS_LOG_FORMATS)[number];

const httpStatus = z.number().int().refine((n) => n === 0 || (n >= 100 && n <= 599), 'an HTTP status (100-599) or 0');
const leakSeconds = (d: number) => z.number().positive().max(86_400).default(d);
const bucketSchema = (capacity: number, leak: number) => z
  .strictObject({ enabled: z.boolean().default(true), capacity: z.number().int().positive().default(capacity), leakSeconds: leakSeconds(leak) })
  .prefault({});

export const detectorSchema = z.strictObject({
  /** Tumbling window, aligned to multiples of this many seconds since the epoch. */
  windowSeconds: z.number().int().positive().max(3600).default(60),
  /** A window with MORE than this many sensitive-path hits (401/403, and 404 if counted) from one IP is a scan. */
  sensitiveHitsAbove: z.number().int().positive().default(50),
  /** With a scanner user agent, more than this many sensitive-path hits suffice. */
  sensitiveHitsAboveWithScannerUa: z.number().int().min(0).default(4),
  /** Without a scanner user agent, at least this many distinct sensitive paths: one client retrying one endpoint
   *  with a stale credential is not a secrets scan. */
  minDistinctPathsWithoutScannerUa: z.number().int().min(1).default(2),
  /** Count 404s on sensitive paths too (most probes of absent files answer 404). */
  count404: z.boolean().default(true),
  /** Added to the built-in list (domain/detection/sensitive-paths.ts): "/exact", "/prefix/*", "*.ext", "name" (basename anywhere). */
  extraSensitivePaths: z.array(z.string().min(1)).default([]),
  /** Added to the built-in scanner user-agent list (case-insensitive substrings). */
  extraScannerUserAgents: z.array(z.string().min(2)).default([]),
  /**
   * Proxies whose X-Forwarded-For (or network.forwarded_ip) is believed, as addresses or CIDRs. A forwarded address
   * is used only when the direct peer is in this list; walking the list from the right, every hop in it is skipped
   * and the first hop not in it is the client. Empty (the default): the direct peer is always the client.
   */
  trustedProxies: z.array(z.string().refine(isAddressOrCidr, { message: 'not an IP address or CIDR' })).default([]),
  /** Which response statuses count, per kind of behaviour. 0 is Traefik's Common Log Format for "answered by
   *  Traefik itself" (no router matched, a middleware refused). */
  statuses: z
    .strictObject({
      /** Path-based behaviours (secrets scan, traversal, admin/CVE probes): a probe answered 200 (a leak or a
       *  catch-all page) or 301/302 (an HTTP→HTTPS entrypoint) is still a probe. */
      paths: z.array(httpStatus).min(1).default([0, 200, 204, 301, 302, 303, 307, 308, 400, 401, 403, 404, 405, 410, 500]),
      /** Probing (many distinct paths that do not exist): failures only, or ordinary browsing would count. */
      probing: z.array(httpStatus).min(1).default([0, 400, 403, 404]),
    })
    .prefault({}),
  /** Per-behaviour leaky buckets (see domain/detection/behaviours.ts for what each counts and scores). */
  behaviours: z
    .strictObject({
      /** Capacity is sensitiveHitsAbove (or sensitiveHitsAboveWithScannerUa with a scanner user agent). */
      'secrets-scan': z.strictObject({ enabled: z.boolean().default(true), leakSeconds: leakSeconds(10) }).prefault({}),
      'scanner-user-agent': bucketSchema(4, 120),
      probing: bucketSchema(30, 10),
      'path-traversal': bucketSchema(3, 20),
      /** Capacity counts distinct admin-interface families (exploit paths are clear probes on their own). */
      'admin-cve-probe': bucketSchema(2, 120),
    })
    .prefault({}),
  /** Clients tracked at once (the least recently active are forgotten first): bounds memory and persisted state. */
  maxTrackedClients: z.number().int().min(100).max(1_000_000).default(20_000),
  /** Evidence caps: sample paths / user agents kept per finding. */
  maxSamplePaths: z.number().int().min(1).max(100).default(20),
  maxSampleUserAgents: z.number().int().min(1).max(20).default(5),
});
export type DetectorConfig = z.infer<typeof detectorSchema>;

/** Where the detector finds each value in an Elasticsearch document (dotted paths; aggregatable fields). */
export const esFieldMappingSchema = z.strictObject({
  timestamp: z.string().min(1),
  clientIp: z.string().min(1),
  /** ECS: the client as forwarded by a proxy (network.forwarded_ip); used only when clientIp is a trusted proxy. */
  forwardedIp: z.string().min(1).optional(),
  /** Raw Traefik: the TCP peer as "host:port" text (ClientAddr) when clientIp (ClientHost) may be a forwarded list. */
  peerAddress: z.string().min(1).optional(),
  status: z.string().min(1),
  path: z.string().min(1),
  userAgent: z.string().min(1),
});
export type EsFieldMapping = z.infer<typeof esFieldMappingSchema>;

export const alertsSchema = z.strictObject({
  /** Labels whose value names an attacking IP; an alert with one may open a threat workflow for it. */
  ipLabels: z.array(z.string().min(1)).default(['src_ip', 'client_ip', 'source_ip', 'ip', 'remote_ip']),
  openThreatFromIpLabel: z.boolean().default(true),
  /**
   * Labels whose IP is trusted as a detection (set by your own alert rules, not by whoever can post a webhook): a
   * sighting from one of these enters with ipSightingScore. An IP from any other label is scored like a manual
   * sighting (0; the threat workflow recomputes the score from intel).
   */
  trustedIpLabels: z.array(z.string().min(1)).default([]),
  /** Score given to a sighting opened from a trusted IP label (the threat workflow's policy still decides). */
  ipSightingScore: z.number().min(0).max(100).default(70),
  /**
   * PromQL instant queries run for an alert, by alert name. Only these (and fixed up/ALERTS templates) are run: the
   * expression in the caller's generatorURL is shown to the model as text, never evaluated.
   */
  diagnosticQueries: z.record(z.string().min(1), z.array(z.string().min(1).max(4096)).max(10)).default({}),
  /** How long an investigation waits for an operator decision before recording "no decision". */
  decisionTimeoutHours: z.number().positive().max(24 * 90).default(72),
  /** An investigation that never hears "resolved" ends after this long. */
  maxOpenHours: z.number().positive().max(24 * 365).default(24 * 14),
  /** Prometheus instant queries per investigation (read-only diagnostics). */
  maxDiagnosticQueries: z.number().int().min(0).max(20).default(5),
  prometheusTimeoutSeconds: z.number().positive().max(60).default(10),
});

export const detectionSchema = z.strictObject({
  detector: detectorSchema.prefault({}),
  accessLog: z
    .strictObject({
      /** Traefik access log to follow. Unset and no Elasticsearch = the shipped sample log (demo). */
      file: z.string().optional(),
      /** Line format; auto tells each line apart (JSON object: Traefik JSON or ECS; otherwise Common Log Format). */
      format: z.enum(ACCESS_LOG_FORMATS).default('auto'),
      useSampleWhenUnconfigured: z.boolean().default(true),
      /** Which field holds the client: ClientHost may be an X-Forwarded-For list (see detector.trustedProxies). */
      clientField: z.enum(['ClientHost', 'ClientAddr', 'request_X-Forwarded-For']).default('ClientHost'),
      /** Bytes read per scan run at most (the rest waits for the next run). */
      maxBytesPerRun: z.number().int().positive().default(512 * 1024 * 1024),
      /** Lines longer than this are malformed (counted and skipped). */
      maxLineBytes: z.number().int().positive().max(16 * 1024 * 1024).default(64 * 1024),
    })
    .prefault({}),
  elasticsearch: z
    .strictObject({
      enabled: z.boolean().default(false),
      node: httpUrl.optional(),
      apiKey: secretRef.optional(),
      username: z.string().optional(),
      password: secretRef.optional(),
      index: z.string().default('traefik-*'),
      fields: z.enum(['ecs', 'traefik-json']).default('ecs'),
      /** Per-field overrides of the chosen mapping. */
      fieldOverrides: esFieldMappingSchema.partial().default({}),
      /** Windows younger than this are re-queried on later runs (late-ingested documents); older ones are final. */
      ingestLagSeconds: z.number().int().min(0).max(3600).default(120),
      /** First run (no cursor yet): how far back to look. */
      initialLookbackMinutes: z.number().int().min(1).max(24 * 60).default(10),
      /** Distinct client IPs and paths per window returned by the aggregation. */
      maxIpBuckets: z.number().int().min(1).max(10_000).default(1000),
      maxPathBuckets: z.number().int().min(1).max(2000).default(200),
      requestTimeoutSeconds: z.number().positive().max(300).default(30),
      tls: z.strictObject({ rejectUnauthorized: z.boolean().default(true), caFile: z.string().optional() }).prefault({}),
      llmFollowUp: z
        .strictObject({
          enabled: z.boolean().default(false),
          maxTurns: z.number().int().min(1).max(10).default(3),
          maxResultSize: z.number().int().min(1).max(1000).default(100),
          /** Findings per scan run that get a follow-up conversation. */
          maxFindingsPerRun: z.number().int().min(1).max(20).default(3),
          /** Time range the follow-up queries may cover, back from the finding's window end. */
          lookbackMinutes: z.number().int().min(1).max(24 * 60).default(60),
        })
        .prefault({}),
    })
    .prefault({}),
  scanEveryMinutes: z.number().positive().max(60).default(1),
  /** Prometheus for read-only diagnostics of alert investigations. */
  prometheusUrl: httpUrl.optional(),
  alerts: alertsSchema.prefault({}),
  /** A CrowdSec Local API as a source: its decisions become sightings (see domain/detection/crowdsec.ts). */
  crowdsec: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** The LAPI, e.g. http://127.0.0.1:8080 (`api.server.listen_uri`). */
      url: httpUrl.optional(),
      /** A bouncer key (`cscli bouncers add palisade -o raw`). */
      apiKey: secretRef.optional(),
      pollMinutes: z.number().positive().max(60).default(1),
      /** Decisions from the community blocklist (origin CAPI / lists) are a feed's reputation; off = ignored. */
      includeCommunityBlocklist: z.boolean().default(false),
      requestTimeoutSeconds: z.number().positive().max(120).default(10),
    })
    .prefault({})
    .refine((c) => !c.enabled || (c.url !== undefined && c.apiKey !== undefined), 'crowdsec.enabled needs url and apiKey'),
  /**
   * Per scan run (access-log scan, intel-feed poll): at most this many threats (cases) signalled, at most
   * `maxThreatsPerPrefix` of them inside one IPv4 /`prefixV4` or IPv6 /`prefixV6`, at most `maxSightingsPerThreat`
   * sightings per threat. The strongest go first; when a cap bites, the scan's history says so.
   */
  caps: z
    .strictObject({
      maxThreatsPerRun: z.number().int().min(1).max(100_000).default(200),
      maxThreatsPerPrefix: z.number().int().min(1).max(100_000).default(16),
      prefixV4: z.number().int().min(8).max(32).default(24),
      prefixV6: z.number().int().min(16).max(128).default(48),
      maxSightingsPerThreat: z.number().int().min(1).max(10_000).default(256),
    })
    .prefault({}),
}).superRefine((d, ctx) => {
  if (!d.elasticsearch.enabled || d.elasticsearch.fields !== 'traefik-json' || d.elasticsearch.fieldOverrides.forwardedIp) return;
  for (const [i, cidr] of d.detector.trustedProxies.entries()) {
    try {
      peerPrefixes(cidr);
    } catch (e) {
      ctx.addIssue({ code: 'custom', path: ['detector', 'trustedProxies', i], message: (e as Error).message });
    }
  }
});
export type DetectionConfig = z.infer<typeof detectionSchema>;
