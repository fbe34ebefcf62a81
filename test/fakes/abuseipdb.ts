// Wire-compatible fake of AbuseIPDB v2 GET /api/v2/check: `Key` header auth, maxAgeInDays 1..365, JSON:API-style
// errors {errors:[{detail,status,source}]}, X-RateLimit-* headers on every answer and a 429 with Retry-After once
// the daily limit is spent. Unknown public addresses answer with score 0 and no reports.
import { startScriptedServer, type Outcome, type ScriptedServer } from './scripted-http';

export interface FakeAbuseIpdb extends ScriptedServer {
  used: number;
}

const err = (status: number, detail: string, parameter?: string, headers: Record<string, string> = {}): Outcome => ({
  status,
  headers,
  json: { errors: [{ detail, status, ...(parameter ? { source: { parameter } } : {}) }] },
});

export async function startFakeAbuseIpdb(opts: { apiKey: string; records: Record<string, { data: Record<string, unknown> }>; dailyLimit?: number }): Promise<FakeAbuseIpdb> {
  const limit = opts.dailyLimit ?? 1000;
  const fake = { used: 0 } as FakeAbuseIpdb;
  const server = await startScriptedServer((req) => {
    if (req.path !== '/api/v2/check') return err(404, 'Not found.');
    if (req.headers.key !== opts.apiKey) return err(401, 'Authentication failed. Your API key is either missing, incorrect, or revoked.');
    const rate = () => ({ 'X-RateLimit-Limit': String(limit), 'X-RateLimit-Remaining': String(Math.max(0, limit - fake.used)) });
    if (fake.used >= limit)
      return err(429, `Daily rate limit of ${limit} requests exceeded for this endpoint. See headers for additional details.`, undefined, { ...rate(), 'Retry-After': '29160', 'X-RateLimit-Reset': '1763856000' });
    const ip = req.query.get('ipAddress') ?? '';
    const age = Number(req.query.get('maxAgeInDays') ?? 30);
    if (!Number.isInteger(age) || age < 1 || age > 365) return err(422, 'The max age in days must be between 1 and 365.', 'maxAgeInDays');
    if (!/^[0-9a-fA-F:.]+$/.test(ip)) return err(422, 'The ip address must be a valid IPv4 or IPv6 address (e.g. 8.8.8.8 or 2001:4860:4860::8888).', 'ipAddress');
    fake.used++;
    const rec = opts.records[ip] ?? {
      data: { ipAddress: ip, isPublic: true, ipVersion: ip.includes(':') ? 6 : 4, isWhitelisted: null, abuseConfidenceScore: 0, countryCode: null, usageType: null, isp: '', domain: null, hostnames: [], isTor: false, totalReports: 0, numDistinctUsers: 0, lastReportedAt: null },
    };
    return { status: 200, headers: rate(), json: rec };
  });
  return Object.assign(fake, server);
}
