// Wire-compatible fake of AlienVault OTX GET /api/v1/indicators/{IPv4|IPv6}/{ip}/general: optional X-OTX-API-KEY
// (a wrong key is a 403), unknown IPs answer 200 with pulse_info.count 0 (or 404 with unknownAs404), 400 for an
// indicator that does not match its type.
import { startScriptedServer, type ScriptedServer } from './scripted-http';

export async function startFakeOtx(opts: { apiKey?: string; records: Record<string, unknown>; unknownAs404?: boolean }): Promise<ScriptedServer> {
  return startScriptedServer((req) => {
    const m = /^\/api\/v1\/indicators\/(IPv4|IPv6)\/([^/]+)\/general$/.exec(req.path);
    if (!m) return { status: 404, json: { detail: 'Not found.' } };
    const key = req.headers['x-otx-api-key'];
    if (key !== undefined && opts.apiKey !== undefined && key !== opts.apiKey) return { status: 403, json: { detail: 'Authentication credentials were not provided.' } };
    const ip = decodeURIComponent(m[2]!);
    if ((m[1] === 'IPv4') !== /^\d{1,3}(\.\d{1,3}){3}$/.test(ip)) return { status: 400, json: { detail: `Invalid ${m[1]} indicator` } };
    const rec = opts.records[ip];
    if (rec) return { status: 200, json: rec };
    if (opts.unknownAs404) return { status: 404, json: { detail: 'Not found.' } };
    return {
      status: 200,
      json: { indicator: ip, type: m[1], type_title: m[1], base_indicator: {}, reputation: 0, asn: '', country_code: null, pulse_info: { count: 0, pulses: [], references: [], related: { alienvault: { adversary: [], malware_families: [], industries: [] }, other: { adversary: [], malware_families: [], industries: [] } } }, false_positive: [], validation: [], sections: ['general', 'geo', 'reputation'] },
    };
  });
}
