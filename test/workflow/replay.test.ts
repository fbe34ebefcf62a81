// Every committed history (test/histories, recorded with PALISADE_RECORD_HISTORIES=1 by the lifecycle scenarios of
// every workflow type) must replay against the current workflow code: this is what keeps a change to a shipped
// workflow honest (README: "Versioning workflows"). A deliberately non-deterministic change to any type must fail.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import * as workflows from '../../workflows';
import { HISTORIES_DIR, WORKFLOW_HISTORIES_DIR } from '../helpers/histories';
import { workflowBundle } from '../helpers/temporal-env';
import { palisadeSinks } from '../../workers/sinks';

const files = [
  ...readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json')).map((f) => path.join(HISTORIES_DIR, f)),
  ...readdirSync(WORKFLOW_HISTORIES_DIR).filter((f) => f.endsWith('.json')).map((f) => path.join(WORKFLOW_HISTORIES_DIR, f)),
].sort();
const load = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const typeOf = (f: string): string => load(f).events[0].workflowExecutionStartedEventAttributes.workflowType.name;
const WORKFLOW_TYPES = Object.keys(workflows);

describe('[replay] committed workflow histories', () => {
  let current: WorkflowBundleWithSourceMap;
  let changed: WorkflowBundleWithSourceMap;
  before(async () => {
    current = await workflowBundle();
    changed = await workflowBundle(require.resolve('../fixtures/nondeterministic-workflows'));
  });

  test('there are histories for every threat path and every workflow type', () => {
    const scenarios = new Set(files.map((f) => path.basename(f).split('--')[0]));
    for (const s of ['auto-expired', 'review-approved', 'review-rejected', 'review-expired', 'review-escalated', 'decide-signal',
      'decision-race', 'fifty-sightings', 'never-block', 'widened-proposal', 'verify-failed', 'transient-error', 'permanent-error',
      'governor', 'hold-release-extend', 'make-permanent', 'reopened', 'dry-run']) {
      assert.ok(scenarios.has(s), `missing history for threat scenario ${s}`);
    }
    const types = new Set(files.map(typeOf));
    for (const t of WORKFLOW_TYPES) assert.ok(types.has(t), `missing history for workflow type ${t}`);
  });

  for (const file of files) {
    test(`replays ${path.relative(HISTORIES_DIR, file)}`, async () => {
      await Worker.runReplayHistory({ workflowBundle: current, replayName: file, sinks: palisadeSinks }, load(file));
    });
  }

  for (const type of WORKFLOW_TYPES) {
    test(`a deliberately non-deterministic change to ${type} is caught`, async () => {
      const file = files.find((f) => typeOf(f) === type);
      assert.ok(file, `a history of ${type}`);
      await assert.rejects(
        Worker.runReplayHistory({ workflowBundle: changed, replayName: file, sinks: palisadeSinks }, load(file)),
        (e: unknown) => e instanceof DeterminismViolationError,
      );
    });
  }
});
