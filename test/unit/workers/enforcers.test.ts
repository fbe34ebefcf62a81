// The enforcers `palisade start` builds from the configuration (workers/enforcers.ts), exercised through the real
// enforcement activities: `enforcement.enforcer: memory` passes validation, so start must be able to enforce with it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { createEnforcementActivities, type AppliedAndVerified, type RemovedAndVerified } from '../../../activities/enforcement';
import type { BlockEntry, BlockRequest } from '../../../domain/types';
import { loadConfig } from '../../../runtime/config';
import { createConfiguredEnforcers } from '../../../workers/enforcers';

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
});
