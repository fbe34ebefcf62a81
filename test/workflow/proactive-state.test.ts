// The proactive loop's durable state (`palisade-proactive`) survives its continue-as-new [dev-server]: after enough
// operator actions the workflow continues as a new run, and the day's ledger (count and money), cooldowns, acks, the
// pause, the investigations and the last cycle are all still there; ack ids still resolve; a plan retried for a cycle
// id planned before the continuation reserves nothing twice.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv, uniqueQueue, workflowBundle } from '../helpers/temporal-env';
import { proactiveStateHandle } from '../../runtime/proactive';
import {
  ackHotspotUpdate, investigationOutcomeUpdate, investigationUsageSignal, pauseProactiveUpdate, planCycleUpdate, proactiveStatusQuery,
  unackHotspotUpdate,
} from '../../workflows/proactive-messages';
import type { Hotspot, PlanCycleInput } from '../../domain/proactive/types';

const hs = (fingerprint: string, severity: Hotspot['severity'], rule: string): Hotspot =>
  ({ fingerprint, ackId: fingerprint.slice(0, 7), source: 'prometheus', rule, severity, title: `${rule} ${fingerprint.slice(0, 4)}`, explanation: 'x', labels: {}, value: '1', probes: [] });
const DISK = hs('aaaa111122223333', 'high', 'filesystem-fill-24h');
const FLAP = hs('bbbb111122223333', 'medium', 'scrape-target-flapping');
const plan = (cycleId: string): PlanCycleInput => ({
  cycleId, trigger: { kind: 'schedule' },
  settings: { mode: 'on', severityFloor: 'medium', cooldownHours: 6, heavyProbes: false, budgets: { investigationsPerCycle: 1, investigationsPerDay: 12, usdPerDay: 10 } },
  scan: { at: new Date().toISOString(), hotspots: [DISK, FLAP], rules: [DISK, FLAP].map((h) => ({ rule: h.rule, source: 'prometheus' as const, status: 'ok' as const, findings: 1 })) },
});

void describe('[dev-server] proactive state workflow: continue-as-new keeps the durable state', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = uniqueQueue('proactive-state');

  before(async () => {
    env = await createDevServerEnv();
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle() });
    running = worker.run();
  });
  after(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running?.catch(() => undefined);
    await env?.teardown();
  });

  void test('ledger, cooldowns, acks, pause and investigations carry over', async () => {
    const h = await proactiveStateHandle(env.client, { temporal: { taskQueue } } as never);
    const first = await h.executeUpdate(planCycleUpdate, { args: [plan('cycle-1')] });
    assert.deepEqual(first.decisions.map((d) => d.verdict), ['investigated', 'reported']);
    await h.executeUpdate(investigationOutcomeUpdate, { args: [{ cycleId: 'cycle-1', fingerprint: DISK.fingerprint, workflowId: `alert/proactive-${DISK.fingerprint}` }] });
    await h.signal(investigationUsageSignal, { investigationWorkflowId: `alert/proactive-${DISK.fingerprint}`, fingerprint: DISK.fingerprint, cycleId: 'cycle-1', promptTokens: 1000, completionTokens: 500, costUsd: 2, model: 'm', diagnosis: 'diagnosed' });
    await h.executeUpdate(ackHotspotUpdate, { args: [{ ackId: 'bbbb1', reason: 'known flaky link', ttlHours: 12, operator: 'ana', channel: 'test' }] });
    await h.executeUpdate(pauseProactiveUpdate, { args: [{ operator: 'ana', channel: 'test', reason: 'maintenance' }] });
    const before = await h.query(proactiveStatusQuery);
    const firstRun = (await h.describe()).runId;

    // Operator actions that change nothing (pause while paused) until the history is long enough to continue.
    let continued = false;
    for (let i = 0; i < 1500 && !continued; i++) {
      await h.executeUpdate(pauseProactiveUpdate, { args: [{ operator: 'bo', channel: 'test' }] });
      if (i % 50 === 49) continued = (await env.client.workflow.getHandle(h.workflowId).describe()).runId !== firstRun;
    }
    assert.ok(continued, 'the state workflow continued as new');

    const latest = env.client.workflow.getHandle(h.workflowId);
    const after = await latest.query(proactiveStatusQuery);
    assert.deepEqual(after, before, 'the status after the continuation is the status before it');
    assert.equal(after.paused?.operator, 'ana', 'the first pause stands');
    assert.deepEqual([after.ledger.investigations, after.ledger.costUsd, after.cooldowns.map((c) => c.fingerprint), after.investigations.map((i) => i.status)],
      [1, 2, [DISK.fingerprint], ['charged']]);
    // The cycle planned before the continuation is answered again unchanged; a new cycle sees the cooldown and the ack.
    assert.deepEqual(await latest.executeUpdate(planCycleUpdate, { args: [plan('cycle-1')] }), first);
    assert.equal((await latest.query(proactiveStatusQuery)).ledger.investigations, 1);
    const second = await latest.executeUpdate(planCycleUpdate, { args: [{ ...plan('cycle-2'), trigger: { kind: 'run-once', operator: 'ana', channel: 'test' } }] });
    assert.deepEqual(second.decisions.map((d) => [d.ackId, d.verdict]), [[DISK.ackId, 'cooling_down'], [FLAP.ackId, 'muted']]);
    const removed = await latest.executeUpdate(unackHotspotUpdate, { args: [{ ackId: 'bbbb', operator: 'ana', channel: 'test' }] });
    assert.equal(removed.reason, 'known flaky link');
  });
});
