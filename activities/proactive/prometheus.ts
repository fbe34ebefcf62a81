// The Prometheus scanner: each rule of the pack is one instant query (read-only, GET /api/v1/query); every series
// it returns is a hotspot. A rule that fails (Prometheus down, bad query) is reported as an error for that rule and
// never counts as "stopped firing".
import type { ProactiveRule } from '../../domain/config';
import { sanitizeUntrusted } from '../../domain/sanitize';
import type { Hotspot, RuleScan } from '../../domain/proactive/types';
import { cleanLabels, hotspotTitle, makeHotspot } from './hotspot';

interface PromSeries { metric?: Record<string, unknown>; value?: [number, string] }

/** Larger answers are refused unread (a rule returning every series of a big Prometheus is a broken rule). */
export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** The body as text, refused once it passes `max` bytes (the connection is dropped, nothing more is read). */
async function cappedText(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw new Error(`Prometheus answer larger than ${max / 1024 / 1024} MiB: narrow the rule's query`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function instantQuery(baseUrl: string, query: string, timeoutMs: number, maxBytes: number): Promise<PromSeries[]> {
  const url = `${baseUrl.replace(/\/+$/, '')}/api/v1/query?${new URLSearchParams({ query }).toString()}`;
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const e = err as Error;
    throw new Error(e.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : `Prometheus unreachable: ${sanitizeUntrusted(e.message, 200)}`);
  }
  let body: { status?: string; error?: string; data?: { resultType?: string; result?: unknown } } | undefined;
  try {
    body = JSON.parse(await cappedText(res, maxBytes)) as typeof body;
  } catch (err) {
    const e = err as Error;
    if (e.name === 'TimeoutError') throw new Error(`timeout after ${timeoutMs} ms`);
    if (!(e instanceof SyntaxError)) throw new Error(sanitizeUntrusted(e.message, 200));
  }
  if (!body || body.status !== 'success') throw new Error(`Prometheus answered ${res.status}: ${sanitizeUntrusted(body?.error ?? 'not a Prometheus API answer', 200)}`);
  const { resultType, result } = body.data ?? {};
  if (resultType === 'vector' && Array.isArray(result)) return result as PromSeries[];
  if (resultType === 'scalar' && Array.isArray(result)) return [{ metric: {}, value: result as [number, string] }];
  throw new Error(`the query returned ${sanitizeUntrusted(resultType, 20)}, not an instant vector`);
}

export async function scanPrometheus(baseUrl: string, rules: ProactiveRule[], opts: { timeoutMs: number; maxPerRule: number; maxAnswerBytes?: number }): Promise<{ hotspots: Hotspot[]; rules: RuleScan[] }> {
  const hotspots: Hotspot[] = [];
  const scans: RuleScan[] = [];
  for (const rule of rules) {
    try {
      const series = await instantQuery(baseUrl, rule.query, opts.timeoutMs, opts.maxAnswerBytes ?? MAX_ANSWER_BYTES);
      for (const s of series.slice(0, opts.maxPerRule)) {
        const labels = cleanLabels(s.metric ?? {});
        hotspots.push(makeHotspot({
          source: 'prometheus', rule: rule.name, severity: rule.severity, title: hotspotTitle(rule, labels), explanation: rule.explanation,
          labels, value: String(s.value?.[1] ?? ''), query: rule.query, probes: rule.probes,
        }));
      }
      scans.push({ rule: rule.name, source: 'prometheus', status: 'ok', findings: series.length });
    } catch (err) {
      scans.push({ rule: rule.name, source: 'prometheus', status: 'error', findings: 0, error: sanitizeUntrusted((err as Error).message, 300) });
    }
  }
  return { hotspots, rules: scans };
}
