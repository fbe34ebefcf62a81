// Durability on the real dev server (SQLite persistence, real clock): the repeat-offender count survives
// continue-as-new and a worker restart, and a SIGKILLed worker does not stop a block from being lifted on time.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createEnforcementActivities } from '../../activities/enforcement';
import { decideUpdate, holdUpdate } from '../../workflows/messages';
import { createDevServerEnv, workflowBundle } from '../helpers/temporal-env';
import { threatHarness } from '../helpers/threat-harness';

describe('[dev-server] threat workflow durability', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  before(async () => {
    env = await createDevServerEnv();
    bundle = await workflowBundle();
  });
  after(async () => {
    await env?.teardown();
  });

  test('an IP with an earlier block gets the escalated duration; the count survives continue-as-new and a worker restart', async () => {
    const h = threatHarness(env, bundle, { config: { policy: { mode: 'review', dryRun: false } } });
    const ip = '45.155.207.8';
    const firstRun = await h.run(async () => {
      const handle = await h.sight(ip, { score: 88 });
      await h.waitFor(ip, (s) => s.status === 'pending_review');
      await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', approver: 'alice', channel: 'test' }] });
      const blocked = await h.waitFor(ip, (s) => s.status === 'blocked');
      assert.equal(blocked.block?.durationHours, 12, 'first block: 12 h');
      await handle.executeUpdate(holdUpdate, { args: [{ action: 'release', by: 'alice', channel: 'test' }] });
      const closed = await h.waitFor(ip, (s) => s.status === 'watching');
      assert.equal(closed.outcome, 'released');
      assert.equal(closed.priorBlocks, 1);
      return (await handle.describe()).runId;
    }, { keepWorkflows: true });
    // The workers are gone (a restart): the count lives only in Temporal.
    await h.run(async () => {
      const handle = await h.sight(ip, { score: 88 });
      const s = await h.waitFor(ip, (x) => x.cycle === 2 && x.status === 'pending_review', 'the second case');
      assert.notEqual((await handle.describe()).runId, firstRun, 'the second case is a new run (continue-as-new)');
      assert.equal(s.priorBlocks, 1);
      assert.equal(s.previous?.outcome, 'released');
      assert.equal(s.decision?.block?.durationHours, 24, 'escalated: one earlier block → 24 h');
      assert.ok(s.decision?.reasons.some((r) => r.includes('24 h')));
    });
  });

  test('killing the worker process while a block is held: after restart the block is still lifted on time', async () => {
    // 36-second blocks so the real clock can be used.
    const h = threatHarness(env, bundle, {
      config: { policy: { mode: 'auto', dryRun: false, durations: { minHours: 0.001, maxHours: 0.01, ladderHours: [0.01] } } },
    });
    const ip = '45.155.207.9';
    const workerEnv = {
      ...process.env,
      PALISADE_TEST_WORKER: JSON.stringify({
        address: env.address, taskQueue: h.config.temporal.taskQueue,
        governorWorkflowId: h.governorWorkflowId, allowlistWorkflowId: h.allowlistWorkflowId,
      }),
    };
    const startWorker = () => new Promise<ChildProcess>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../fixtures/main-worker-process.ts')], { env: workerEnv, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '';
      child.stderr!.on('data', (d) => (err += d));
      child.stdout!.on('data', (d) => String(d).includes('worker-ready') && resolve(child));
      child.on('exit', (code) => reject(new Error(`worker exited early (${code}): ${err.slice(-500)}`)));
    });
    const enforceWorker = await Worker.create({
      connection: env.nativeConnection, taskQueue: h.config.temporal.enforceTaskQueue,
      activities: createEnforcementActivities({ enforcers: { memory: h.enforcer } }),
    });
    await enforceWorker.runUntil(async () => {
      let child = await startWorker();
      try {
        await h.sight(ip, { score: 97 });
        const blocked = await h.waitFor(ip, (s) => s.status === 'blocked', 'blocked', 60_000);
        assert.ok(h.enforcer.entries.has(`${ip}/32`));
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        // No workflow worker at all for a while; the timer is durable on the server.
        await new Promise((r) => setTimeout(r, 5000));
        assert.ok(h.enforcer.entries.has(`${ip}/32`), 'still blocked while no worker runs');
        child = await startWorker();
        const done = await h.waitFor(ip, (s) => s.outcome !== undefined, 'the lift', 120_000);
        assert.equal(done.outcome, 'expired');
        const expiresAt = Date.parse(blocked.block!.expiresAt!);
        const liftedAt = Date.parse(done.block!.liftedAt!);
        assert.ok(liftedAt >= expiresAt, 'not lifted early');
        assert.ok(liftedAt - expiresAt < 30_000, `lifted on time (${liftedAt - expiresAt} ms after expiry)`);
        assert.equal(h.enforcer.entries.has(`${ip}/32`), false, 'the entry is gone from the firewall');
        assert.deepEqual(done.enforcement.map((e) => e.step), ['apply', 'verify', 'remove', 'verify_removal']);
      } finally {
        child.kill('SIGKILL');
        await Promise.all([h.governorWorkflowId, h.allowlistWorkflowId, `threat/${ip}`].map((id) => env.client.workflow.getHandle(id).terminate('test finished').catch(() => undefined)));
      }
    });
  });
});
