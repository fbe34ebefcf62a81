// Wire-compatible fake of GreyNoise Community GET /v3/community/{ip}: `key` header, 200 record, 404 WITH a body for
// "not observed", 400 for non-routable input, 401 for a bad key, 429 with plan info when over the daily limit.
import { startScriptedServer, type ScriptedServer } from './scripted-http';

export interface FakeGreyNoise extends ScriptedServer {
  used: number;
}

export async function startFakeGreyNoise(opts: { apiKey?: string; records: Record<string, { status: number; body: unknown }>; dailyLimit?: number }): Promise<FakeGreyNoise> {
  const fake = { used: 0 } as FakeGreyNoise;
  const server = await startScriptedServer((req) => {
    const m = /^\/v3\/community\/([^/]+)$/.exec(req.path);
    if (!m) return { status: 404, json: { message: 'Not Found' } };
    if (opts.apiKey !== undefined && req.headers.key !== opts.apiKey) return { status: 401, json: { message: 'Authentication required' } };
    if (opts.dailyLimit !== undefined && fake.used >= opts.dailyLimit)
      return { status: 429, json: { plan: 'community', rate_limit: `${opts.dailyLimit}-lookups/day`, plan_url: 'https://greynoise.io/pricing', message: "You have hit your daily rate limit of lookups." } };
    fake.used++;
    const ip = decodeURIComponent(m[1]!);
    if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return { status: 400, json: { message: 'Request is not a valid routable IPv4 address' } };
    const rec = opts.records[ip] ?? { status: 404, body: { ip, noise: false, riot: false, message: 'IP not observed scanning the internet or contained in RIOT data set.' } };
    return { status: rec.status, json: rec.body };
  });
  return Object.assign(fake, server);
}
