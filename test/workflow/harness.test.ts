import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createTimeSkippingEnv, uniqueQueue, workflowBundle } from '../helpers/temporal-env';
import { sleepDays } from '../fixtures/harness-workflows';

describe('[time-skipping] harness self-test', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createTimeSkippingEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  test('a 30-day durable timer completes in seconds of wall time', async () => {
    const taskQueue = uniqueQueue();
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowBundle: await workflowBundle(require.resolve('../fixtures/harness-workflows')),
    });
    const started = Date.now();
    const before = await env.currentTimeMs();
    const result = await worker.runUntil(env.client.workflow.execute(sleepDays, { args: [30], taskQueue, workflowId: `sleep-${taskQueue}` }));
    const skipped = (await env.currentTimeMs()) - before;
    assert.equal(result, 'slept 30 days');
    assert.ok(skipped >= 30 * 86_400_000, `server clock advanced ${skipped} ms`);
    assert.ok(Date.now() - started < 30_000, 'took under 30 s of wall time');
  });
});
