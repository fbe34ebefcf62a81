// IPinfo: standard GET /{ip}/json (Bearer token; free tier has the ASN only as the leading token of `org`), or
// IPinfo Lite GET /lite/{ip}?token= on api.ipinfo.io (`country_code` is the 2-letter code there). Bogon/private
// addresses answer { ip, bogon: true }: a miss, and a strong hint the address must never be blocked.
import { describeHttpFailure, httpRequest } from './http';
import { joinUrl, outcomeFromThrow, type ProviderContext, type ProviderOutcome } from './providers';

export interface IpinfoData {
  org?: string;
  asn?: string;
  asName?: string;
  country?: string;
  city?: string;
  hostname?: string;
  bogon?: boolean;
  anycast?: boolean;
  privacy?: { vpn?: boolean; proxy?: boolean; tor?: boolean; relay?: boolean; hosting?: boolean };
}

const ORG_ASN = /^(AS\d+)\s+(.*)$/;
export const IPINFO_LITE_DEFAULT_BASE = 'https://api.ipinfo.io';

export async function lookupIpinfo(ip: string, ctx: ProviderContext & { lite: boolean }): Promise<ProviderOutcome<IpinfoData>> {
  if (ctx.lite && !ctx.apiKey) return { status: 'skipped', detail: 'IPinfo Lite needs a token' };
  let base = ctx.baseUrl;
  if (ctx.lite && /^https?:\/\/ipinfo\.io\/?$/.test(base)) base = IPINFO_LITE_DEFAULT_BASE;
  const url = ctx.lite
    ? joinUrl(base, `/lite/${encodeURIComponent(ip)}?token=${encodeURIComponent(ctx.apiKey!)}`)
    : joinUrl(base, `/${encodeURIComponent(ip)}/json`);
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (!ctx.lite && ctx.apiKey) headers.Authorization = `Bearer ${ctx.apiKey}`;
  try {
    const r = await httpRequest(url, { headers }, ctx.http);
    if (r.status === 429) return { status: 'budget_exhausted', detail: describeHttpFailure(r), quotaExhausted: true };
    const b = r.json as Record<string, any> | undefined;
    if (r.status !== 200 || !b) return { status: 'error', detail: describeHttpFailure(r) };
    if (b.bogon === true) return { status: 'miss', detail: 'bogon (private or reserved address)', data: { bogon: true } };
    if (ctx.lite) {
      return {
        status: 'ok',
        data: {
          asn: typeof b.asn === 'string' ? b.asn : undefined,
          asName: typeof b.as_name === 'string' ? b.as_name : undefined,
          org: typeof b.as_name === 'string' ? `${b.asn ?? ''} ${b.as_name}`.trim() : undefined,
          country: typeof b.country_code === 'string' ? b.country_code : undefined,
        },
      };
    }
    const org = typeof b.org === 'string' ? b.org : undefined;
    const m = org ? ORG_ASN.exec(org) : null;
    const paidAsn = b.asn && typeof b.asn === 'object' ? (b.asn as { asn?: string; name?: string }) : undefined;
    return {
      status: 'ok',
      data: {
        org,
        asn: paidAsn?.asn ?? m?.[1],
        asName: paidAsn?.name ?? m?.[2],
        country: typeof b.country === 'string' ? b.country : undefined,
        city: typeof b.city === 'string' ? b.city : undefined,
        hostname: typeof b.hostname === 'string' ? b.hostname : undefined,
        anycast: b.anycast === true ? true : undefined,
        privacy: b.privacy && typeof b.privacy === 'object' ? b.privacy : undefined,
      },
    };
  } catch (err) {
    return outcomeFromThrow(err);
  }
}
