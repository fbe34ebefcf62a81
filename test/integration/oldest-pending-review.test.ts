// The oldest-pending-review gauge on a real Temporal dev server (SQL visibility): found in a bounded number of
// visibility calls (counts, then one page) whatever the backlog, exact when the oldest started alone, within the
// resolution when more than a page started together. Threat-typed runs are started on a queue no worker polls, with
// the status search attribute a threat workflow sets, so visibility holds them exactly as it holds real ones.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { SA } from '../../domain/search-attributes';
import { registerVisibilityGauges, registry } from '../../runtime/metrics';
import { oldestStart } from '../../runtime/metrics/oldest-pending';
import { THREAT_WORKFLOW_TYPE } from '../../workflows/messages';
import { createDevServerEnv, uniqueQueue } from '../helpers/temporal-env';
import { waitUntil } from '../helpers/wait';

const query = (status: string) => `WorkflowType = '${THREAT_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND PalisadeStatus = '${status}'`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('[dev-server] oldest pending review in bounded visibility calls', () => {
  let env: TestWorkflowEnvironment;
  const queue = uniqueQueue('unpolled');
  let n = 0;
  /** Starts `count` runs with this status at once; returns their start times (epoch ms) as the server recorded them. */
  const startRuns = async (status: string, count: number): Promise<number[]> => {
    const handles = await Promise.all(Array.from({ length: count }, () => env.client.workflow.start(THREAT_WORKFLOW_TYPE, {
      taskQueue: queue, workflowId: `threat/oldest-test-${n++}`, args: [], typedSearchAttributes: [{ key: SA.status, value: status }],
    })));
    return Promise.all(handles.map(async (h) => (await h.describe()).startTime.getTime()));
  };
  const visible = (status: string, count: number) =>
    waitUntil(async () => (await env.client.workflow.count(query(status))).count, (c) => c === count, `${count} ${status} runs visible`);

  before(async () => {
    env = await createDevServerEnv();
  });
  after(async () => {
    await env?.teardown();
  });

  test('the oldest of a backlog larger than a page, exactly, with at most one page read', async () => {
    assert.deepEqual(await oldestStart(env.client, query('pending_review')), { calls: 1, listed: 0 }, 'none pending: one count, no gauge');
    await startRuns('blocked', 1); // older, but not waiting for a review
    await sleep(1200);
    const [oldest] = await startRuns('pending_review', 1);
    await sleep(2500);
    await startRuns('pending_review', 20);
    await sleep(1500);
    await startRuns('pending_review', 20);
    await visible('pending_review', 41);

    const small = await oldestStart(env.client, query('pending_review'), { page: 100 });
    assert.deepEqual(small, { start: oldest, calls: 2, listed: 41 }, 'a backlog within one page: one count and one list');

    const r = await oldestStart(env.client, query('pending_review'), { page: 5 });
    assert.equal(r.start, oldest, 'the oldest pending run, not the older blocked one nor a later one');
    assert.ok(r.listed <= 5, `listed ${r.listed}`);
    // One total, one widening (nothing started a minute ago), about log2(60 s / 1 s) halvings, one list.
    assert.ok(r.calls <= 10, `calls ${r.calls}`);

    // A month-old backlog: O(log(age)) calls, still exact.
    const later = await oldestStart(env.client, query('pending_review'), { page: 5, now: Date.now() + 30 * 86_400_000 });
    assert.equal(later.start, oldest);
    assert.ok(later.calls <= 45 && later.listed <= 5, `calls ${later.calls}, listed ${later.listed}`);

    // The gauge the API serves goes through the same lookup.
    registerVisibilityGauges(env.client, { reviewTimeoutHours: 4 });
    const metrics = await registry.getSingleMetricAsString('palisade_oldest_pending_review_age_seconds');
    const age = Number(/^palisade_oldest_pending_review_age_seconds (\S+)$/m.exec(metrics)?.[1]);
    const expected = (Date.now() - oldest) / 1000;
    assert.ok(age > 3.5 && age <= expected + 0.5 && age >= expected - 5, `gauge ${age}, oldest started ${expected} s ago`);
  });

  test('more than a page started within one resolution step: the answer is within that step of the oldest', async () => {
    const starts = await startRuns('burst', 12);
    await visible('burst', 12);
    const r = await oldestStart(env.client, query('burst'), { page: 5, resolutionMs: 1000 });
    const trueOldest = Math.min(...starts);
    assert.ok(r.start !== undefined && r.start >= trueOldest && r.start - trueOldest <= 1000, `found ${r.start}, oldest ${trueOldest}`);
    assert.ok(r.listed <= 5 && r.calls <= 10, `calls ${r.calls}, listed ${r.listed}`);
  });
});
