// The enforcers `palisade start` builds from the configuration (workers/enforcers.ts), exercised through the real
// enforcement activities: `enforcement.enforcer: memory` passes validation, so start must be able to enforce with it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { createEnforcementActivities, type AppliedAndVerified, type RemovedAndVerified } from '../../../activities/enforcement';
import type { BlockEntry, BlockRequest } from '../../../domain/types';
import { loadConfig } from '../../../runtime/config';
import { createConfiguredEnforcers } from '../../../workers/enforcers';
import { MemoryEnforcer } from '../../../activities/enforcers/memory';
import { PermanentEnforcementError } from '../../../activities/enforcers/types';

/** A firewall whose reads fail the given way (an outage, or a refusal that will not change). */
class UnreadableFirewall extends MemoryEnforcer {
  constructor(private readonly failure: () => Error) {
    super('memory');
  }
  override async verify(): Promise<never> {
    throw this.failure();
  }
}

const logger = pino({ level: 'silent' });

void describe('enforcers built from the configuration', () => {
  test('enforcement.enforcer: memory builds the in-memory block set, and a real (not dry-run) block goes through it', async () => {
    const config = loadConfig({ env: {}, overrides: { enforcement: { enforcer: 'memory' }, policy: { dryRun: false } } });
    const enforcers = createConfiguredEnforcers(config, logger);
    assert.deepEqual(Object.keys(enforcers), ['memory']);
    const acts = createEnforcementActivities({ enforcers });
    const req: BlockRequest = { blockId: '198.51.100.7#1', ip: '198.51.100.7', target: '198.51.100.7/32', direction: 'inbound', reason: 'test', dryRun: false, enforcer: config.enforcement.enforcer };
    const env = new MockActivityEnvironment();
    const applied = await env.run<[BlockRequest, number], AppliedAndVerified, typeof acts.enforceBlock>(acts.enforceBlock, req, 0);
    assert.equal(applied.apply.ok, true);
    assert.equal(applied.apply.simulated, false);
    assert.equal(applied.verify.level, 'loaded');
    assert.deepEqual((await env.run<[string], BlockEntry[], typeof acts.listBlocks>(acts.listBlocks, 'memory')).map((e) => e.target), ['198.51.100.7/32']);
    const lifted = await env.run<[BlockRequest], RemovedAndVerified, typeof acts.liftBlock>(acts.liftBlock, req);
    assert.equal(lifted.verifyRemoval.removed, true);
    assert.deepEqual(await env.run(acts.listBlocks, 'memory'), []);
  });

  test('the default (simulated) builds no real enforcer', () => {
    assert.deepEqual(Object.keys(createConfiguredEnforcers(loadConfig({ env: {} }), logger)), []);
  });

  const req: BlockRequest = { blockId: '198.51.100.8#1', ip: '198.51.100.8', target: '198.51.100.8/32', direction: 'inbound', reason: 'test', dryRun: false, enforcer: 'memory' };

  test('a verification that cannot read the firewall retries the activity instead of reporting a block that did not take', async () => {
    const acts = createEnforcementActivities({ enforcers: { memory: new UnreadableFirewall(() => new Error('connect ECONNREFUSED 10.0.0.1:443')) } });
    const err = await new MockActivityEnvironment().run(acts.enforceBlock, req, 0).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof Error, 'enforceBlock must fail (and so be retried), not return a verdict');
    assert.match(err.message, /ECONNREFUSED/);
    assert.ok(!(err instanceof ApplicationFailure && err.nonRetryable), 'the failure is retryable');
  });

  test('a permanent verification error is a verdict: the block is reported as not verified, so the saga rolls back', async () => {
    const acts = createEnforcementActivities({ enforcers: { memory: new UnreadableFirewall(() => new PermanentEnforcementError('verify: 403 forbidden', 'forbidden')) } });
    const r = await new MockActivityEnvironment().run<[BlockRequest, number], AppliedAndVerified, typeof acts.enforceBlock>(acts.enforceBlock, req, 0);
    assert.equal(r.apply.ok, true);
    assert.equal(r.verify.level, 'none');
    assert.match(r.verify.detail, /verification failed: verify on memory: verify: 403 forbidden/);
  });
});
