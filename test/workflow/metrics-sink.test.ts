// Outcomes and human decisions leave the threat and alert workflows through its metrics sink (workflows/metrics-sink.ts). The
// worker's sink (workers/sinks.ts) must count a case once, when it happens, and never again when the history is
// replayed (a worker restart, a cache eviction, the replay gate).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker, type InjectedSinks, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { decisionsRecorded, threatOutcomes } from '../../runtime/metrics';
import { palisadeSinks } from '../../workers/sinks';
import type { PalisadeSinks } from '../../workflows/metrics-sink';
import { HISTORIES_DIR } from '../helpers/histories';
import { workflowBundle } from '../helpers/temporal-env';

const history = (name: string) => JSON.parse(readFileSync(path.join(HISTORIES_DIR, name), 'utf8'));
const total = async (m: typeof threatOutcomes | typeof decisionsRecorded) => (await m.get()).values.reduce((a, v) => a + v.value, 0);

describe('[replay] the metrics sink counts live cases only', () => {
  let bundle: WorkflowBundleWithSourceMap;
  before(async () => {
    bundle = await workflowBundle();
  });

  test('the workflow reports the outcome and the decision with its channel at the points they are recorded', async () => {
    // A sink that is called during replay shows what the workflow hands the sink.
    const seen: string[] = [];
    const recording: InjectedSinks<PalisadeSinks> = {
      metrics: {
        caseOutcome: { fn: (_i, outcome) => void seen.push(`outcome ${outcome}`), callDuringReplay: true },
        humanDecision: { fn: (_i, subject, decision, channel) => void seen.push(`${subject}: ${decision} via ${channel}`), callDuringReplay: true },
      },
    };
    await Worker.runReplayHistory({ workflowBundle: bundle, sinks: recording }, history('review-rejected--45.155.205.12.json'));
    assert.deepEqual(seen.splice(0), ['threat: reject via cli', 'outcome rejected']);
    // An incident decision (alert investigation) goes through the same sink, labelled as such.
    await Worker.runReplayHistory({ workflowBundle: bundle, sinks: recording }, history('workflows/alertInvestigationWorkflow--signed-link-rejected-resolved.json'));
    assert.deepEqual(seen, ['incident: reject via signed-link']);
  });

  test('replaying histories with the worker\'s sinks counts nothing', async () => {
    const [outcomes, decisions] = [await total(threatOutcomes), await total(decisionsRecorded)];
    for (const name of ['review-rejected--45.155.205.12.json', 'review-approved--45.155.205.11.json', 'auto-expired--45.155.205.10.json',
      'workflows/alertInvestigationWorkflow--cli-approved-resolved.json']) {
      await Worker.runReplayHistory({ workflowBundle: bundle, sinks: palisadeSinks }, history(name));
    }
    assert.equal(await total(threatOutcomes), outcomes);
    assert.equal(await total(decisionsRecorded), decisions);
  });
});
