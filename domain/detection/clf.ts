// Traefik's Common Log Format line (its default access-log format; pkg/middlewares/accesslog/logger_formatters.go):
//   <ClientHost> - <ClientUsername> [<02/Jan/2006:15:04:05 -0700>] "<Method> <Path> <Protocol>" <OriginStatus>
//   <OriginContentSize> "<Referer>" "<User-Agent>" <RequestCount> "<RouterName>" "<ServiceURL>" <Duration>ms
// Fields are written unescaped, so the parser cuts at fixed separators with indexOf only (linear, no regex), reads
// the trailing Traefik fields from the right, and accepts lines without them (plain combined log format).
// ClientHost is the whole X-Forwarded-For header when Traefik trusts the peer; OriginStatus is 0 (or "-") when
// Traefik answered itself (no router matched, a middleware refused).
import { clientFromForwardedList, type CidrList } from './client-ip';
import type { AccessRecord, RecordPrefilter } from './records';

export type ClfResult = { ok: true; record: AccessRecord } | { ok: false; reason: string } | { ok: 'skipped' };

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

const digits = (s: string, from: number, n: number): number => {
  let v = 0;
  for (let i = from; i < from + n; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
};

/** "22/Nov/2026:09:00:00 +0000" → epoch ms, or undefined. */
export function parseClfTime(s: string): number | undefined {
  if (s.length !== 26 || s[2] !== '/' || s[6] !== '/' || s[11] !== ':' || s[20] !== ' ') return undefined;
  const day = digits(s, 0, 2);
  const month = MONTHS[s.slice(3, 6)];
  const year = digits(s, 7, 4);
  const h = digits(s, 12, 2);
  const m = digits(s, 15, 2);
  const sec = digits(s, 18, 2);
  const sign = s[21] === '-' ? -1 : s[21] === '+' ? 1 : 0;
  const offset = digits(s, 22, 2) * 60 + digits(s, 24, 2);
  if (month === undefined || !sign || [day, year, h, m, sec, offset].some(Number.isNaN)) return undefined;
  const t = Date.UTC(year, month, day, h, m, sec) - sign * offset * 60_000;
  return Number.isFinite(t) ? t : undefined;
}

const unquote = (s: string) => (s.length >= 2 && s[0] === '"' && s[s.length - 1] === '"' ? s.slice(1, -1) : s);
const orUndefined = (s: string) => (s === '' || s === '-' ? undefined : s);

/** Status token: three digits, or 0 / "-" when Traefik answered itself. */
function statusToken(t: string): number | undefined {
  if (t === '-' || t === '0') return 0;
  const n = t.length === 3 ? digits(t, 0, 3) : NaN;
  return n >= 100 && n <= 599 ? n : undefined;
}

export interface ClfOptions {
  trustedProxies: CidrList;
}

/** One Common Log Format line; lines the prefilter rejects are `skipped` before the client address is resolved. */
export function parseClfLine(line: string, opts: ClfOptions, wanted?: RecordPrefilter): ClfResult {
  const dash = line.indexOf(' - ');
  if (dash <= 0) return { ok: false, reason: 'not a Common Log Format line' };
  const lb = line.indexOf(' [', dash);
  const rb = lb < 0 ? -1 : line.indexOf('] "', lb);
  if (rb < 0) return { ok: false, reason: 'not a Common Log Format line' };
  const sp = line.indexOf(' ', rb + 3);
  if (sp < 0) return { ok: false, reason: 'no request line' };
  // The request ends at the first `" ` followed by a status token and a space.
  let q = line.indexOf('" ', sp);
  let status: number | undefined;
  let statusEnd = -1;
  while (q >= 0) {
    statusEnd = line.indexOf(' ', q + 2);
    status = statusEnd > 0 ? statusToken(line.slice(q + 2, statusEnd)) : undefined;
    if (status !== undefined) break;
    q = line.indexOf('" ', q + 1);
  }
  if (q < 0 || status === undefined) return { ok: false, reason: 'no valid status' };
  const request = line.slice(sp + 1, q);
  const protoAt = request.lastIndexOf(' ');
  const path = protoAt > 0 ? request.slice(0, protoAt) : request;
  if (!path || path === '-') return { ok: false, reason: 'no request path' };
  const sizeEnd = line.indexOf(' ', statusEnd + 1);
  let rest = sizeEnd < 0 ? '' : line.slice(sizeEnd + 1).trimEnd();
  // Trailing Traefik fields, from the right: <count> "<router>" "<service>" <n>ms.
  let requestCount: number | undefined;
  let router: string | undefined;
  let service: string | undefined;
  let durationMs: number | undefined;
  if (rest.endsWith('ms')) {
    const d = rest.lastIndexOf(' ');
    const s1 = d > 0 ? rest.lastIndexOf(' ', d - 1) : -1;
    const s2 = s1 > 0 ? rest.lastIndexOf(' ', s1 - 1) : -1;
    const s3 = s2 > 0 ? rest.lastIndexOf(' ', s2 - 1) : -1;
    if (s3 > 0) {
      durationMs = Number(rest.slice(d + 1, -2));
      service = orUndefined(unquote(rest.slice(s1 + 1, d)));
      router = orUndefined(unquote(rest.slice(s2 + 1, s1)));
      requestCount = Number(rest.slice(s3 + 1, s2));
      if (!Number.isFinite(durationMs)) durationMs = undefined;
      if (!Number.isInteger(requestCount)) requestCount = undefined;
      rest = rest.slice(0, s3);
    }
  }
  // "<referer>" "<user agent>": both client-supplied; split at the first `" "`.
  const mid = rest.indexOf('" "');
  const userAgent = mid >= 0 ? orUndefined(unquote(rest.slice(mid + 2))) : undefined;
  if (wanted && !wanted(status, path, userAgent)) return { ok: 'skipped' };
  const ip = clientFromForwardedList(line.slice(0, dash), opts.trustedProxies);
  if (!ip) return { ok: false, reason: 'no valid client address' };
  const timeMs = parseClfTime(line.slice(lb + 2, rb));
  if (timeMs === undefined) return { ok: false, reason: 'no valid timestamp' };
  const method = line.slice(rb + 3, sp);
  return { ok: true, record: { ip, timeMs, status, path, userAgent, method, router, service, durationMs, requestCount } };
}
