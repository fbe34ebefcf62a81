import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rename, rm, truncate, writeFile, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { configSchema } from '../../domain/config';
import { scanTraefikFile, type FileSourceOptions } from '../../activities/detection/file-source';
import { SAMPLE_ACCESS_LOG } from '../../activities/detection';
import type { BehaviourFinding } from '../../domain/detection/engine';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv, uniqueQueue, workflowBundle } from '../helpers/temporal-env';
import { createDetectionActivities, type AccessLogScanSummary } from '../../activities/detection';
import { ACCESS_LOG_SCAN_SCHEDULE_ID, ensureSchedules } from '../../runtime/schedules';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const config = configSchema.parse({});
const PROBES = ['/.env', '/.git/config', '/.git/HEAD', '/wp-config.php', '/config.xml', '/api/v1/secrets', '/backup.zip', '/db.sql'];

const line = (t: number, client: string, p: string, status: number, ua = 'Mozilla/5.0') => JSON.stringify({
  ClientAddr: client.includes(':') ? `[${client}]:40000` : `${client}:40000`, ClientHost: client, DownstreamStatus: status, RequestMethod: 'GET', RequestPath: p,
  RequestHost: 'shop.example.com', RouterName: 'shop@kubernetescrd', StartUTC: new Date(t).toISOString(), 'request_User-Agent': ua, level: 'info', msg: '',
}) + '\n';

const probes = (n: number, client: string, start: number, spacing = 500) =>
  Array.from({ length: n }, (_, i) => line(start + i * spacing, client, PROBES[i % PROBES.length], 404)).join('');

void describe('[file] Traefik access-log file source (tail -F semantics)', () => {
  let dir: string;
  let file: string;
  const delivered: BehaviourFinding[] = [];
  const opts = (): FileSourceOptions => ({
    file, dataDir: path.join(dir, 'data'), detector: config.detection.detector, clientField: 'ClientHost', format: 'auto',
    maxBytesPerRun: 64 * 1024 * 1024, maxLineBytes: 4096,
  });
  // The secrets-scan findings (the probes below are few distinct paths: no other behaviour triggers).
  const run = () => scanTraefikFile(opts(), async (f) => void delivered.push(...f.filter((x) => x.behaviour === 'secrets-scan')));

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'palisade-file-'));
    file = path.join(dir, 'access.log');
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  void test('a missing file is not an error; reading starts when it appears', async () => {
    const r = await run();
    assert.equal(r.stats.missing, true);
    await writeFile(file, line(T0, '81.2.69.160', '/login', 401));
    const r2 = await run();
    assert.equal(r2.stats.lines, 1);
  });

  void test('appended lines are read once; a partial last line waits for its newline', async () => {
    const half = probes(30, '45.155.205.233', T0 + 1000);
    const partial = line(T0 + 16_000, '45.155.205.233', '/.env', 404);
    await appendFile(file, half + partial.slice(0, 40));
    const r = await run();
    assert.equal(r.stats.lines, 30);
    assert.equal(r.stats.pendingBytes, 40);
    assert.equal(delivered.length, 0, '30 hits are below the threshold');
    // The rest of the partial line plus more probes in the same minute: now above 50.
    await appendFile(file, partial.slice(40) + probes(25, '45.155.205.233', T0 + 17_000));
    const r2 = await run();
    assert.equal(r2.stats.lines, 26);
    assert.equal(r2.stats.malformed, 0, 'the joined partial line parses');
    assert.deepEqual(delivered.map((f) => [f.ip, f.tally.requests]), [['45.155.205.233', 56]]);
    // Nothing new: nothing read, nothing reported again.
    const r3 = await run();
    assert.equal(r3.stats.lines, 0);
    assert.equal(delivered.length, 1);
  });

  void test('malformed and over-long lines are counted and skipped', async () => {
    await appendFile(file, '{"broken": \n' + 'plain text line\n' + '{"ClientHost":"x"}\n' + `{"pad":"${'x'.repeat(10_000)}"}\n` + line(T0 + 30_000, '81.2.69.160', '/', 200));
    const r = await run();
    assert.equal(r.stats.malformed, 4);
    assert.equal(r.stats.malformedReasons['line too long'], 1);
    assert.equal(r.stats.malformedReasons['invalid JSON'], 1);
    assert.equal(r.stats.records, 1);
  });

  void test('rotation by rename: the rest of the old file is read, then the new file from the start', async () => {
    delivered.length = 0;
    // A second scanner starts in the old file, the log rotates mid-scan, and it continues in the new file.
    await appendFile(file, probes(30, '45.155.205.234', T0 + 120_000, 200));
    await rename(file, `${file}.1`);
    await writeFile(file, probes(30, '45.155.205.234', T0 + 126_000, 200));
    const r = await run();
    assert.equal(r.stats.rotated, true);
    assert.equal(r.stats.lines, 60);
    assert.deepEqual(delivered.map((f) => [f.ip, f.tally.requests]), [['45.155.205.234', 60]]);
  });

  void test('truncation (copytruncate): reading restarts at offset 0', async () => {
    delivered.length = 0;
    await truncate(file, 0);
    await writeFile(file, probes(55, '45.155.205.235', T0 + 300_000, 100));
    const r = await run();
    assert.equal(r.stats.truncated, true);
    assert.equal(r.stats.lines, 55);
    assert.deepEqual(delivered.map((f) => f.ip), ['45.155.205.235']);
  });

  void test('a failed delivery commits nothing: the same lines are read and reported again', async () => {
    delivered.length = 0;
    await appendFile(file, probes(60, '2a01:4f8::bad', T0 + 600_000, 100));
    await assert.rejects(scanTraefikFile(opts(), async () => { throw new Error('Temporal unavailable'); }), /Temporal unavailable/);
    const r = await run();
    assert.equal(r.stats.lines, 60);
    assert.deepEqual(delivered.map((f) => f.ip), ['2a01:4f8::bad']);
  });

  void test('the shipped sample: one clear scan, no alarm for the legitimate login 401s', async () => {
    const text = await readFile(SAMPLE_ACCESS_LOG, 'utf8');
    const sampleDelivered: BehaviourFinding[] = [];
    const r = await scanTraefikFile({ ...opts(), file: SAMPLE_ACCESS_LOG }, async (f) => void sampleDelivered.push(...f));
    assert.equal(r.stats.lines, text.split('\n').filter((l) => l.length > 0).length);
    assert.deepEqual([...new Set(sampleDelivered.filter((f) => f.confirmed).map((f) => f.ip))], ['45.155.205.233']);
    assert.ok(sampleDelivered.every((f) => f.confirmed || f.score < 80), 'nothing else reaches the analyse bar');
    assert.ok(Math.max(...sampleDelivered.map((f) => f.score)) >= 80);
    assert.ok(r.stats.malformed >= 1, 'the sample includes a malformed line');
  });
});

