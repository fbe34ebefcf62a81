// AbuseIPDB v2 GET /api/v2/check (header `Key`, JSON:API-style errors).
import { describeHttpFailure, httpRequest } from './http';
import { joinUrl, outcomeFromThrow, type ProviderContext, type ProviderOutcome } from './providers';

export interface AbuseIpdbData {
  abuseScore: number;
  totalReports: number;
  numDistinctUsers?: number;
  countryCode?: string;
  isp?: string;
  domain?: string;
  usageType?: string;
  isTor?: boolean;
  isWhitelisted?: boolean | null;
  isPublic?: boolean;
  lastReportedAt?: string | null;
}

export async function checkAbuseIpdb(ip: string, ctx: ProviderContext & { maxAgeInDays: number }): Promise<ProviderOutcome<AbuseIpdbData>> {
  const url = joinUrl(ctx.baseUrl, `/api/v2/check?ipAddress=${encodeURIComponent(ip)}&maxAgeInDays=${ctx.maxAgeInDays}`);
  try {
    const r = await httpRequest(url, { headers: { Key: ctx.apiKey ?? '', Accept: 'application/json' } }, ctx.http);
    if (r.status === 429) return { status: 'budget_exhausted', detail: describeHttpFailure(r), quotaExhausted: true };
    if (r.status !== 200) return { status: 'error', detail: describeHttpFailure(r) };
    const d = (r.json as { data?: Record<string, any> } | undefined)?.data;
    if (!d || typeof d.abuseConfidenceScore !== 'number') return { status: 'error', detail: 'unexpected response: no data.abuseConfidenceScore' };
    const data: AbuseIpdbData = {
      abuseScore: d.abuseConfidenceScore,
      totalReports: Number(d.totalReports) || 0,
      numDistinctUsers: typeof d.numDistinctUsers === 'number' ? d.numDistinctUsers : undefined,
      countryCode: typeof d.countryCode === 'string' ? d.countryCode : undefined,
      isp: typeof d.isp === 'string' ? d.isp : undefined,
      domain: typeof d.domain === 'string' ? d.domain : undefined,
      usageType: typeof d.usageType === 'string' ? d.usageType : undefined,
      isTor: typeof d.isTor === 'boolean' ? d.isTor : undefined,
      isWhitelisted: typeof d.isWhitelisted === 'boolean' ? d.isWhitelisted : null,
      isPublic: typeof d.isPublic === 'boolean' ? d.isPublic : undefined,
      lastReportedAt: typeof d.lastReportedAt === 'string' ? d.lastReportedAt : null,
    };
    // A never-reported IP is an answer (score 0), but worth telling apart from "reported and scored 0".
    return data.totalReports === 0 ? { status: 'miss', detail: 'no reports', data } : { status: 'ok', data };
  } catch (err) {
    return outcomeFromThrow(err);
  }
}
