// Every committed history (test/histories, recorded from the lifecycle scenarios with PALISADE_RECORD_HISTORIES=1)
// must replay against the current workflow code: this is what keeps a change to a shipped workflow honest.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { workflowBundle } from '../helpers/temporal-env';
import { HISTORIES_DIR } from '../helpers/threat-harness';

const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).sort();
const load = (f: string) => JSON.parse(readFileSync(path.join(HISTORIES_DIR, f), 'utf8'));

describe('[replay] committed workflow histories', () => {
  let current: WorkflowBundleWithSourceMap;
  let changed: WorkflowBundleWithSourceMap;
  before(async () => {
    current = await workflowBundle();
    changed = await workflowBundle(require.resolve('../fixtures/nondeterministic-workflows'));
  });

  test('there are histories for every lifecycle scenario', () => {
    const scenarios = new Set(files.map((f) => f.split('--')[0]));
    for (const s of ['auto-expired', 'review-approved', 'review-rejected', 'review-expired', 'decide-signal', 'fifty-sightings',
      'never-block', 'widened-proposal', 'verify-failed', 'transient-error', 'permanent-error', 'governor', 'hold-release-extend', 'dry-run',
      'review-escalated']) {
      assert.ok(scenarios.has(s), `missing history for scenario ${s}`);
    }
  });

  for (const file of files) {
    test(`replays ${file}`, async () => {
      await Worker.runReplayHistory({ workflowBundle: current, replayName: file }, load(file));
    });
  }

  test('a deliberately non-deterministic change is caught', async () => {
    const file = files.find((f) => f.startsWith('auto-expired--'))!;
    await assert.rejects(
      Worker.runReplayHistory({ workflowBundle: changed, replayName: file }, load(file)),
      (e: unknown) => e instanceof DeterminismViolationError,
    );
  });
});
