// Issue 12, must-show 4: with the default configuration (no intel keys, mode review) and the shipped sample log that
// holds one plain secrets scan (no scanner user agent), the scheduled scan's first cycle opens a threat that waits
// for a human. Real dev server, the real worker wiring, the schedule firing on its own (no manual trigger).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { configSchema } from '../../domain/config';
import type { ThreatState } from '../../domain/threat-state';
import { ensureSchedules, ACCESS_LOG_SCAN_SCHEDULE_ID } from '../../runtime/schedules';
import { createWorkers } from '../../workers';
import { createDevServerEnv, uniqueQueue, workflowBundle } from '../helpers/temporal-env';

const PLAIN_SCAN_SAMPLE = path.resolve(__dirname, '../../config/samples/traefik-plain-secrets-scan.log');
const SCANNER = '91.92.243.65';

void describe('[dev-server] detection calibrated to the default policy', () => {
  let env: TestWorkflowEnvironment;
  let dir: string;
  before(async () => {
    env = await createDevServerEnv();
    dir = await mkdtemp(path.join(os.tmpdir(), 'palisade-detect-review-'));
  });
  after(async () => {
    await env?.teardown();
    await rm(dir, { recursive: true, force: true });
  });

  void test('default config, sample log with one plain secrets scan → pending_review within one scan cycle', async () => {
    // Defaults everywhere except where this test's files and queues live.
    const config = configSchema.parse({
      dataDir: dir, temporal: { taskQueue: uniqueQueue('palisade'), enforceTaskQueue: uniqueQueue('enforce') },
      detection: { accessLog: { file: PLAIN_SCAN_SAMPLE } },
    });
    assert.equal(config.policy.mode, 'review');
    assert.equal(config.llm.provider, 'none');
    const workers = await createWorkers({
      config, connection: env.nativeConnection, client: env.client, logger: pino({ level: 'silent' }), workflowBundle: await workflowBundle(),
    });
    const running = workers.run();
    try {
      const started = Date.now();
      await ensureSchedules(env.client, config);
      const cycleMs = config.detection.scanEveryMinutes * 60_000;
      const threat = env.client.workflow.getHandle(`threat/${SCANNER}`);
      let state: ThreatState | undefined;
      while (Date.now() - started < cycleMs + 30_000) {
        state = await threat.query<ThreatState>('state').catch(() => undefined);
        if (state?.status === 'pending_review') break;
        await new Promise((r) => setTimeout(r, 500));
      }
      assert.equal(state?.status, 'pending_review', `status after one scan cycle: ${state?.status}`);
      assert.ok(Date.now() - started <= cycleMs + 30_000);
      const reasons = JSON.stringify(state);
      assert.match(reasons, /own observation: attack observed by a detector; feed reputation: not flagged/);
      assert.match(reasons, /secrets scan/);
      // Only the scanner: the legitimate traffic in the sample opened nothing.
      const runs = (await env.client.schedule.getHandle(ACCESS_LOG_SCAN_SCHEDULE_ID).describe()).info.recentActions;
      assert.ok(runs.length >= 1);
      await threat.terminate('test cleanup');
      await env.client.schedule.getHandle(ACCESS_LOG_SCAN_SCHEDULE_ID).delete();
    } finally {
      workers.shutdown();
      await running;
    }
  });
});
