// The reconciler against real threat workflows on the Temporal dev server (real visibility and search attributes):
// three IPs are blocked through the normal auto path, the in-memory firewall is flushed, one reconciler run puts
// every block back, leaves a hand-made entry alone, and reports (then, when enabled, removes) Palisade's orphan.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { MemoryEnforcer } from '../../activities/enforcers/memory';
import { blockedOnEnforcerQuery, createReconcileActivities } from '../../activities/reconcile';
import { RECONCILER_WORKFLOW_ID, type ReconcileReport, type ReconcilerInput } from '../../domain/reconcile';
import { reconcilerWorkflow } from '../../workflows/reconciler';
import { createDevServerEnv, uniqueQueue, workflowBundle } from '../helpers/temporal-env';
import { threatHarness } from '../helpers/threat-harness';
import { recordHistory } from '../helpers/histories';
import { holdUpdate } from '../../workflows/messages';

async function waitUntil(what: string, check: () => Promise<boolean>) {
  for (let i = 0; i < 400; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

void describe('[dev-server] reconciler', () => {
  let env: TestWorkflowEnvironment;
  let threatBundle: WorkflowBundleWithSourceMap;
  let reconcilerBundle: WorkflowBundleWithSourceMap;
  before(async () => {
    env = await createDevServerEnv();
    [threatBundle, reconcilerBundle] = await Promise.all([workflowBundle(), workflowBundle(require.resolve('../../workflows/reconciler'))]);
  });
  after(async () => {
    await env?.teardown();
  });

  void test('entries wiped on the fake firewall are restored by the reconciler within one cycle', async () => {
    const enforcer = new MemoryEnforcer('memory');
    const h = threatHarness(env, threatBundle, { config: { policy: { mode: 'auto', dryRun: false } }, enforcer });
    const ips = ['45.155.205.30', '45.155.205.31', '45.155.205.32'];
    const targets = ips.map((ip) => `${ip}/32`);
    const queue = uniqueQueue('reconcile');
    // The reconciler's worker hosts both activity sides here; in production the enforcer side runs on the
    // enforcement worker, which is where `enforceTaskQueue` points.
    const runReconciler = async (removeOrphans: boolean): Promise<ReconcileReport> => {
      const worker = await Worker.create({
        connection: env.nativeConnection, taskQueue: queue, workflowBundle: reconcilerBundle,
        activities: createReconcileActivities({ client: env.client, enforcers: { memory: enforcer } }),
      });
      const input: ReconcilerInput = { enforcers: ['memory'], removeOrphans, maxRepairsPerRun: 100, enforceTaskQueue: queue };
      return worker.runUntil(env.client.workflow.execute(reconcilerWorkflow, { taskQueue: queue, workflowId: RECONCILER_WORKFLOW_ID, args: [input] }));
    };

    await h.run(async () => {
      for (const ip of ips) await h.sight(ip, { score: 97 });
      const blockIds = new Map<string, string>();
      for (const ip of ips) {
        const s = await h.waitFor(ip, (x) => x.status === 'blocked', 'blocked');
        blockIds.set(`${ip}/32`, s.block!.blockId);
      }
      // Visibility is eventually consistent: wait until the reconciler's own query sees all three.
      await waitUntil('visibility to list the three blocked workflows', async () => {
        let n = 0;
        for await (const _ of env.client.workflow.list({ query: blockedOnEnforcerQuery('memory') })) n++;
        return n === ips.length;
      });
      assert.deepEqual([...enforcer.entries.keys()].sort(), targets);

      // The firewall is flushed; afterwards someone adds an entry by hand, and an entry Palisade owns but no
      // workflow wants (e.g. left behind by a workflow that was terminated) is there too.
      enforcer.wipe();
      enforcer.addForeign('198.51.100.0/24');
      enforcer.entries.set('203.0.113.99/32', { blockId: '203.0.113.99#1', owned: true, detail: 'left behind' });

      const first = await runReconciler(false);
      const r = first.enforcers[0];
      assert.deepEqual([...r.restored].sort(), targets);
      assert.deepEqual([...r.missing].sort(), targets);
      assert.deepEqual(r.orphans, ['203.0.113.99/32']);
      assert.deepEqual(r.removed, [], 'orphans are only reported unless removeOrphans is on');
      assert.deepEqual(r.failed, []);
      assert.equal(r.foreign, 1);
      assert.deepEqual(first.totals, { desired: 3, missing: 3, restored: 3, orphans: 1, removed: 0, failed: 0 });
      for (const t of targets) {
        assert.equal(enforcer.entries.get(t)?.blockId, blockIds.get(t), `${t} restored under the workflow's blockId`);
      }
      assert.equal(enforcer.entries.get('198.51.100.0/24')?.owned, false, 'the hand-made entry is untouched');
      assert.ok(enforcer.entries.has('203.0.113.99/32'));

      // The run is in history: one workflow with its activities and the report as its result.
      const history = await env.client.workflow.getHandle(RECONCILER_WORKFLOW_ID).fetchHistory();
      await recordHistory(env.client, RECONCILER_WORKFLOW_ID, 'wiped-entries-restored');
      const activityTypes = history.events!.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name!] : []));
      // Each re-apply is confirmed against its workflow just before and just after.
      assert.deepEqual(activityTypes, ['reconcileDesiredBlocks', 'reconcileListEntries', 'reconcileStillHeld', 'reconcileReapply', 'reconcileReapply', 'reconcileReapply', 'reconcileStillHeld']);
      // and that history replays deterministically against the current workflow code.
      await Worker.runReplayHistory({ workflowBundle: reconcilerBundle }, history, RECONCILER_WORKFLOW_ID);

      // Before removing, each orphan candidate is checked against its own workflow (strongly consistent): an entry
      // whose workflow holds exactly that block is kept even if visibility has not caught up.
      const acts = createReconcileActivities({ client: env.client, enforcers: { memory: enforcer } });
      const held = { target: targets[0], blockId: blockIds.get(targets[0])!, ownedByPalisade: true };
      const staleCycle = { target: targets[1], blockId: `${ips[1]}#99`, ownedByPalisade: true };
      const gone = { target: '203.0.113.99/32', blockId: '203.0.113.99#1', ownedByPalisade: true };
      assert.deepEqual(await acts.reconcileConfirmOrphans({ entries: [held, staleCycle, gone] }), [staleCycle, gone]);

      // Second run with orphan removal: nothing to restore (idempotent), the orphan goes, the foreign entry stays.
      const second = await runReconciler(true);
      assert.deepEqual(second.totals, { desired: 3, missing: 0, restored: 0, orphans: 1, removed: 1, failed: 0 });
      assert.equal(second.enforcers[0].inSync, 3);
      assert.deepEqual([...enforcer.entries.keys()].sort(), ['198.51.100.0/24', ...targets]);
      for (const ip of ips) assert.equal((await h.state(ip)).status, 'blocked');
    });
  });

  void test('a block its workflow lifts after the desired set was read is not put back (chaos R2 found such orphans)', async () => {
    // The firewall answers the listing only after the workflow has released and lifted its block: the desired set
    // (read first) still has it, the listing does not, so it looks missing.
    class ListsLate extends MemoryEnforcer {
      beforeList: (() => Promise<void>) | undefined;
      override async list() {
        const hook = this.beforeList;
        this.beforeList = undefined;
        await hook?.();
        return super.list();
      }
    }
    const enforcer = new ListsLate('memory');
    const h = threatHarness(env, threatBundle, { config: { policy: { mode: 'auto', dryRun: false } }, enforcer });
    const ip = '45.155.205.33';
    const queue = uniqueQueue('reconcile-late');
    await h.run(async () => {
      await h.sight(ip, { score: 97 });
      await h.waitFor(ip, (x) => x.status === 'blocked', 'blocked');
      await waitUntil('visibility to list the blocked workflow', async () => {
        for await (const wf of env.client.workflow.list({ query: blockedOnEnforcerQuery('memory') })) if (wf.workflowId.endsWith(ip)) return true;
        return false;
      });
      enforcer.wipe();
      enforcer.beforeList = async () => {
        await h.handle(ip).executeUpdate(holdUpdate, { args: [{ action: 'release', by: 'bob', channel: 'cli', reason: 'done' }] });
        await h.waitFor(ip, (x) => x.outcome === 'released', 'released and lifted');
      };
      const worker = await Worker.create({
        connection: env.nativeConnection, taskQueue: queue, workflowBundle: reconcilerBundle,
        activities: createReconcileActivities({ client: env.client, enforcers: { memory: enforcer } }),
      });
      const input: ReconcilerInput = { enforcers: ['memory'], removeOrphans: false, maxRepairsPerRun: 100, enforceTaskQueue: queue };
      const report = await worker.runUntil(env.client.workflow.execute(reconcilerWorkflow, { taskQueue: queue, workflowId: `${RECONCILER_WORKFLOW_ID}-late`, args: [input] }));
      const r = report.enforcers[0];
      assert.deepEqual(r.missing, [`${ip}/32`], 'it looked missing');
      assert.deepEqual(r.restored, []);
      assert.deepEqual(r.liftedMeanwhile, [`${ip}/32`]);
      assert.equal(enforcer.entries.has(`${ip}/32`), false, 'no entry outlives the released block');
    });
  });
});
