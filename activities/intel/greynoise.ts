// GreyNoise Community GET /v3/community/{ip} (header `key`). IPv4 only. A 404 with an `ip` field is the normal
// "not observed scanning" answer, i.e. a miss, not an error.
import { describeHttpFailure, httpRequest } from './http';
import { joinUrl, outcomeFromThrow, type ProviderContext, type ProviderOutcome } from './providers';

export interface GreyNoiseData {
  classification: 'benign' | 'malicious' | 'unknown';
  noise: boolean;
  riot: boolean;
  name?: string;
  lastSeen?: string;
}

const CLASSES = new Set(['benign', 'malicious', 'unknown']);

export async function lookupGreyNoise(ip: string, ctx: ProviderContext): Promise<ProviderOutcome<GreyNoiseData>> {
  if (ip.includes(':')) return { status: 'skipped', detail: 'GreyNoise Community is IPv4 only' };
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (ctx.apiKey) headers.key = ctx.apiKey;
  try {
    const r = await httpRequest(joinUrl(ctx.baseUrl, `/v3/community/${encodeURIComponent(ip)}`), { headers }, ctx.http);
    const b = r.json as Record<string, any> | undefined;
    if (r.status === 404 && b && typeof b.ip === 'string')
      return { status: 'miss', detail: 'not observed scanning the internet', data: { classification: 'unknown', noise: false, riot: false } };
    if (r.status === 429) return { status: 'budget_exhausted', detail: describeHttpFailure(r), quotaExhausted: true };
    if (r.status !== 200 || !b) return { status: 'error', detail: describeHttpFailure(r) };
    return {
      status: 'ok',
      data: {
        classification: CLASSES.has(b.classification) ? b.classification : 'unknown',
        noise: b.noise === true,
        riot: b.riot === true,
        name: typeof b.name === 'string' ? b.name : undefined,
        lastSeen: typeof b.last_seen === 'string' ? b.last_seen : undefined,
      },
    };
  } catch (err) {
    return outcomeFromThrow(err);
  }
}
