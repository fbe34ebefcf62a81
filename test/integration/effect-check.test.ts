// Issue 13: the effect check's sources. The access log's tail (Traefik JSON): requests after the block that reached a
// backend versus those Traefik refused itself (403 without OriginStatus). PromQL against a REAL Prometheus (Debian's
// package) scraping a tiny exporter this test runs: the baseline before the block, the value after the settle time,
// `effective` when the series drops to zero and `ineffective` when it does not.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { countAccessLog, createEffectActivities } from '../../activities/effect';
import { loadConfig, type DeepPartial } from '../../runtime/config';
import { blockVerificationLevels } from '../../runtime/metrics';
import type { PalisadeConfig } from '../../domain/config';
import { startPrometheus, startTrafficExporter, type RealPrometheus, type TrafficExporter } from '../helpers/prometheus';

const dir = mkdtempSync(path.join(tmpdir(), 'palisade-effect-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const config = (over: DeepPartial<PalisadeConfig>) => loadConfig({ env: {}, file: '/dev/null', overrides: over });

/** A Traefik JSON access-log line; `origin` set = the request reached a backend. */
export function accessLine(ip: string, at: number, o: { status?: number; origin?: number; path?: string } = {}): string {
  return JSON.stringify({
    ClientAddr: ip.includes(":") ? `[${ip}]:41000` : `${ip}:41000`, ClientHost: ip, DownstreamStatus: o.status ?? 403, ...(o.origin !== undefined ? { OriginStatus: o.origin } : {}),
    RequestMethod: 'GET', RequestPath: o.path ?? '/.env', RequestHost: 'shop.example.net', RouterName: 'web-shop@kubernetescrd',
    StartUTC: new Date(at).toISOString(), 'request_User-Agent': 'Nuclei', level: 'info', msg: '',
  });
}

void describe('effect from the access log', () => {
  const since = Date.parse('2026-11-26T12:00:00Z');
  const file = path.join(dir, 'access.log');
  const ip = '45.155.205.99';

  before(() => {
    writeFileSync(file, [
      accessLine(ip, since - 60_000, { status: 404, origin: 404 }), // before the block: does not count
      accessLine('45.155.205.98', since + 1000, { status: 200, origin: 200 }), // another client
      accessLine(ip, since + 1000), // refused by the deny middleware
      accessLine(ip, since + 2000),
      'not json at all',
      accessLine('2a01:4f8:c17::7', since + 1000, { status: 200, origin: 200 }),
      '',
    ].join('\n'));
  });

  void test('counts only the IP\'s requests after the block, by whether they reached a backend', async () => {
    const c = await countAccessLog(file, ip, since, { tailBytes: 1 << 20, clientField: 'ClientHost', trustedProxies: [] });
    assert.deepEqual(c, { reached: 0, refused: 2, statuses: { '403 (Traefik)': 2 } });
    const v6 = await countAccessLog(file, '2a01:4f8:c17::7', since, { tailBytes: 1 << 20, clientField: 'ClientHost', trustedProxies: [] });
    assert.equal(v6.reached, 1);
  });

  void test('refused by Traefik → effective; still reaching the backend → ineffective; nothing → no traffic', async () => {
    const acts = createEffectActivities({ config: config({ detection: { accessLog: { file } } }) });
    const effective = async () => (await blockVerificationLevels.get()).values.find((x) => x.labels.level === 'effective')?.value ?? 0;
    const before = await effective();
    const ok = await acts.checkBlockEffect({ ip, since: new Date(since).toISOString(), sources: ['access-log'] });
    assert.equal(ok.outcome, 'effective');
    assert.equal(await effective() - before, 1, 'the metric counts the block under level effective');
    assert.match(ok.sources[0].evidence, /0 request\(s\) from 45\.155\.205\.99 reached a backend, 2 were refused by Traefik \(2x 403 \(Traefik\)\)/);

    appendFileSync(file, `${accessLine(ip, since + 3000, { status: 200, origin: 200, path: '/.git/config' })}\n`);
    const bad = await acts.checkBlockEffect({ ip, since: new Date(since).toISOString(), sources: ['access-log'] });
    assert.equal(bad.outcome, 'ineffective');
    assert.deepEqual([bad.sources[0].reached, bad.sources[0].refused], [1, 2]);

    const none = await acts.checkBlockEffect({ ip: '198.51.100.200', since: new Date(since).toISOString(), sources: ['access-log'] });
    assert.equal(none.outcome, 'no_traffic');
  });

  void test('only the tail is read; a source that is not configured does not vote', async () => {
    const c = await countAccessLog(file, ip, since, { tailBytes: 400, clientField: 'ClientHost', trustedProxies: [] });
    assert.ok(c.reached + c.refused <= 1, 'a 400-byte tail holds at most the last line');
    const acts = createEffectActivities({ config: config({}) });
    const r = await acts.checkBlockEffect({ ip, since: new Date(since).toISOString(), sources: ['access-log', 'elasticsearch'] });
    assert.equal(r.outcome, 'no_traffic');
    assert.deepEqual(r.sources.map((s) => s.outcome), ['error', 'error']);
  });
});

void describe('effect from PromQL against a real Prometheus', () => {
  let exporter: TrafficExporter;
  let prom: RealPrometheus;
  let pump: NodeJS.Timeout | undefined;
  const blocked = '45.155.205.101';
  const leaking = '45.155.205.102';
  const query = 'sum(increase(traefik_requests_by_client_total{client="{{ip}}"}[4s]))';

  before(async () => {
    exporter = await startTrafficExporter();
    prom = await startPrometheus(exporter.url, 1);
  });
  after(async () => {
    clearInterval(pump);
    await prom?.stop();
    await exporter?.close();
  });

  void test('baseline before, value after: effective when the series drops to zero, ineffective when it does not', async () => {
    // Both scanners send ~25 requests/s.
    pump = setInterval(() => {
      exporter.hit(blocked, 5);
      exporter.hit(leaking, 5);
    }, 200);
    const acts = createEffectActivities({ config: config({ policy: { verification: { effect: { prometheusUrl: prom.url, promql: query, timeoutSeconds: 5 } } } }) });
    await prom.waitForScrape(query.replace('{{ip}}', blocked));
    // Let the window fill with traffic so the baseline is clearly above zero.
    let baselines: Awaited<ReturnType<typeof acts.measureEffectBaseline>>[] = [];
    for (let i = 0; i < 40; i++) {
      baselines = await Promise.all([blocked, leaking].map((ip) => acts.measureEffectBaseline({ ip, sources: ['prometheus'] })));
      if (baselines.every((b) => (b.prometheus?.value ?? 0) > 0)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(baselines.every((b) => (b.prometheus?.value ?? 0) > 0), `baseline above zero: ${JSON.stringify(baselines)}`);
    const since = new Date().toISOString();
    // The block takes for one scanner only: its counter stops; the other keeps going (a path around the block).
    clearInterval(pump);
    pump = setInterval(() => exporter.hit(leaking, 5), 200);
    // Settle: longer than the query's window plus a scrape.
    await new Promise((r) => setTimeout(r, 7_000));
    const [ok, bad] = await Promise.all([
      acts.checkBlockEffect({ ip: blocked, since, baseline: baselines[0], sources: ['prometheus'] }),
      acts.checkBlockEffect({ ip: leaking, since, baseline: baselines[1], sources: ['prometheus'] }),
    ]);
    assert.equal(ok.outcome, 'effective', ok.summary);
    assert.equal(ok.sources[0].before, baselines[0].prometheus!.value, 'the baseline is recorded with the result');
    assert.ok(ok.sources[0].before! > 0);
    assert.equal(ok.sources[0].after, 0);
    assert.equal(ok.sources[0].query, `sum(increase(traefik_requests_by_client_total{client="${blocked}"}[4s]))`);
    assert.equal(bad.outcome, 'ineffective', bad.summary);
    assert.ok(bad.sources[0].after! > 0);
    assert.match(bad.summary, /prometheus: ineffective \(sum\(increase.*before the block [\d.]+, after [\d.]+/);
  });

  void test('an unreachable Prometheus is an error that does not vote, never a silent "effective"', async () => {
    const acts = createEffectActivities({ config: config({ policy: { verification: { effect: { prometheusUrl: 'http://127.0.0.1:9', timeoutSeconds: 1 } } } }) });
    const r = await acts.checkBlockEffect({ ip: blocked, since: new Date().toISOString(), baseline: { at: '', prometheus: { query: 'q', value: 40 } }, sources: ['prometheus'] });
    assert.equal(r.outcome, 'no_traffic');
    assert.equal(r.sources[0].outcome, 'error');
    assert.match(r.sources[0].evidence, /PromQL after the block failed/);
  });
});
