import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { FakeElasticsearch } from '../../fakes/elasticsearch';
import { configSchema } from '../../../domain/config';
import { createEsClient, scanElasticsearch } from '../../../activities/detection/elasticsearch-source';
import { runFollowUp } from '../../../activities/detection/follow-up';
import type { Finding } from '../../../domain/detection/detector';
import type { LlmClient, LlmRequest } from '../../../activities/llm/types';
import { resolveMapping } from '../../../domain/detection/es-aggregation';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const PROBES = ['/.env', '/.git/config', '/.git/HEAD', '/wp-config.php', '/config.xml', '/api/v1/secrets', '/backup.zip', '/db.sql',
  '/.aws/credentials', '/.npmrc', '/.docker/config.json', '/%2e%65nv', '/static/../.git/index'];

const ecsDoc = (t: number, o: { src: string; fwd?: string; path: string; status: number; ua: string }) => ({
  '@timestamp': new Date(t).toISOString(),
  source: { ip: o.src, address: o.src },
  ...(o.fwd ? { network: { forwarded_ip: o.fwd } } : {}),
  http: { request: { method: 'GET' }, response: { status_code: o.status } },
  url: { path: o.path, original: `https://shop.example.com${o.path}` },
  user_agent: { original: o.ua },
  event: { dataset: 'traefik.access' },
});

const rawDoc = (t: number, o: { clientHost: string; addr?: string; path: string; status: number; ua: string }) => ({
  StartUTC: new Date(t).toISOString(), ClientHost: o.clientHost, ClientAddr: o.addr ?? '10.0.0.5:41234', DownstreamStatus: o.status,
  RequestPath: o.path, RequestMethod: 'GET', RouterName: 'shop@kubernetescrd', 'request_User-Agent': o.ua,
});

/** Stands in for the model: answers with the scripted texts in order and records the prompts it saw. */
function scriptedModel(answers: string[]): LlmClient & { prompts: LlmRequest[] } {
  const prompts: LlmRequest[] = [];
  return {
    provider: 'scripted', model: 'scripted-1', prompts,
    async complete(req) {
      prompts.push(req);
      const text = answers.shift();
      if (text === undefined) throw new Error('no more scripted answers');
      return { text, promptTokens: 10, completionTokens: 5, provider: 'scripted', model: 'scripted-1', stopReason: 'stop', latencyMs: 1 };
    },
  };
}

