// Issue 11, finding 1 end to end: a client on the LAN sends secrets probes with a forged X-Forwarded-For naming a
// victim. The real scan workflow reads the Traefik access log and hands its finding to the real threat workflow.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv, uniqueQueue, workflowBundle } from '../helpers/temporal-env';
import { threatHarness } from '../helpers/threat-harness';
import { configSchema } from '../../domain/config';
import { createDetectionActivities, type AccessLogScanSummary } from '../../activities/detection';

const PROBES = ['/.env', '/.git/config', '/.git/HEAD', '/wp-config.php', '/config.xml', '/api/v1/secrets', '/backup.zip', '/db.sql'];
const LAN_CLIENT = '10.0.0.9';
const VICTIM = '81.2.69.160';

/** Traefik JSON lines as Traefik writes them when the request carried X-Forwarded-For: ClientHost is the header. */
const spoofedScan = (start: number) => Array.from({ length: 60 }, (_, i) => JSON.stringify({
  ClientAddr: `${LAN_CLIENT}:${40000 + i}`, ClientHost: VICTIM, ClientPort: String(40000 + i), DownstreamStatus: 404,
  RequestMethod: 'GET', RequestPath: PROBES[i % PROBES.length], RequestHost: 'shop.example.com', RouterName: 'shop@kubernetescrd',
  StartUTC: new Date(start + i * 200).toISOString(), 'request_User-Agent': 'Mozilla/5.0', 'request_X-Forwarded-For': VICTIM,
})).join('\n') + '\n';

void describe('[dev-server] X-Forwarded-For framing: scan workflow → threat workflow', () => {
  let env: TestWorkflowEnvironment;
  let threatBundle: WorkflowBundleWithSourceMap;
  let scanBundle: WorkflowBundleWithSourceMap;
  let dir: string;
  // Inside one detector window (60 s, aligned), long closed.
  const start = Math.floor((Date.now() - 10 * 60_000) / 60_000) * 60_000 + 1000;
  before(async () => {
    env = await createDevServerEnv();
    [threatBundle, scanBundle] = await Promise.all([workflowBundle(), workflowBundle(require.resolve('../../workflows/scans'))]);
    dir = await mkdtemp(path.join(os.tmpdir(), 'palisade-xff-'));
    await writeFile(path.join(dir, 'access.log'), spoofedScan(start));
  });
  after(async () => {
    await env?.teardown();
    await rm(dir, { recursive: true, force: true });
  });

  /** One scan run over the spoofed log with these trusted proxies; its threat workflows run on the harness. */
  async function scanWith(trustedProxies: string[], expectIp: string) {
    const h = threatHarness(env, threatBundle);
    // The harness's own config (queues, memory enforcer), with the detection settings under test.
    const detection = configSchema.parse({ detection: { detector: { trustedProxies }, accessLog: { file: path.join(dir, 'access.log') } } }).detection;
    const config = { ...h.config, dataDir: path.join(dir, `data-${trustedProxies.length}`), detection };
    const scanQueue = uniqueQueue('scans');
    const worker = await Worker.create({
      connection: env.nativeConnection, taskQueue: scanQueue, workflowBundle: scanBundle, activities: createDetectionActivities({ client: env.client, config }),
    });
    return h.run(() => worker.runUntil(async () => {
      const summary = await env.client.workflow.execute('accessLogScanWorkflow', { taskQueue: scanQueue, workflowId: uniqueQueue('scan') }) as AccessLogScanSummary;
      const state = await h.waitFor(expectIp, (s) => s.outcome !== undefined || s.status === 'pending_review', 'a decision');
      return { summary, state };
    }));
  }

  void test('no trusted proxies: the private client is flagged (never blocked, private range), not the forwarded victim', async () => {
    const { summary, state } = await scanWith([], LAN_CLIENT);
    assert.deepEqual(summary.sightings.map((s) => [s.ip, s.workflowId]), [[LAN_CLIENT, `threat/${LAN_CLIENT}`]]);
    assert.equal(state.outcome, 'skipped_never_block');
    // The reason is recorded with the outcome (timeline / decision), naming the private range.
    assert.match(JSON.stringify([state.decision, state.timeline]), /never block.*private/i);
    assert.equal(state.block, undefined);
    await assert.rejects(env.client.workflow.getHandle(`threat/${VICTIM}`).describe(), /not found/i, 'no case was opened for the victim');
  });

  void test('the proxy configured as trusted: the forwarded public address is flagged', async () => {
    const { summary, state } = await scanWith([`${LAN_CLIENT}/32`], VICTIM);
    assert.deepEqual(summary.sightings.map((s) => [s.ip, s.workflowId]), [[VICTIM, `threat/${VICTIM}`]]);
    assert.equal(state.ip, VICTIM);
    assert.ok(state.evidence.sightingCount >= 1);
  });
});
