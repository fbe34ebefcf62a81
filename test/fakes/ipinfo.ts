// Wire-compatible fake of IPinfo: standard GET /{ip}/json (Bearer or ?token=; anonymous allowed) and Lite
// GET /lite/{ip}?token= (token required). Bogon/private addresses answer { ip, bogon: true }. 429 over quota.
import { startScriptedServer, type ScriptedServer } from './scripted-http';

const BOGON = /^(10\.|127\.|192\.168\.|172\.(1[6-9]|2\d|3[01])\.|169\.254\.|0\.|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.)/;

export interface FakeIpinfo extends ScriptedServer {
  used: number;
}

export async function startFakeIpinfo(opts: { token?: string; standard: Record<string, unknown>; lite: Record<string, unknown>; limit?: number }): Promise<FakeIpinfo> {
  const fake = { used: 0 } as FakeIpinfo;
  const server = await startScriptedServer((req) => {
    const lite = /^\/lite\/([^/]+)$/.exec(req.path);
    const std = /^\/([^/]+)\/json$/.exec(req.path);
    if (!lite && !std) return { status: 404, json: { status: 404, error: { title: 'Wrong ip', message: 'Please provide a valid IP address' } } };
    const given = req.query.get('token') ?? req.headers.authorization?.replace(/^Bearer /, '');
    if (lite && !given) return { status: 401, json: { status: 401, error: { title: 'Unknown token', message: 'Please provide a valid token' } } };
    if (given !== undefined && opts.token !== undefined && given !== opts.token)
      return { status: 403, json: { status: 403, error: { title: 'Unknown token', message: 'Please provide a valid token' } } };
    if (opts.limit !== undefined && fake.used >= opts.limit) return { status: 429, json: { status: 429, error: { title: 'Rate limit exceeded', message: 'Upgrade to increase your usage limits' } } };
    fake.used++;
    const ip = decodeURIComponent((lite ?? std)![1]!);
    if (BOGON.test(ip)) return { status: 200, json: { ip, bogon: true } };
    const rec = (lite ? opts.lite : opts.standard)[ip];
    if (rec) return { status: 200, json: rec };
    return { status: 200, json: lite ? { ip, asn: '', as_name: '', as_domain: '', country_code: '', country: '', continent_code: '', continent: '' } : { ip, country: '', org: '' } };
  });
  return Object.assign(fake, server);
}
