// One access-log request, from a raw Traefik JSON line or an ECS document, reduced to what the detector needs.
import { canonicalIp, clientFromForwardedList, resolveClient, type CidrList } from './client-ip';

export interface AccessRecord {
  ip: string;
  /** Epoch milliseconds of the request. */
  timeMs: number;
  status: number;
  /** Raw request path (may include a query string); normalised by the matcher. */
  path: string;
  userAgent?: string;
  /** Traefik's extra fields, when the format has them (evidence only). */
  method?: string;
  router?: string;
  service?: string;
  durationMs?: number;
  requestCount?: number;
}

export type ParseResult = { ok: true; record: AccessRecord } | { ok: false; reason: string };

export type TraefikClientField = 'ClientHost' | 'ClientAddr' | 'request_X-Forwarded-For';

export interface TraefikParseOptions {
  clientField: TraefikClientField;
  trustedProxies: CidrList;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

function statusOf(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d{3}$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 100 && n <= 599 ? n : undefined;
}

function timeOf(...candidates: unknown[]): number | undefined {
  for (const c of candidates) {
    if (typeof c === 'string') {
      const t = Date.parse(c);
      if (!Number.isNaN(t)) return t;
    } else if (typeof c === 'number' && Number.isFinite(c)) {
      // Traefik's `time` is seconds; ES epoch_millis would be far larger.
      return c > 1e11 ? c : c * 1000;
    }
  }
  return undefined;
}

/**
 * ClientAddr is the TCP peer ("host:port"); ClientHost is that host, or the X-Forwarded-For header when one was sent;
 * request_X-Forwarded-For is the header itself (when the log keeps headers). A forwarded address counts only through
 * trusted proxies (resolveClient); without ClientAddr, the right-most forwarded entry stands in for the peer.
 */
function clientOfTraefik(o: Record<string, unknown>, opts: TraefikParseOptions): string | undefined {
  const peer = str(o.ClientAddr);
  if (opts.clientField === 'ClientAddr') return peer ? canonicalIp(peer) : clientFromForwardedList(str(o.ClientHost) ?? '', opts.trustedProxies);
  // request_X-Forwarded-For is absent when no header was sent: then ClientAddr alone (or ClientHost without it).
  const forwarded = str(o[opts.clientField]) ?? (peer ? undefined : str(o.ClientHost));
  return resolveClient(peer, forwarded, opts.trustedProxies);
}

/** A decoded Traefik JSON access-log object (keys from pkg/middlewares/accesslog/logdata.go). */
export function fromTraefikObject(o: unknown, opts: TraefikParseOptions): ParseResult {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return { ok: false, reason: 'not a JSON object' };
  const r = o as Record<string, unknown>;
  const ip = clientOfTraefik(r, opts);
  if (!ip) return { ok: false, reason: 'no valid client address' };
  const timeMs = timeOf(r.StartUTC, r.StartLocal, r.time);
  if (timeMs === undefined) return { ok: false, reason: 'no valid timestamp' };
  const status = statusOf(r.DownstreamStatus) ?? statusOf(r.OriginStatus);
  if (status === undefined) return { ok: false, reason: 'no valid status' };
  const path = str(r.RequestPath);
  if (!path) return { ok: false, reason: 'no request path' };
  const duration = typeof r.Duration === 'number' ? Math.round(r.Duration / 1e6) : undefined;
  return {
    ok: true,
    record: {
      ip, timeMs, status, path, userAgent: str(r['request_User-Agent']), method: str(r.RequestMethod), router: str(r.RouterName),
      service: str(r.ServiceName), durationMs: duration, requestCount: typeof r.RequestCount === 'number' ? r.RequestCount : undefined,
    },
  };
}

/** Cheap relevance test on status, path and user agent, run before the (costlier) client-address parsing. */
export type RecordPrefilter = (status: number, path: string, userAgent: string | undefined) => boolean;

/**
 * Like parseTraefikLine, but lines the prefilter rejects are `skipped` without resolving the client address and time:
 * on a busy edge nearly every line is ordinary traffic, and X-Forwarded-For parsing dominates the per-line cost.
 * A skipped line still had to be a JSON object with a status and a path (otherwise it is malformed).
 */
export function parseTraefikLineFiltered(line: string, opts: TraefikParseOptions, wanted: RecordPrefilter): ParseResult | { ok: 'skipped' } {
  const parsed = parseJsonLine(line);
  if ('reason' in parsed) return { ok: false, reason: parsed.reason };
  return fromTraefikObjectFiltered(parsed.value, opts, wanted);
}

/** fromTraefikObject behind the prefilter (see parseTraefikLineFiltered). */
export function fromTraefikObjectFiltered(o: unknown, opts: TraefikParseOptions, wanted: RecordPrefilter): ParseResult | { ok: 'skipped' } {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return { ok: false, reason: 'not a JSON object' };
  const r = o as Record<string, unknown>;
  const status = statusOf(r.DownstreamStatus) ?? statusOf(r.OriginStatus);
  const path = str(r.RequestPath);
  if (status !== undefined && path !== undefined && !wanted(status, path, str(r['request_User-Agent']))) return { ok: 'skipped' };
  return fromTraefikObject(o, opts);
}

/** One line of a Traefik JSON access log. */
export function parseTraefikLine(line: string, opts: TraefikParseOptions): ParseResult {
  const parsed = parseJsonLine(line);
  return 'reason' in parsed ? { ok: false, reason: parsed.reason } : fromTraefikObject(parsed.value, opts);
}

function parseJsonLine(line: string): { value: unknown } | { reason: string } {
  const t = line.trim();
  if (!t.startsWith('{')) return { reason: 'not JSON' };
  try {
    return { value: JSON.parse(t) };
  } catch {
    return { reason: 'invalid JSON' };
  }
}

/** A value at a dotted path, whether the document nests objects (`source.ip`) or flattens keys ("source.ip"). */
export function getField(doc: unknown, dotted: string): unknown {
  if (typeof doc !== 'object' || doc === null) return undefined;
  const d = doc as Record<string, unknown>;
  if (dotted in d) return d[dotted];
  const dot = dotted.indexOf('.');
  if (dot < 0) return undefined;
  // Try every split point so that mixed forms ({"http": {"response.status_code": 404}}) resolve too.
  for (let i = dot; i >= 0; i = dotted.indexOf('.', i + 1)) {
    const head = dotted.slice(0, i);
    if (head in d) {
      const v = getField(d[head], dotted.slice(i + 1));
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

export interface EcsFields {
  timestamp: string;
  clientIp: string;
  forwardedIp?: string;
  status: string;
  path: string;
  userAgent: string;
}

export const ECS_FIELDS: EcsFields = {
  timestamp: '@timestamp', clientIp: 'source.ip', forwardedIp: 'network.forwarded_ip',
  status: 'http.response.status_code', path: 'url.path', userAgent: 'user_agent.original',
};

const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);

/**
 * An ECS document (Filebeat / Elastic Agent traefik pipelines). The forwarded field (network.forwarded_ip) names the
 * client only when the peer (source.ip) is a trusted proxy; without a peer it is not believed at all.
 */
export function fromEcsDocument(doc: unknown, fields: EcsFields = ECS_FIELDS, trusted: CidrList = []): ParseResult {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return { ok: false, reason: 'not a JSON object' };
  const fwd = fields.forwardedIp ? getField(doc, fields.forwardedIp) : undefined;
  const fwdText = Array.isArray(fwd) ? fwd.filter((x) => typeof x === 'string').join(',') : str(fwd);
  const peer = str(first(getField(doc, fields.clientIp)));
  // A clientIp field without a forwarded field may itself hold a forwarded list (a ClientHost-style override).
  const ip = peer === undefined ? undefined : fwdText ? resolveClient(peer, fwdText, trusted) : clientFromForwardedList(peer, trusted);
  if (!ip) return { ok: false, reason: 'no valid client address' };
  const timeMs = timeOf(first(getField(doc, fields.timestamp)));
  if (timeMs === undefined) return { ok: false, reason: 'no valid timestamp' };
  const status = statusOf(first(getField(doc, fields.status)));
  if (status === undefined) return { ok: false, reason: 'no valid status' };
  // url.original keeps the query string, where traversal and exploit payloads travel; url.path is the fallback.
  const rawPath = str(first(getField(doc, 'url.original'))) ?? str(first(getField(doc, fields.path)));
  if (!rawPath) return { ok: false, reason: 'no request path' };
  const duration = getField(doc, 'event.duration');
  const count = getField(doc, 'traefik.access.request_count');
  return {
    ok: true,
    record: {
      ip, timeMs, status, path: rawPath, userAgent: str(first(getField(doc, fields.userAgent))), method: str(first(getField(doc, 'http.request.method'))),
      router: str(first(getField(doc, 'traefik.access.frontend_name'))), service: str(first(getField(doc, 'traefik.access.backend_url'))),
      durationMs: typeof duration === 'number' ? Math.round(duration / 1e6) : undefined, requestCount: typeof count === 'number' ? count : undefined,
    },
  };
}
