// The rate governor under a burst, on the dev server: 40 concurrent requests are answered exactly once, the cap
// holds, and they travel in a few batched updates rather than 40 concurrent ones.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { GovernorClient } from '../../activities/governor-client';
import { governorStateQuery } from '../../workflows/messages';
import { createDevServerEnv, uniqueQueue, workflowBundle } from '../helpers/temporal-env';

describe('[dev-server] rate governor', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createDevServerEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  test('a burst of 40 auto requests against a cap of 5: exactly 5 granted, idempotent retries, batched updates', async () => {
    const taskQueue = uniqueQueue('governor');
    const workflowId = `governor-${taskQueue}`;
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle() });
    await worker.runUntil(async () => {
      const gov = new GovernorClient(env.client, taskQueue, workflowId);
      const req = (i: number) => ({ key: `threat/1.1.1.${i}#1`, ip: `1.1.1.${i}`, cap: 5, windowMinutes: 60 });
      const verdicts = await Promise.all(Array.from({ length: 40 }, (_, i) => gov.request({ kind: 'auto', request: req(i) })));
      assert.equal(verdicts.filter((v) => v.granted).length, 5);
      assert.ok(verdicts.every((v) => v.cap === 5));
      assert.ok(gov.updatesSent < 10, `${gov.updatesSent} updates for 40 requests`);
      // A retried activity asks again with the same key: same answer, nothing counted twice.
      const again = await Promise.all([0, 1, 2, 3, 4, 5, 6].map((i) => gov.request({ kind: 'auto', request: req(i) })));
      assert.deepEqual(again.map((v) => v.granted), verdicts.slice(0, 7).map((v) => v.granted));
      const human = await gov.request({ kind: 'human', request: req(99) });
      assert.equal(human.granted, true, 'a human approval is never refused');
      const state = await env.client.workflow.getHandle(workflowId).query(governorStateQuery);
      assert.equal(state.actions.filter((a) => a.granted).length, 6);
      await env.client.workflow.getHandle(workflowId).terminate('test finished');
    });
  });
});
