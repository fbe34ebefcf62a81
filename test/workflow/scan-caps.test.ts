// Finding 5 (IPv6 rotation): a scan run whose caps (detection.caps) bite says so in its own history, on the
// time-skipping server with the real detection activities reading a Traefik JSON access log.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createDetectionActivities, type AccessLogScanSummary } from '../../activities/detection';
import { configSchema } from '../../domain/config';
import { createTimeSkippingEnv, uniqueQueue, workflowBundle } from '../helpers/temporal-env';

void describe('[time-skipping] scan caps', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  void test('a scan run whose caps bite records it in its history', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'palisade-caps-'));
    try {
      const t0 = Date.parse('2026-11-26T10:00:00Z');
      const lines: string[] = [];
      // Five /64s of one /48 probing secrets, 60 requests each inside one minute.
      for (let n = 0; n < 5; n++) {
        for (let i = 0; i < 60; i++) {
          lines.push(JSON.stringify({
            ClientHost: `2a01:4f8:10:${n + 1}::1`, DownstreamStatus: 404, RequestPath: ['/.env', '/.git/config', '/wp-config.php'][i % 3],
            'request_User-Agent': 'Mozilla/5.0', StartUTC: new Date(t0 + i * 500).toISOString(),
          }));
        }
      }
      const file = path.join(dir, 'access.log');
      await writeFile(file, `${lines.join('\n')}\n`);
      const threatQueue = uniqueQueue('threats');
      const config = configSchema.parse({
        dataDir: dir, temporal: { taskQueue: threatQueue }, llm: { provider: 'none' },
        detection: { accessLog: { file }, caps: { maxThreatsPerPrefix: 2 } },
      });
      const scanQueue = uniqueQueue('scans');
      const worker = await Worker.create({
        connection: env.nativeConnection, taskQueue: scanQueue, workflowBundle: await workflowBundle(require.resolve('../../workflows/scans')),
        activities: createDetectionActivities({ client: env.client, config, now: () => t0 + 10 * 60_000 }),
      });
      const workflowId = uniqueQueue('scan');
      const summary = await worker.runUntil(env.client.workflow.execute('accessLogScanWorkflow', { taskQueue: scanQueue, workflowId })) as AccessLogScanSummary;
      const submitted = new Set(summary.sightings.filter((s) => s.workflowId).map((s) => s.workflowId));
      assert.equal(submitted.size, 2, [...submitted].join(', '));
      assert.ok(summary.sightings.some((s) => s.capped?.startsWith('prefix cap: 2 threats per 2a01:4f8:10::/48')));
      assert.match(summary.cap!.note, /3 threat\(s\) over the per-prefix cap/);
      const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
      const modified = history.events!.find((e) => e.workflowPropertiesModifiedEventAttributes);
      assert.ok(modified, 'the cap is an explicit entry in the scan workflow history');
      const memo = modified!.workflowPropertiesModifiedEventAttributes!.upsertedMemo!.fields!.scanCap!;
      assert.match(Buffer.from(memo.data!).toString('utf8'), /over the per-prefix cap/);
      for (const id of submitted) await env.client.workflow.getHandle(id!).terminate('test cleanup').catch(() => undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
