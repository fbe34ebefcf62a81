// Activities that can outlive a worker heartbeat while they run, and their options carry a heartbeat timeout: a
// SIGKILLed worker's scan, enforcement or reconcile call is taken over after that timeout, not after the 10-minute
// (scan) or 2-minute (enforcement) start-to-close timeout (chaos R1 found scans stalled for 10 minutes).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createEnforcementActivities } from '../../../activities/enforcement';
import { MemoryEnforcer } from '../../../activities/enforcers/memory';
import { heartbeating } from '../../../activities/heartbeat';
import { createReconcileActivities } from '../../../activities/reconcile';
import { ACTIVITY_OPTIONS } from '../../../workflows/retry-policies';

const block = { blockId: '203.0.113.9#1', ip: '203.0.113.9', target: '203.0.113.9/32', direction: 'inbound' as const, reason: 'test', dryRun: false, enforcer: 'memory' };

void describe('activity heartbeats', () => {
  void it('the options of scans, enforcement, lifts and the reconciler carry a heartbeat timeout well below start-to-close', () => {
    for (const name of ['scan', 'enforce', 'lift', 'reconcile'] as const) {
      const o = ACTIVITY_OPTIONS[name] as { heartbeatTimeout?: string };
      assert.equal(o.heartbeatTimeout, '30 seconds', name);
    }
  });

  void it('a wrapped activity heartbeats at its start and then periodically until it returns', async () => {
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => beats++);
    const acts = heartbeating({ slow: async (ms: number) => new Promise<string>((r) => setTimeout(() => r('done'), ms)) }, 20);
    assert.equal(await env.run(acts.slow, 200), 'done');
    assert.ok(beats >= 2, `${beats} heartbeats: one at the start, then periodic ones`);
    const after = beats;
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(beats, after, 'no heartbeat after the activity returned');
  });

  void it('enforcement and reconcile activities heartbeat (and still work when called outside an activity)', async () => {
    const memory = new MemoryEnforcer('memory');
    const enforce = createEnforcementActivities({ enforcers: { memory } });
    const reconcile = createReconcileActivities({ enforcers: { memory } });
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => beats++);
    const r = await env.run(enforce.enforceBlock, block, 0) as Awaited<ReturnType<typeof enforce.enforceBlock>>;
    assert.equal(r.verify.present, true);
    assert.ok(beats >= 1, 'enforceBlock heartbeats');
    beats = 0;
    await env.run(reconcile.reconcileListEntries, { enforcer: 'memory' });
    assert.ok(beats >= 1, 'reconcileListEntries heartbeats');
    assert.equal((await enforce.liftBlock(block)).verifyRemoval.removed, true, 'outside an activity: no context, no heartbeat, same result');
  });
});
