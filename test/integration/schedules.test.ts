import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv } from '../helpers/temporal-env';
import { configSchema, type PalisadeConfig } from '../../domain/config';
import { ACCESS_LOG_SCAN_SCHEDULE_ID, CROWDSEC_SCHEDULE_ID, ensureSchedules, INTEL_FEED_SCHEDULE_ID } from '../../runtime/schedules';
import { RECONCILER_SCHEDULE_ID } from '../../domain/reconcile';
import { PROACTIVE_SCHEDULE_ID } from '../../domain/proactive/types';

const cfg = (over: Record<string, any> = {}): PalisadeConfig => configSchema.parse({
  temporal: { taskQueue: 'palisade-schedules-test' },
  enforcement: { enforcer: 'pfsense' },
  intel: { feed: { enabled: true, baseUrl: 'http://127.0.0.1:9/', pollMinutes: 10 } },
  ...over,
});

async function listedIds(client: Client): Promise<string[]> {
  const ids: string[] = [];
  for await (const s of client.schedule.list()) ids.push(s.scheduleId);
  return ids.sort();
}

/** Visibility is eventually consistent: poll until the listing satisfies the predicate (bounded). */
async function waitForListing(client: Client, ok: (ids: string[]) => boolean): Promise<string[]> {
  for (let i = 0; i < 200; i++) {
    const ids = await listedIds(client);
    if (ok(ids)) return ids;
    await new Promise((r) => setTimeout(r, 100));
  }
  return listedIds(client);
}

void describe('[dev-server] Temporal Schedules for scans, feed poll and reconciler', () => {
  let env: TestWorkflowEnvironment;
  before(async () => {
    env = await createDevServerEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  void test('created once, idempotent across calls and new clients, updated when the spec changes, deleted when disabled', async () => {
    const first = await ensureSchedules(env.client, cfg());
    assert.deepEqual(first.schedules.map((s) => [s.scheduleId, s.change]), [
      [ACCESS_LOG_SCAN_SCHEDULE_ID, 'created'], [INTEL_FEED_SCHEDULE_ID, 'created'], [CROWDSEC_SCHEDULE_ID, 'absent'], [RECONCILER_SCHEDULE_ID, 'created'], [PROACTIVE_SCHEDULE_ID, 'absent'],
    ]);
    const again = await ensureSchedules(env.client, cfg());
    assert.deepEqual(again.schedules.map((s) => s.change), ['unchanged', 'unchanged', 'absent', 'unchanged', 'absent']);

    // A restart: a brand-new connection and client.
    const connection = await Connection.connect({ address: env.address });
    try {
      const client = new Client({ connection, namespace: env.namespace ?? 'default' });
      const restarted = await ensureSchedules(client, cfg());
      assert.deepEqual(restarted.schedules.map((s) => s.change), ['unchanged', 'unchanged', 'absent', 'unchanged', 'absent']);
      const ids = await waitForListing(client, (l) => l.length === 3);
      assert.deepEqual(ids, [ACCESS_LOG_SCAN_SCHEDULE_ID, INTEL_FEED_SCHEDULE_ID, RECONCILER_SCHEDULE_ID].sort(), 'exactly one schedule each');

      const scan = await client.schedule.getHandle(ACCESS_LOG_SCAN_SCHEDULE_ID).describe();
      assert.equal(scan.spec.intervals?.[0].every, 60_000);
      assert.equal(scan.policies.overlap, 'SKIP');
      assert.equal(scan.policies.catchupWindow, 5 * 60_000);
      assert.equal(scan.action.type === 'startWorkflow' && scan.action.workflowType, 'accessLogScanWorkflow');
      assert.equal(scan.action.taskQueue, 'palisade-schedules-test');
      const feed = await client.schedule.getHandle(INTEL_FEED_SCHEDULE_ID).describe();
      assert.equal(feed.spec.intervals?.[0].every, 10 * 60_000);
      const rec = await client.schedule.getHandle(RECONCILER_SCHEDULE_ID).describe();
      assert.equal(rec.action.workflowType, 'reconcilerWorkflow');
      assert.deepEqual((rec.action.args as any[])[0].enforcers, ['pfsense']);

      // The spec changes in configuration: the schedule is updated in place, not duplicated.
      const changed = await ensureSchedules(client, cfg({ detection: { scanEveryMinutes: 2 }, temporal: { taskQueue: 'palisade-schedules-test' } }));
      assert.deepEqual(changed.schedules.map((s) => s.change), ['updated', 'unchanged', 'absent', 'unchanged', 'absent']);
      const scan2 = await client.schedule.getHandle(ACCESS_LOG_SCAN_SCHEDULE_ID).describe();
      assert.equal(scan2.spec.intervals?.[0].every, 120_000);
      assert.equal(scan2.policies.catchupWindow, 10 * 60_000);

      // The feed is switched off: its schedule goes; switching it on again brings it back.
      const off = await ensureSchedules(client, cfg({ intel: { feed: { enabled: false } }, detection: { scanEveryMinutes: 2 }, temporal: { taskQueue: 'palisade-schedules-test' } }));
      assert.deepEqual(off.schedules.map((s) => s.change), ['unchanged', 'deleted', 'absent', 'unchanged', 'absent']);
      assert.equal(off.schedules[1].reason, 'intel.feed.enabled is false');
      const ids2 = await waitForListing(client, (l) => !l.includes(INTEL_FEED_SCHEDULE_ID));
      assert.deepEqual(ids2, [ACCESS_LOG_SCAN_SCHEDULE_ID, RECONCILER_SCHEDULE_ID].sort());
      const offAgain = await ensureSchedules(client, cfg({ intel: { feed: { enabled: false } }, detection: { scanEveryMinutes: 2 }, temporal: { taskQueue: 'palisade-schedules-test' } }));
      assert.equal(offAgain.schedules[1].change, 'absent');
    } finally {
      await connection.close();
    }
  });
});
