// Wire-compatible fake of the Prometheus/VictoriaMetrics instant query API (GET /api/v1/query?query=...):
// {status:"success", data:{resultType:"vector", result:[{metric, value:[ts,"v"]}]}} or
// {status:"error", errorType:"bad_data", error:"..."} with 400. Values come from a per-client map; the query must
// select exactly one client with a `client="<ip>"` matcher (anything else is bad_data, as a strict parser would do).
import { startScriptedServer, type ScriptedServer } from './scripted-http';

export async function startFakePrometheus(opts: { requestsPerHour: Record<string, number> }): Promise<ScriptedServer> {
  return startScriptedServer((req) => {
    if (req.path !== '/api/v1/query') return { status: 404, text: '404 page not found' };
    const q = req.query.get('query') ?? '';
    const m = /^sum\(increase\(traefik_requests_by_client_total\{client="([0-9a-fA-F:.]+)"\}\[1h\]\)\)$/.exec(q);
    if (!m) return { status: 400, json: { status: 'error', errorType: 'bad_data', error: `1:1: parse error: unexpected query ${JSON.stringify(q.slice(0, 80))}` } };
    const v = opts.requestsPerHour[m[1]!];
    return { status: 200, json: { status: 'success', data: { resultType: 'vector', result: v === undefined ? [] : [{ metric: {}, value: [1_763_827_200, String(v)] }] } } };
  });
}
