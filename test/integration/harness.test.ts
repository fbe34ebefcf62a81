import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv, uniqueQueue, workflowBundle } from '../helpers/temporal-env';
import { finishSignal, twoStep } from '../fixtures/harness-workflows';

describe('[dev-server] harness self-test', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createDevServerEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  test('a workflow survives a worker restart', async () => {
    const taskQueue = uniqueQueue();
    const steps: string[] = [];
    const bundle = await workflowBundle(require.resolve('../fixtures/harness-workflows'));
    const makeWorker = () =>
      Worker.create({
        connection: env.nativeConnection, taskQueue, workflowBundle: bundle,
        activities: { recordStep: async (s: string) => void steps.push(s) },
        maxCachedWorkflows: 0,
      });
    const handle = await env.client.workflow.start(twoStep, { taskQueue, workflowId: `two-step-${taskQueue}` });
    const first = await makeWorker();
    await first.runUntil(async () => {
      while (!steps.includes('before')) await new Promise((r) => setTimeout(r, 50));
    });
    // The first worker is gone; the workflow waits durably on the server.
    await handle.signal(finishSignal);
    const second = await makeWorker();
    assert.equal(await second.runUntil(handle.result()), 'done');
    assert.deepEqual(steps, ['before', 'after']);
  });
});
