// Wire-compatible fake of Palisade's threat-intel feed service (contract: docs/intel-feed.md).
// Bearer auth; GET /api/v1/blocked-inbound, /api/v1/suspicious-outbound, /api/v1/report; errors {error:{code,message}}.
import { startScriptedServer, type ScriptedServer } from './scripted-http';

export interface FeedState {
  inbound: unknown[];
  outbound: unknown[];
  report: Record<string, unknown>;
  /** When set, /api/v1/report answers with this status (e.g. 503) instead. */
  reportDown?: number;
}

export async function startFakeIntelFeed(opts: { apiKey?: string; state: FeedState }): Promise<ScriptedServer & { state: FeedState }> {
  const generated_at = '2026-11-22T16:00:00Z';
  const server = await startScriptedServer((req) => {
    if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`)
      return { status: 401, json: { error: { code: 'unauthorized', message: 'missing or invalid bearer token' } } };
    const s = opts.state;
    switch (req.path) {
      case '/api/v1/blocked-inbound':
        return { status: 200, json: { generated_at, ips: s.inbound } };
      case '/api/v1/suspicious-outbound':
        return { status: 200, json: { generated_at, ips: s.outbound } };
      case '/api/v1/report':
        if (s.reportDown) return { status: s.reportDown, json: { error: { code: 'report_unavailable', message: 'report is being rebuilt' } } };
        return { status: 200, json: { generated_at, ips: s.report } };
      default:
        return { status: 404, json: { error: { code: 'not_found', message: `no route ${req.path}` } } };
    }
  });
  return Object.assign(server, { state: opts.state });
}