void describe('[dev-server] scheduled access-log scan → threat/<ip> sightings', () => {
  let env: TestWorkflowEnvironment;
  let dir: string;
  before(async () => {
    env = await createDevServerEnv();
    dir = await mkdtemp(path.join(os.tmpdir(), 'palisade-scan-'));
  });
  after(async () => {
    await env?.teardown();
    await rm(dir, { recursive: true, force: true });
  });

  void test('the schedule runs accessLogScanWorkflow, which submits the sample scanner once and records the summary', async () => {
    const scanQueue = uniqueQueue('scans');
    const threatQueue = uniqueQueue('threats');
    const scheduleConfig = configSchema.parse({ dataDir: dir, temporal: { taskQueue: scanQueue } });
    // Sightings go to a queue no worker serves here: this test is about the scan, not the threat workflow.
    const activityConfig = configSchema.parse({ dataDir: dir, temporal: { taskQueue: threatQueue } });
    const worker = await Worker.create({
      connection: env.nativeConnection, taskQueue: scanQueue, workflowBundle: await workflowBundle(require.resolve('../../workflows/scans')),
      activities: createDetectionActivities({ client: env.client, config: activityConfig }),
    });
    await worker.runUntil(async () => {
      const report = await ensureSchedules(env.client, scheduleConfig);
      assert.equal(report.schedules.find((s) => s.scheduleId === ACCESS_LOG_SCAN_SCHEDULE_ID)?.change, 'created');
      const schedule = env.client.schedule.getHandle(ACCESS_LOG_SCAN_SCHEDULE_ID);
      await schedule.trigger();
      const runs = async () => (await schedule.describe()).info.recentActions;
      let actions = await runs();
      for (let i = 0; i < 300 && actions.length === 0; i++) {
        await new Promise((r) => setTimeout(r, 100));
        actions = await runs();
      }
      assert.equal(actions.length, 1);
      const wf = env.client.workflow.getHandle(actions[0].action.workflow.workflowId, actions[0].action.workflow.firstExecutionRunId);
      const summary = (await wf.result()) as AccessLogScanSummary;
      assert.equal(summary.source, 'traefik-file');
      assert.match(summary.note ?? '', /shipped sample/);
      assert.deepEqual(summary.sightings.map((s) => [s.ip, s.workflowId]), [['45.155.205.233', 'threat/45.155.205.233']]);
      assert.ok(summary.file!.malformed >= 1);
      const threat = env.client.workflow.getHandle('threat/45.155.205.233');
      const desc = await threat.describe();
      assert.equal(desc.taskQueue, threatQueue);
      // A second run reads nothing new and submits nothing (cursor under dataDir).
      const again = await env.client.workflow.execute('accessLogScanWorkflow', { taskQueue: scanQueue, workflowId: uniqueQueue('scan-again') }) as AccessLogScanSummary;
      assert.equal(again.sightings.length, 0);
      assert.equal(again.file!.lines, 0);
      await threat.terminate('test cleanup');
      await schedule.delete();
    });
  });
});
