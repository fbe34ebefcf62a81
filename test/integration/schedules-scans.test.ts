import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv, uniqueQueue, workflowBundle } from '../helpers/temporal-env';
import { configSchema } from '../../domain/config';
import { createDetectionActivities, type AccessLogScanSummary, type IntelFeedPollSummary } from '../../activities/detection';
import type { LlmClient } from '../../activities/llm/types';
import { FakeElasticsearch } from '../fakes/elasticsearch';
import { startFakeIntelFeed } from '../fakes/intel-feed';
import { recordHistory } from '../helpers/histories';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const PROBES = ['/.env', '/.git/config', '/.git/HEAD', '/wp-config.php', '/config.xml', '/api/v1/secrets', '/backup.zip', '/db.sql'];

/** Stands in for the model: scripted answers in order. */
const scriptedModel = (answers: string[]): LlmClient => ({
  provider: 'scripted', model: 'scripted-1',
  async complete() {
    const text = answers.shift();
    if (text === undefined) throw new Error('no scripted answer left');
    return { text, promptTokens: 10, completionTokens: 5, provider: 'scripted', model: 'scripted-1', stopReason: 'stop', latencyMs: 1 };
  },
});

void describe('[dev-server] scan workflows: Elasticsearch with LLM follow-up, threat-intel feed poll', () => {
  let env: TestWorkflowEnvironment;
  let dir: string;
  const es = new FakeElasticsearch();
  before(async () => {
    env = await createDevServerEnv();
    dir = await mkdtemp(path.join(os.tmpdir(), 'palisade-scans-'));
    await es.start();
    es.index('logs-traefik.access-default', Array.from({ length: 64 }, (_, i) => ({
      '@timestamp': new Date(T0 + i * 800).toISOString(), source: { ip: '45.155.205.233' },
      http: { response: { status_code: 404 } }, url: { path: PROBES[i % PROBES.length] }, user_agent: { original: 'Mozilla/5.0' },
    })));
  });
  after(async () => {
    await es.stop();
    await env?.teardown();
    await rm(dir, { recursive: true, force: true });
  });

  void test('the requested follow-up queries and their verdicts are in the scan workflow history', async () => {
    const scanQueue = uniqueQueue('scans');
    const config = configSchema.parse({
      dataDir: dir, temporal: { taskQueue: uniqueQueue('threats') }, llm: { provider: 'none' },
      detection: { elasticsearch: { enabled: true, node: es.url, index: 'logs-traefik.access-*', fields: 'ecs', llmFollowUp: { enabled: true, maxTurns: 2 } } },
    });
    const llm = scriptedModel([
      JSON.stringify({ action: 'query', why: 'remove noise', search: { endpoint: '_delete_by_query', query: { term: { 'source.ip': '45.155.205.233' } } } }),
      JSON.stringify({ action: 'query', why: 'distinct paths', search: { size: 0, query: { term: { 'source.ip': '45.155.205.233' } }, aggs: { n: { cardinality: { field: 'url.path' } } } } }),
      JSON.stringify({ action: 'conclude', verdict: 'confirmed', reason: '8 distinct secret files probed 64 times in a minute' }),
    ]);
    const worker = await Worker.create({
      connection: env.nativeConnection, taskQueue: scanQueue, workflowBundle: await workflowBundle(require.resolve('../../workflows/scans')),
      activities: createDetectionActivities({ client: env.client, config, llm, now: () => T0 + 90_000 }),
    });
    const workflowId = uniqueQueue('es-scan');
    const summary = await worker.runUntil(env.client.workflow.execute('accessLogScanWorkflow', { taskQueue: scanQueue, workflowId })) as AccessLogScanSummary;
    assert.equal(summary.source, 'elasticsearch');
    assert.deepEqual(summary.sightings.map((s) => s.workflowId), ['threat/45.155.205.233']);
    const [fu] = summary.followUps;
    assert.deepEqual(fu.turns.map((t) => t.verdict), ['refused', 'executed']);
    assert.equal(fu.conclusion, 'confirmed');
    // The audit trail: the refused request, its reasons and the verdict are in the workflow's history.
    const history = JSON.stringify((await env.client.workflow.getHandle(workflowId).fetchHistory()).events);
    const payloads = [...history.matchAll(/"data":"([A-Za-z0-9+/=]+)"/g)].map((m) => Buffer.from(m[1], 'base64').toString('utf8'));
    const result = payloads.find((p) => p.includes('"followUps"'));
    assert.ok(result, 'the scan summary is recorded in history');
    assert.match(result!, /_delete_by_query/);
    assert.match(result!, /only read-only _search requests are allowed/);
    assert.match(result!, /"conclusion":"confirmed"/);
    assert.ok(es.requests.every((r) => r.path.endsWith('/_search')), 'nothing but searches reached Elasticsearch');
    await recordHistory(env.client, workflowId, 'elasticsearch-follow-up');
    const threat = env.client.workflow.getHandle('threat/45.155.205.233');
    await threat.terminate('test cleanup');
  });

  void test('the feed poll workflow submits each qualifying IP through signal-with-start', async () => {
    const feed = await startFakeIntelFeed({
      apiKey: 'feed-key',
      state: {
        inbound: [
          { ip: '45.155.205.99', composite_score: 96, known_bad: true, likely_false_positive: false },
          { ip: '45.155.205.98', composite_score: 40, known_bad: false, likely_false_positive: false },
        ],
        outbound: [], report: {},
      },
    });
    process.env.PALISADE_TEST_FEED_KEY = 'feed-key';
    try {
      const scanQueue = uniqueQueue('scans');
      const config = configSchema.parse({
        dataDir: dir, temporal: { taskQueue: uniqueQueue('threats') },
        intel: { feed: { enabled: true, baseUrl: feed.url, apiKey: { env: 'PALISADE_TEST_FEED_KEY' } } },
      });
      const worker = await Worker.create({
        connection: env.nativeConnection, taskQueue: scanQueue, workflowBundle: await workflowBundle(require.resolve('../../workflows/scans')),
        activities: createDetectionActivities({ client: env.client, config }),
      });
      const feedWorkflowId = uniqueQueue('feed');
      const summary = await worker.runUntil(env.client.workflow.execute('intelFeedPollWorkflow', { taskQueue: scanQueue, workflowId: feedWorkflowId })) as IntelFeedPollSummary;
      await recordHistory(env.client, feedWorkflowId, 'one-qualifying-ip');
      assert.equal(summary.listed, 2);
      assert.deepEqual(summary.sightings.map((s) => [s.ip, s.workflowId]), [['45.155.205.99', 'threat/45.155.205.99']]);
      await env.client.workflow.getHandle('threat/45.155.205.99').terminate('test cleanup');
    } finally {
      delete process.env.PALISADE_TEST_FEED_KEY;
      await feed.close();
    }
  });
});
