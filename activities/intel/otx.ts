// AlienVault OTX GET /api/v1/indicators/{IPv4|IPv6}/{ip}/general (header X-OTX-API-KEY, optional).
// An unknown IP is a 200 with pulse_info.count 0 (or, per some clients, a 404): both are a miss.
import { describeHttpFailure, httpRequest } from './http';
import { joinUrl, outcomeFromThrow, type ProviderContext, type ProviderOutcome } from './providers';

export interface OtxData {
  pulses: number;
  /** A few pulse names, for the prompt (untrusted text). */
  pulseNames: string[];
  asn?: string;
  countryCode?: string;
}

export async function lookupOtx(ip: string, ctx: ProviderContext): Promise<ProviderOutcome<OtxData>> {
  const kind = ip.includes(':') ? 'IPv6' : 'IPv4';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (ctx.apiKey) headers['X-OTX-API-KEY'] = ctx.apiKey;
  try {
    const r = await httpRequest(joinUrl(ctx.baseUrl, `/api/v1/indicators/${kind}/${encodeURIComponent(ip)}/general`), { headers }, ctx.http);
    if (r.status === 404) return { status: 'miss', detail: 'unknown indicator', data: { pulses: 0, pulseNames: [] } };
    if (r.status === 401 || r.status === 403) return { status: 'error', detail: `${describeHttpFailure(r)} (check the OTX API key)` };
    if (r.status === 429) return { status: 'error', detail: describeHttpFailure(r) };
    const b = r.json as Record<string, any> | undefined;
    if (r.status !== 200 || !b) return { status: 'error', detail: describeHttpFailure(r) };
    const info = b.pulse_info as { count?: number; pulses?: { name?: string }[] } | undefined;
    const pulses = typeof info?.count === 'number' ? info.count : Array.isArray(info?.pulses) ? info.pulses.length : 0;
    const data: OtxData = {
      pulses,
      pulseNames: (info?.pulses ?? []).slice(0, 5).map((p) => String(p?.name ?? '')).filter(Boolean),
      asn: typeof b.asn === 'string' && b.asn ? b.asn : undefined,
      countryCode: typeof b.country_code === 'string' && b.country_code ? b.country_code : undefined,
    };
    return pulses === 0 ? { status: 'miss', detail: 'no pulses', data } : { status: 'ok', data };
  } catch (err) {
    return outcomeFromThrow(err);
  }
}