void describe('Elasticsearch source through the real @elastic/elasticsearch client', () => {
  const fake = new FakeElasticsearch();
  let dataDir: string;
  before(async () => {
    await fake.start();
    // ECS: a scanner behind the load balancer (forwarded_ip), a gitleaks run direct over IPv6, legitimate login 401s.
    fake.index('traefik-ecs-2026.11.22', [
      ...Array.from({ length: 70 }, (_, i) => ecsDoc(T0 + i * 700, { src: '10.0.0.7', fwd: '45.155.205.233', path: PROBES[i % PROBES.length], status: [404, 403, 401][i % 3], ua: 'Mozilla/5.0' })),
      ...Array.from({ length: 6 }, (_, i) => ecsDoc(T0 + i * 5000, { src: '2a01:4f8::bad', path: PROBES[i], status: 404, ua: 'gitleaks/8.18.0' })),
      ...Array.from({ length: 120 }, (_, i) => ecsDoc(T0 + i * 400, { src: '81.2.69.160', path: '/login', status: 401, ua: 'Mozilla/5.0' })),
      ...Array.from({ length: 200 }, (_, i) => ecsDoc(T0 + i * 300, { src: '81.2.69.161', path: '/index.html', status: 200, ua: 'Mozilla/5.0' })),
      // A LAN client that is no proxy frames a victim through forwarded_ip.
      ...Array.from({ length: 60 }, (_, i) => ecsDoc(T0 + i * 700, { src: '192.168.1.50', fwd: '81.2.69.170', path: PROBES[i % PROBES.length], status: 404, ua: 'Mozilla/5.0' })),
    ]);
    fake.index('traefik-raw-2026.11.22', [
      ...Array.from({ length: 60 }, (_, i) => rawDoc(T0 + i * 900, { clientHost: '1.1.1.1, 45.155.205.240, 10.0.0.5', path: PROBES[i % PROBES.length], status: 404, ua: 'Nuclei - Open-source project' })),
      ...Array.from({ length: 90 }, (_, i) => rawDoc(T0 + i * 500, { clientHost: '81.2.69.160', path: '/api/auth/login', status: 401, ua: 'Mozilla/5.0' })),
      // A LAN client (no proxy) sending X-Forwarded-For: a victim; Traefik logs the header as ClientHost.
      ...Array.from({ length: 60 }, (_, i) => rawDoc(T0 + i * 900, { clientHost: '81.2.69.171', addr: `192.168.1.50:${40000 + i}`, path: PROBES[i % PROBES.length], status: 404, ua: 'Mozilla/5.0' })),
    ]);
  });
  after(async () => {
    await fake.stop();
  });
  beforeEach(async () => {
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'palisade-es-'));
  });

  const configFor = (fields: 'ecs' | 'traefik-json', index: string, trustedProxies = ['10.0.0.0/24']) => configSchema.parse({
    detection: { detector: { trustedProxies }, elasticsearch: { enabled: true, node: fake.url, index, fields, ingestLagSeconds: 120, initialLookbackMinutes: 10 } },
  });

  void test('ECS field names: the aggregation finds the forwarded scanner and the low-rate gitleaks run, not the logins', async () => {
    const config = configFor('ecs', 'traefik-ecs-*');
    const es = await createEsClient(config.detection.elasticsearch, async () => undefined);
    const run = (now: number) => scanElasticsearch({ es, config: config.detection.elasticsearch, detector: config.detection.detector, dataDir, now: () => now }, async () => undefined);
    const first = await run(T0 + 90_000);
    // The load balancer 10.0.0.7 is trusted; 192.168.1.50 is not, so its forwarded_ip (a victim) is not believed.
    assert.deepEqual(first.findings.map((f) => f.tally.ip).sort(), ['192.168.1.50', '2a01:4f8::bad', '45.155.205.233']);
    const scan = first.findings.find((f) => f.tally.ip === '45.155.205.233')!;
    assert.equal(scan.tally.sensitiveHits, 70);
    assert.ok('/.env' in scan.tally.paths && '/.git/index' in scan.tally.paths, 'bucket keys are normalised (/%2e%65nv, /static/../.git/index)');
    // The request really was an aggregation with the ECS fields, forwarded_ip split from source.ip.
    const req = fake.requests.at(-1)!;
    assert.equal(req.method, 'POST');
    assert.match(req.path, /^\/traefik-ecs-\*\/_search$/);
    assert.equal(req.body.size, 0);
    assert.equal(req.body.aggs.forwarded.aggs.by_ip.terms.field, 'network.forwarded_ip');
    assert.equal(req.body.aggs.direct.aggs.by_ip.terms.field, 'source.ip');
    assert.equal(req.body.aggs.direct.aggs.by_ip.aggs.windows.date_histogram.fixed_interval, '60s');
    assert.deepEqual(req.body.query.bool.filter[1], { terms: { 'http.response.status_code': [401, 403, 404] } });

    // The next run overlaps (windows younger than the ingest lag are queried again) but reports nothing twice.
    const second = await run(T0 + 120_000);
    assert.equal(second.findings.length, 0);
    assert.equal(second.stats.alreadyReported, 3);
    assert.equal(first.stats.watermark, new Date(T0 - 60_000).toISOString(), 'windows within the ingest lag stay open');
    assert.equal(fake.requests.at(-1)!.body.query.bool.filter[0].range['@timestamp'].gte, first.stats.watermark);

    // A late-ingested scan inside the overlap is still found, once.
    fake.index('traefik-ecs-2026.11.22', Array.from({ length: 8 }, (_, i) => ecsDoc(T0 + 60_000 + i * 1000, { src: '45.155.205.77', path: PROBES[i], status: 403, ua: 'trufflehog' })));
    const third = await run(T0 + 150_000);
    assert.deepEqual(third.findings.map((f) => f.tally.ip), ['45.155.205.77']);
    // Once the watermark passes the windows, they are never queried again.
    const fourth = await run(T0 + 20 * 60_000);
    assert.equal(fourth.findings.length, 0);
    assert.ok(Date.parse(fourth.stats.watermark) > T0 + 10 * 60_000);
    assert.ok(fake.requests.every((r) => r.method === 'POST' && r.path.endsWith('/_search')), 'only searches were sent');
  });

  void test('raw Traefik JSON field names: .keyword fields, ClientHost X-Forwarded-For list resolved client-side', async () => {
    const config = configFor('traefik-json', 'traefik-raw-*');
    const es = await createEsClient(config.detection.elasticsearch, async () => undefined);
    const { findings } = await scanElasticsearch({ es, config: config.detection.elasticsearch, detector: config.detection.detector, dataDir, now: () => T0 + 5 * 60_000 }, async () => undefined);
    assert.deepEqual(findings.map((f) => f.tally.ip).sort(), ['192.168.1.50', '45.155.205.240']);
    assert.deepEqual(findings.find((f) => f.tally.ip === '45.155.205.240')!.tally.scannerAgents, ['nuclei']);
    const req = fake.requests.at(-1)!;
    assert.equal(req.body.aggs.direct.aggs.by_ip.terms.field, 'ClientHost.keyword');
    assert.equal(req.body.aggs.direct.aggs.by_ip.aggs.windows.aggs.paths.terms.field, 'RequestPath.keyword');
    assert.ok(req.body.query.bool.filter[0].range.StartUTC);
    assert.deepEqual(req.body.aggs.forwarded.filter.bool.should, [{ prefix: { 'ClientAddr.keyword': '10.0.0.' } }]);
  });

  void test('no trusted proxies: every forwarded address is ignored, the direct peer is the client (ECS and raw Traefik)', async () => {
    for (const [fields, index] of [['ecs', 'traefik-ecs-*'], ['traefik-json', 'traefik-raw-*']] as const) {
      const config = configFor(fields, index, []);
      const es = await createEsClient(config.detection.elasticsearch, async () => undefined);
      const { findings } = await scanElasticsearch({ es, config: config.detection.elasticsearch, detector: config.detection.detector, dataDir: await mkdtemp(path.join(os.tmpdir(), 'palisade-es-')), now: () => T0 + 5 * 60_000 }, async () => undefined);
      const ips = findings.map((f) => f.tally.ip);
      assert.ok(!ips.some((ip) => ['45.155.205.233', '45.155.205.240', '81.2.69.170', '81.2.69.171'].includes(ip)), `${fields}: ${ips.join()}`);
      assert.ok(ips.includes('192.168.1.50') && ips.includes(fields === 'ecs' ? '10.0.0.7' : '10.0.0.5'), `${fields}: ${ips.join()}`);
      assert.equal(fake.requests.at(-1)!.body.aggs.forwarded, undefined);
    }
  });

  void test('state is not committed when delivery fails: the next run reports the same finding again', async () => {
    const config = configFor('ecs', 'traefik-ecs-*');
    const es = await createEsClient(config.detection.elasticsearch, async () => undefined);
    const opts = { es, config: config.detection.elasticsearch, detector: config.detection.detector, dataDir, now: () => T0 + 3 * 60_000 };
    await assert.rejects(scanElasticsearch(opts, async () => { throw new Error('Temporal unavailable'); }), /Temporal unavailable/);
    const again = await scanElasticsearch(opts, async () => undefined);
    assert.equal(again.findings.length >= 2, true);
  });

  void describe('LLM follow-up queries', () => {
    let finding: Finding;
    before(async () => {
      const config = configFor('ecs', 'traefik-ecs-*');
      const es = await createEsClient(config.detection.elasticsearch, async () => undefined);
      const { findings } = await scanElasticsearch({ es, config: config.detection.elasticsearch, detector: config.detection.detector, dataDir: await mkdtemp(path.join(os.tmpdir(), 'palisade-es-')), now: () => T0 + 3 * 60_000 }, async () => undefined);
      finding = findings.find((f) => f.tally.ip === '45.155.205.233')!;
    });

    void test('writes, deletes, a wider index and a wider time range are refused and recorded; nothing reaches Elasticsearch', async () => {
      const config = configFor('ecs', 'traefik-ecs-*');
      const es = await createEsClient(config.detection.elasticsearch, async () => undefined);
      const before = fake.requests.length;
      const model = scriptedModel([
        JSON.stringify({ action: 'query', why: 'clean up', search: { endpoint: '_delete_by_query', query: { term: { 'source.ip': '45.155.205.233' } } } }),
        JSON.stringify({ action: 'query', why: 'tag it', search: { method: 'POST', path: '/traefik-ecs-*/_update/1', doc: { tag: 'x' } } }),
        JSON.stringify({ action: 'query', why: 'all indices', search: { index: '*', query: { term: { 'source.ip': '45.155.205.233' } } } }),
        JSON.stringify({ action: 'query', why: 'last month', search: { query: { range: { '@timestamp': { gte: '2026-10-01T00:00:00Z' } } } } }),
        '```json\n{"action":"conclude","verdict":"inconclusive","reason":"could not query"}\n```',
      ]);
      const report = await runFollowUp({ llm: model, es, index: 'traefik-ecs-*', mapping: resolveMapping('ecs'), finding, maxTurns: 4, maxResultSize: 50, lookbackMinutes: 60, timeoutMs: 1000, maxTokens: 300 });
      assert.equal(fake.requests.length, before, 'no refused query was sent');
      assert.deepEqual(report.turns.map((t) => t.verdict), ['refused', 'refused', 'refused', 'refused']);
      assert.match(report.turns[0].reasons.join(), /read-only _search/);
      assert.match(report.turns[1].reasons.join(), /read-only _search/);
      assert.match(report.turns[2].reasons.join(), /index "\*" is refused/);
      assert.match(report.turns[3].reasons.join(), /outside the allowed time range/);
      assert.match(report.turns[0].requested, /_delete_by_query/);
      assert.equal(report.conclusion, 'inconclusive');
      // The model was told each refusal.
      assert.match(model.prompts[1].user, /REFUSED/);
      assert.match(model.prompts[0].user, /<<<BEGIN UNTRUSTED paths>>>/);
    });

    void test('an allowed query runs confined to the index and time range, then the model confirms', async () => {
      const config = configFor('ecs', 'traefik-ecs-*');
      const es = await createEsClient(config.detection.elasticsearch, async () => undefined);
      const model = scriptedModel([
        JSON.stringify({ action: 'query', why: 'paths per minute', search: { size: 0, query: { term: { 'network.forwarded_ip': '45.155.205.233' } }, aggs: { per_minute: { date_histogram: { field: '@timestamp', fixed_interval: '1m' }, aggs: { paths: { cardinality: { field: 'url.path' } } } } } } }),
        JSON.stringify({ action: 'conclude', verdict: 'confirmed', reason: '70 probes of 13 secret files in one minute' }),
      ]);
      const report = await runFollowUp({ llm: model, es, index: 'traefik-ecs-*', mapping: resolveMapping('ecs'), finding, maxTurns: 3, maxResultSize: 50, lookbackMinutes: 60, timeoutMs: 1000, maxTokens: 300 });
      assert.equal(report.conclusion, 'confirmed');
      assert.equal(report.turns[0].verdict, 'executed');
      assert.match(report.turns[0].resultSummary!, /"total":70/);
      const sent = fake.requests.at(-1)!;
      assert.equal(sent.path, '/traefik-ecs-*/_search');
      assert.deepEqual(Object.keys(sent.body.query.bool.filter[0].range), ['@timestamp']);
      assert.equal(sent.body.query.bool.filter[0].range['@timestamp'].lte, new Date(finding.tally.windowEndMs).toISOString());
    });

    void test('the turn cap holds and an unusable answer ends the conversation with a recorded reason', async () => {
      const config = configFor('ecs', 'traefik-ecs-*');
      const es = await createEsClient(config.detection.elasticsearch, async () => undefined);
      const q = JSON.stringify({ action: 'query', search: { size: 1, query: { exists: { field: 'url.path' } } } });
      const capped = await runFollowUp({ llm: scriptedModel([q, q, q]), es, index: 'traefik-ecs-*', mapping: resolveMapping('ecs'), finding, maxTurns: 2, maxResultSize: 5, lookbackMinutes: 60, timeoutMs: 1000, maxTokens: 300 });
      assert.deepEqual(capped.turns.map((t) => t.verdict), ['executed', 'executed', 'refused']);
      assert.match(capped.turns[2].reasons[0], /turn limit/);
      const garbage = await runFollowUp({ llm: scriptedModel(['I think it is fine']), es, index: 'traefik-ecs-*', mapping: resolveMapping('ecs'), finding, maxTurns: 2, maxResultSize: 5, lookbackMinutes: 60, timeoutMs: 1000, maxTokens: 300 });
      assert.equal(garbage.conclusion, 'llm_failed');
    });
  });
});
