// Recent traffic baseline for one IP from Prometheus/VictoriaMetrics (GET /api/v1/query). The IP is validated and
// canonicalised before it is substituted into the PromQL template, so no label matcher can be smuggled in.
import { normaliseIp } from '../../domain/ip';
import { describeHttpFailure, httpRequest, type HttpOptions } from './http';
import { joinUrl } from './providers';

export interface BaselineResult {
  requestsPerHour?: number;
  query: string;
  /** Set when the query could not be answered. */
  error?: string;
}

const SAFE_IP = /^[0-9a-fA-F:.]+$/;

/** The PromQL for `ip`, or an error for anything that is not one plain address. */
export function baselineQuery(template: string, ip: string): { query: string } | { error: string } {
  const n = normaliseIp(ip);
  if (!n.ok) return { error: `invalid IP for the baseline query: ${n.reason}` };
  if (!SAFE_IP.test(n.ip)) return { error: 'invalid IP for the baseline query' };
  return { query: template.split('{{ip}}').join(n.ip) };
}

export async function queryBaseline(ip: string, opts: { prometheusUrl: string; requestsQuery: string; http: HttpOptions }): Promise<BaselineResult> {
  const q = baselineQuery(opts.requestsQuery, ip);
  if ('error' in q) return { query: '', error: q.error };
  try {
    const r = await httpRequest(joinUrl(opts.prometheusUrl, `/api/v1/query?query=${encodeURIComponent(q.query)}`), { headers: { Accept: 'application/json' } }, opts.http);
    const b = r.json as { status?: string; error?: string; errorType?: string; data?: { resultType?: string; result?: any[] } } | undefined;
    if (r.status !== 200 || b?.status !== 'success') return { query: q.query, error: b?.error ? `${b.errorType ?? 'error'}: ${String(b.error).slice(0, 200)}` : describeHttpFailure(r) };
    const result = b.data?.result ?? [];
    if (b.data?.resultType === 'scalar') return { query: q.query, requestsPerHour: Number((b.data.result as unknown as [number, string])[1]) || 0 };
    // No series = no traffic recorded for that client in the window.
    const total = result.reduce((sum, s) => sum + (Number(s?.value?.[1]) || 0), 0);
    return { query: q.query, requestsPerHour: Math.round(total * 100) / 100 };
  } catch (err) {
    return { query: q.query, error: (err as Error).message };
  }
}
