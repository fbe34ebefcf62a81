// Small fetch wrapper shared by the intel providers, the baseline query and the Ollama client:
// per-request timeout, bounded retries with exponential backoff on network errors, 429 and 5xx, honouring
// Retry-After (seconds or HTTP date) up to a bound. Callers interpret the final status themselves (a GreyNoise 404
// is an answer, not an error). Secrets travel in headers only and never appear in errors.

export interface HttpOptions {
  /** Per attempt. */
  timeoutMs: number;
  /** Overall budget across attempts and backoff; absent = attempts × timeoutMs plus backoff. */
  totalTimeoutMs?: number;
  /** Retries after the first attempt (0 = no retry). */
  retries?: number;
  baseDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the 429/503 is returned to the caller instead. */
  maxRetryAfterMs?: number;
  /** Observes each retry (logging, metrics, tests). */
  onRetry?: (info: { attempt: number; delayMs: number; reason: string }) => void;
  sleep?: (ms: number) => Promise<void>;
}

export interface HttpResult {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
  attempts: number;
}

export class HttpTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timed out after ${timeoutMs} ms`);
    this.name = 'HttpTimeoutError';
  }
}

export class HttpNetworkError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HttpNetworkError';
  }
}

const defaultSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Retry-After in ms (delta-seconds or HTTP-date), undefined when absent or unparsable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

const retryable = (status: number) => status === 429 || status >= 500;

/** Describes a low-level fetch failure without echoing the URL (which may carry a token in its query). */
function describeFetchError(err: unknown): string {
  const e = err as { cause?: { code?: string; message?: string }; message?: string };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? 'fetch failed';
}

export async function httpRequest(url: string, init: RequestInit, opts: HttpOptions): Promise<HttpResult> {
  const retries = opts.retries ?? 2;
  const base = opts.baseDelayMs ?? 250;
  const maxRetryAfter = opts.maxRetryAfterMs ?? 30_000;
  const sleep = opts.sleep ?? defaultSleep;
  const deadline = opts.totalTimeoutMs !== undefined ? Date.now() + opts.totalTimeoutMs : Infinity;
  const timeoutReported = opts.totalTimeoutMs ?? opts.timeoutMs;
  const fitsBeforeDeadline = (delayMs: number) => Date.now() + delayMs < deadline;
  for (let attempt = 1; ; attempt++) {
    let res: Response;
    const attemptTimeout = Math.max(1, Math.min(opts.timeoutMs, deadline - Date.now()));
    try {
      res = await fetch(url, { ...init, signal: AbortSignal.timeout(attemptTimeout) });
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new HttpTimeoutError(Date.now() >= deadline ? timeoutReported : opts.timeoutMs);
      const delayMs = base * 2 ** (attempt - 1);
      if (attempt > retries || !fitsBeforeDeadline(delayMs)) throw new HttpNetworkError(`network error: ${describeFetchError(err)}`);
      opts.onRetry?.({ attempt, delayMs, reason: `network error: ${describeFetchError(err)}` });
      await sleep(delayMs);
      continue;
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') throw new HttpTimeoutError(Date.now() >= deadline ? timeoutReported : opts.timeoutMs);
      throw new HttpNetworkError(`network error reading body: ${describeFetchError(err)}`);
    }
    if (retryable(res.status) && attempt <= retries) {
      const ra = parseRetryAfter(res.headers.get('retry-after'));
      const delayMs = ra ?? base * 2 ** (attempt - 1);
      if ((ra === undefined || ra <= maxRetryAfter) && fitsBeforeDeadline(delayMs)) {
        opts.onRetry?.({ attempt, delayMs, reason: `HTTP ${res.status}` });
        await sleep(delayMs);
        continue;
      }
    }
    let json: unknown;
    try {
      json = text.length ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, headers: res.headers, text, json, attempts: attempt };
  }
}

/** Short, secret-free description of a non-2xx answer for provider notes. */
export function describeHttpFailure(r: HttpResult): string {
  const body = r.json as Record<string, any> | undefined;
  const msg =
    body?.errors?.[0]?.detail ?? body?.error?.message ?? (typeof body?.error === 'string' ? body.error : undefined) ??
    body?.message ?? body?.detail ?? r.text;
  const ra = r.headers.get('retry-after');
  const s = String(msg ?? '').replace(/[\u0000-\u001F\u007F]/g, ' ').slice(0, 200);
  return `HTTP ${r.status}${s ? `: ${s}` : ''}${ra ? ` (retry after ${ra}s)` : ''}`;
}
