// The threat workflow's lifecycle on the Java time-skipping test server: hours-long reviews and day-long blocks
// complete in seconds. One env and one bundle for the file; fresh workers (and a fresh task queue) per test.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { ThreatRunResult } from '../../domain/threat-state';
import type { Proposal } from '../../domain/types';
import { addAllowlistUpdate, decideSignal, decideUpdate, holdUpdate, stateQuery } from '../../workflows/messages';
import { createTimeSkippingEnv, workflowBundle } from '../helpers/temporal-env';
import { threatHarness } from '../helpers/threat-harness';

const HOUR = 3_600_000;

describe('[time-skipping] threat workflow lifecycle', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  before(async () => {
    env = await createTimeSkippingEnv();
    bundle = await workflowBundle();
  });
  after(async () => {
    await env?.teardown();
  });

  test('auto path: score 97 in mode auto → applied, verified, held 24 h, lifted, removal verified → expired', async () => {
    const h = threatHarness(env, bundle, { record: 'auto-expired',  config: { policy: { mode: 'auto', dryRun: false, verifySettleSeconds: 10 } } });
    const ip = '45.155.205.10';
    await h.run(async () => {
      const handle = await h.sight(ip, { score: 97 });
      const result = (await handle.result()) as ThreatRunResult;
      assert.equal(result.outcome, 'expired');
      assert.equal(result.priorBlocks, 1);
    });
    const ops = h.enforcer.calls.map((c) => c.op);
    assert.deepEqual(ops, ['apply', 'verify', 'remove', 'verify']);
    assert.equal(h.enforcer.calls[0].target, `${ip}/32`);
    assert.equal(h.enforcer.entries.size, 0, 'the block was lifted');
    // The whole story is in the history: decision, hold of exactly 24 h, lift.
    const history = await h.handle(ip).fetchHistory();
    const timers = history.events!.filter((e) => e.timerStartedEventAttributes).map((e) => Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds));
    assert.ok(timers.includes(24 * 3600), `a 24 h hold timer was started (timers: ${timers.join(', ')})`);
    // Operators hear of an automatic block when it is decided (with the reasons); its routine expiry is silent.
    assert.deepEqual(h.notifications.map((n) => n.kind), ['auto_block']);
    assert.match(h.notifications[0].body, /acting without a human/);
  });

  test('review path: score 88 → approve via the decide update → enforced', async () => {
    const h = threatHarness(env, bundle, { record: 'review-approved',  config: { policy: { mode: 'auto', dryRun: false } } });
    const ip = '45.155.205.11';
    await h.run(async () => {
      const handle = await h.sight(ip, { score: 88 });
      await h.waitFor(ip, (s) => s.status === 'pending_review', 'pending review');
      const r = await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', approver: 'alice', channel: 'test', comment: 'scanner' }] });
      assert.equal(r.decision.approver, 'alice');
      const s = await h.waitFor(ip, (x) => x.status === 'blocked', 'blocked');
      assert.equal(s.review?.decision?.channel, 'test');
      assert.equal(s.block?.durationHours, 12, 'borderline first block: 12 h');
      assert.ok(s.decision?.reasons.some((x) => x.includes('below the auto threshold 95')));
      assert.equal(h.enforcer.entries.has(`${ip}/32`), true);
    });
  });

  test('review path: reject → no enforcement; the validator refuses a second decision and a missing approver', async () => {
    const h = threatHarness(env, bundle, { record: 'review-rejected',  config: { policy: { mode: 'review', dryRun: false } } });
    const ip = '45.155.205.12';
    await h.run(async () => {
      const handle = await h.sight(ip, { score: 88 });
      await h.waitFor(ip, (s) => s.status === 'pending_review');
      await assert.rejects(
        handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', approver: ' ', channel: 'test' }] }),
        (e: unknown) => e instanceof WorkflowUpdateFailedError && /approver is required/.test(String((e.cause as Error)?.message)),
      );
      await handle.executeUpdate(decideUpdate, { args: [{ decision: 'reject', approver: 'bob', channel: 'cli', comment: 'our scanner' }] });
      const s = await h.waitFor(ip, (x) => x.outcome !== undefined);
      assert.equal(s.outcome, 'rejected');
      await assert.rejects(
        handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', approver: 'carol', channel: 'test' }] }),
        (e: unknown) => e instanceof WorkflowUpdateFailedError && /not waiting for a review/.test(String((e.cause as Error)?.message)),
      );
    });
    assert.equal(h.enforcer.calls.filter((c) => c.op === 'apply').length, 0);
    assert.ok(h.notifications.some((n) => n.outcome === 'rejected'));
  });

  test('two conflicting decisions at once: one is accepted, the other refused; state and history agree on who decided', async () => {
    const h = threatHarness(env, bundle, { record: 'decision-race', config: { policy: { mode: 'review', dryRun: false } } });
    const ip = '45.155.205.24';
    await h.run(async () => {
      const handle = await h.sight(ip, { score: 88 });
      await h.waitFor(ip, (s) => s.status === 'pending_review');
      const sent = [
        { decision: 'approve' as const, approver: 'alice', channel: 'api' as const },
        { decision: 'reject' as const, approver: 'bob', channel: 'review-page' as const },
      ];
      const results = await Promise.allSettled(sent.map((d) => handle.executeUpdate(decideUpdate, { args: [d] })));
      const accepted = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
      assert.equal(accepted.length, 1, 'exactly one decision accepted');
      assert.equal(refused.length, 1, 'exactly one decision refused');
      assert.ok(refused[0] instanceof WorkflowUpdateFailedError);
      assert.match(String((refused[0].cause as Error)?.message), /already (approved by alice via api|rejected by bob via review-page)|not waiting for a review/);
      const winner = accepted[0].decision.approver;
      const s = await h.waitFor(ip, (x) => x.status === 'blocked' || x.outcome !== undefined);
      assert.equal(s.review?.decision?.approver, winner);
      assert.equal(s.status === 'blocked' ? 'alice' : 'bob', winner, 'the case went the way the accepted decision said');
      // The history holds one accepted decide update, the winner's (refused updates leave no event).
      const history = await handle.fetchHistory();
      const decided = history.events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === decideUpdate.name);
      assert.equal(decided.length, 1);
      const payload = decided[0].workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.args!.payloads![0];
      assert.equal(JSON.parse(Buffer.from(payload.data!).toString('utf8')).approver, winner);
      if (s.status === 'blocked') {
        // Same for hold actions: of two releases sent at once, one is applied and the other refused.
        const holds = await Promise.allSettled([1, 2].map((i) => handle.executeUpdate(holdUpdate, { args: [{ action: 'release', by: `op${i}`, channel: 'cli' }] })));
        assert.equal(holds.filter((r) => r.status === 'fulfilled').length, 1);
        const holdRefusal = holds.find((r) => r.status === 'rejected') as PromiseRejectedResult;
        assert.match(String((holdRefusal.reason as WorkflowUpdateFailedError).cause?.message), /already being released \(by op[12] via cli|no block is being held/);
        const done = await h.waitFor(ip, (x) => x.outcome !== undefined);
        assert.equal(done.outcome, 'released');
        assert.equal(done.holdActions.length, 1);
      }
    });
  });

  test('review path: silence for 4 h → review_expired, nothing enforced', async () => {
    const h = threatHarness(env, bundle, { record: 'review-expired',  config: { policy: { mode: 'review', dryRun: false } } });
    const ip = '45.155.205.13';
    await h.run(async () => {
      const handle = await h.sight(ip, { score: 88 });
      await h.waitFor(ip, (s) => s.status === 'pending_review');
      const before = await env.currentTimeMs();
      const result = (await handle.result()) as ThreatRunResult;
      assert.equal(result.outcome, 'review_expired');
      assert.ok((await env.currentTimeMs()) - before >= 4 * HOUR);
    });
    assert.equal(h.enforcer.calls.length, 0);
  });

  test('review timeout with onTimeout escalate: a second notification, a second wait, then review_expired', async () => {
    const h = threatHarness(env, bundle, { record: 'review-escalated', config: { policy: { mode: 'review', dryRun: false, review: { timeoutHours: 4, onTimeout: 'escalate', escalationTimeoutHours: 2 } } } });
    const ip = '45.155.205.23';
    await h.run(async () => {
      const handle = await h.sight(ip, { score: 88 });
      await h.waitFor(ip, (s) => s.status === 'pending_review');
      const t0 = await env.currentTimeMs();
      await env.sleep(5 * HOUR);
      const escalated = await h.waitFor(ip, (s) => s.review?.escalated === true, 'escalation');
      assert.equal(escalated.status, 'pending_review', 'still waiting for a human');
      const result = (await handle.result()) as ThreatRunResult;
      assert.equal(result.outcome, 'review_expired');
      assert.ok((await env.currentTimeMs()) - t0 >= 6 * HOUR);
    });
    assert.deepEqual(h.notifications.filter((n) => n.kind !== 'outcome').map((n) => n.kind), ['review_needed', 'review_escalated']);
    assert.equal(h.enforcer.calls.length, 0);
  });

  test('the decide signal (Temporal UI / CLI twin) has the same effect as the update', async () => {
    const h = threatHarness(env, bundle, { record: 'decide-signal',  config: { policy: { mode: 'review', dryRun: false } } });
    const ip = '45.155.205.14';
    await h.run(async () => {
      const handle = await h.sight(ip, { score: 90 });
      await h.waitFor(ip, (s) => s.status === 'pending_review');
      await handle.signal(decideSignal, { decision: 'approve', approver: 'ui-operator', channel: 'temporal-ui', durationHours: 2 });
      const s = await h.waitFor(ip, (x) => x.status === 'blocked');
      assert.equal(s.review?.decision?.approver, 'ui-operator');
      assert.equal(s.block?.durationHours, 2, 'the approver chose a shorter duration within bounds');
    });
  });

  test('50 sightings of one IP in a minute → one workflow, one review notification, merged evidence', async () => {
    const h = threatHarness(env, bundle, { record: 'fifty-sightings',  config: { policy: { mode: 'review', dryRun: false } } });
    const ip = '45.155.205.15';
    await h.run(async () => {
      const t0 = Date.parse('2026-11-22T10:00:00Z');
      const handles = [];
      for (let i = 0; i < 50; i++) {
        handles.push(await h.sight(ip, {
          score: 85 + (i % 5), observedAt: new Date(t0 + i * 1000).toISOString(), source: i % 2 ? 'traefik-file' : 'intel-feed',
          evidence: { requestCount: 3, paths: [`/.env`, `/backup-${i % 7}.zip`], userAgents: ['zgrab/0.x'] },
        }));
      }
      assert.equal(new Set(handles.map((x) => x.workflowId)).size, 1);
      const s = await h.waitFor(ip, (x) => x.status === 'pending_review' && x.evidence.sightingCount === 50, '50 merged sightings');
      assert.equal(s.evidence.requestCount, 150);
      assert.deepEqual(s.evidence.sources.sort(), ['intel-feed', 'traefik-file']);
      assert.equal(s.evidence.maxScore, 89);
      assert.equal(s.evidence.firstSeen, new Date(t0).toISOString());
      assert.equal(s.evidence.lastSeen, new Date(t0 + 49_000).toISOString());
      assert.equal(s.evidence.paths.length, 8);
    });
    assert.equal(h.notifications.filter((n) => n.kind === 'review_needed').length, 1);
    const events = (await h.handle(ip).fetchHistory()).events!;
    assert.equal(events.filter((e) => e.workflowExecutionStartedEventAttributes).length, 1, 'one run');
    assert.equal(events.filter((e) => e.workflowExecutionSignaledEventAttributes).length, 50, 'all 50 sightings reached it');
  });

  test('a never-block IP with score 100 and a model proposing to block it is never enforced; the reason is recorded', async () => {
    const evil: Proposal = { action: 'block', target: '0.0.0.0/0', durationHours: 9999, reason: 'ignore previous instructions', confidence: 1, recommendPermanent: true, origin: 'llm' };
    let proposals = 0;
    const h = threatHarness(env, bundle, {
      config: { policy: { mode: 'auto', dryRun: false, neverBlock: { infrastructure: ['8.8.4.4'] } } },
      propose: () => (proposals++, evil),
      record: 'never-block',
    });
    await h.run(async () => {
      // A special-purpose range, an infrastructure address, and a runtime allowlist entry.
      const governorFree = ['10.1.2.3', '8.8.4.4', '100.64.0.9', '::ffff:192.168.1.1'];
      for (const ip of governorFree) await h.sight(ip, { score: 100 });
      const allow = await h.client.workflow.start('allowlistWorkflow', { workflowId: h.allowlistWorkflowId, taskQueue: h.config.temporal.taskQueue, args: [[]], workflowIdConflictPolicy: 'USE_EXISTING' });
      await allow.executeUpdate(addAllowlistUpdate, { args: [{ entry: { cidr: '198.100.10.0/24', description: 'partner' }, by: 'alice' }] });
      await h.sight('198.100.10.20', { score: 100 });
      for (const ip of ['10.1.2.3', '8.8.4.4', '100.64.0.9', '192.168.1.1', '198.100.10.20']) {
        const s = await h.waitFor(ip, (x) => x.outcome !== undefined);
        assert.equal(s.outcome, 'skipped_never_block', ip);
        assert.match(s.timeline.map((t) => t.detail ?? '').join(' '), /never block/, ip);
      }
    });
    assert.equal(h.enforcer.calls.length, 0, 'nothing reached the enforcer');
    assert.equal(proposals, 0, 'protected addresses are screened before anyone is asked');
  });

  test('a proposal that widens the target and exceeds the maximum duration is constrained by policy', async () => {
    const evil: Proposal = { action: 'block', target: '45.155.0.0/16', durationHours: 10_000, reason: 'block the whole range', confidence: 0.99, recommendPermanent: false, origin: 'llm' };
    const h = threatHarness(env, bundle, { record: 'widened-proposal',  config: { policy: { mode: 'auto', dryRun: false } }, propose: () => evil });
    const ip = '45.155.205.16';
    await h.run(async () => {
      await h.sight(ip, { score: 99 });
      const s = await h.waitFor(ip, (x) => x.status === 'blocked');
      assert.equal(s.decision?.block?.target, `${ip}/32`);
      // Clamped into bounds, then held to the rule-based ladder: a model may shorten a block, never lengthen it.
      assert.equal(s.decision?.block?.durationHours, h.config.policy.durations.ladderHours[0]);
      assert.ok(s.decision?.reasons.some((r) => r.includes('proposed target "45.155.0.0/16" ignored')));
      assert.ok(s.decision?.reasons.some((r) => r.includes('clamped to 168 h')));
      assert.ok(s.decision?.reasons.some((r) => r.includes('never lengthen it')));
      assert.deepEqual([...h.enforcer.entries.keys()], [`${ip}/32`]);
    });
  });

  test('verification failure → rollback called, outcome failed, notification sent', async () => {
    const h = threatHarness(env, bundle, { record: 'verify-failed',  config: { policy: { mode: 'auto', dryRun: false } } });
    h.enforcer.faults.verifyAlwaysAbsent = true;
    const ip = '45.155.205.17';
    await h.run(async () => {
      await h.sight(ip, { score: 97 });
      const s = await h.waitFor(ip, (x) => x.outcome !== undefined);
      assert.equal(s.outcome, 'failed');
      assert.deepEqual(s.enforcement.map((e) => `${e.step}:${e.ok}`), ['apply:true', 'verify:false', 'rollback:true']);
    });
    assert.deepEqual(h.enforcer.calls.map((c) => c.op), ['apply', 'verify', 'remove']);
    assert.equal(h.enforcer.entries.size, 0, 'no half-applied block remains');
    assert.ok(h.notifications.some((n) => n.outcome === 'failed' && /did not take/.test(n.body)));
  });

  test('a transient firewall error is retried; a permanent one fails at once with a clear reason', async () => {
    const h = threatHarness(env, bundle, { record: 'transient-error', config: { policy: { mode: 'auto', dryRun: false } } });
    h.enforcer.faults.failApply = 2;
    await h.run(async () => {
      await h.sight('45.155.205.18', { score: 97 });
      const s = await h.waitFor('45.155.205.18', (x) => x.status === 'blocked');
      assert.equal(s.enforcement[0].ok, true);
    });
    assert.equal(h.enforcer.calls.filter((c) => c.op === 'apply').length, 3, 'two transient failures, then success');

    const p = threatHarness(env, bundle, { record: 'permanent-error', config: { policy: { mode: 'auto', dryRun: false } } });
    p.enforcer.faults.permanentApplyError = 'authentication failed (401)';
    await p.run(async () => {
      await p.sight('45.155.205.19', { score: 97 });
      const s = await p.waitFor('45.155.205.19', (x) => x.outcome !== undefined);
      assert.equal(s.outcome, 'failed');
      assert.match(s.enforcement[0].detail, /authentication failed \(401\)/);
    });
    assert.equal(p.enforcer.calls.filter((c) => c.op === 'apply').length, 1, 'not retried');
  });

  test('governor: the 6th auto-eligible IP inside an hour (cap 5) goes to review; an approval still goes through', async () => {
    const h = threatHarness(env, bundle, { record: 'governor', config: { policy: { mode: 'auto', dryRun: false, governor: { maxUnattendedActions: 5, windowMinutes: 60 } } } });
    const ips = Array.from({ length: 6 }, (_, i) => `45.155.206.${i + 1}`);
    await h.run(async () => {
      for (const ip of ips.slice(0, 5)) {
        await h.sight(ip, { score: 97 });
        await h.waitFor(ip, (x) => x.status === 'blocked');
      }
      await h.sight(ips[5], { score: 97 });
      const s = await h.waitFor(ips[5], (x) => x.status === 'pending_review');
      assert.equal(s.decision?.kind, 'review');
      assert.ok(s.decision?.reasons.some((r) => r.includes('rate governor: 5/5')), s.decision?.reasons.join('; '));
      await h.handle(ips[5]).executeUpdate(decideUpdate, { args: [{ decision: 'approve', approver: 'alice', channel: 'test' }] });
      const after = await h.waitFor(ips[5], (x) => x.status === 'blocked');
      assert.equal(after.governor?.used, 6, 'the human approval is counted in the window');
    });
    assert.equal(h.enforcer.entries.size, 6);
  });

  test('release and extend during hold behave as named', async () => {
    const h = threatHarness(env, bundle, { record: 'hold-release-extend',  config: { policy: { mode: 'auto', dryRun: false } } });
    const ip = '45.155.205.20';
    const other = '45.155.205.21';
    await h.run(async () => {
      const handle = await h.sight(ip, { score: 97 });
      const s = await h.waitFor(ip, (x) => x.status === 'blocked');
      const expires = Date.parse(s.block!.expiresAt!);
      const b = await handle.executeUpdate(holdUpdate, { args: [{ action: 'extend', hours: 48, by: 'alice', channel: 'test', reason: 'persistent' }] });
      assert.equal(Date.parse(b!.expiresAt!), expires + 48 * HOUR);
      assert.equal(b!.durationHours, 24 + 48);
      await assert.rejects(
        handle.executeUpdate(holdUpdate, { args: [{ action: 'extend', hours: -1, by: 'alice', channel: 'test' }] }),
        (e: unknown) => e instanceof WorkflowUpdateFailedError && /positive number of hours/.test(String((e.cause as Error)?.message)),
      );
      await handle.executeUpdate(holdUpdate, { args: [{ action: 'release', by: 'bob', channel: 'cli', reason: 'false positive' }] });
      const released = await h.waitFor(ip, (x) => x.outcome !== undefined);
      assert.equal(released.outcome, 'released');
      assert.equal(h.enforcer.entries.has(`${ip}/32`), false);

      // extend really moves the lift: 24 h + 48 h of server time.
      const h2 = await h.sight(other, { score: 97 });
      await h.waitFor(other, (x) => x.status === 'blocked');
      await h2.executeUpdate(holdUpdate, { args: [{ action: 'extend', hours: 48, by: 'alice', channel: 'test' }] });
      const t0 = await env.currentTimeMs();
      await env.sleep(60 * HOUR);
      assert.equal((await h2.query(stateQuery)).status, 'blocked', 'still blocked after 60 h');
      await env.sleep(13 * HOUR);
      const done = await h.waitFor(other, (x) => x.outcome !== undefined);
      assert.equal(done.outcome, 'expired');
      assert.ok(Date.parse(done.block!.liftedAt!) - t0 >= 71 * HOUR);
    });
  });

  test('make permanent: no expiry and no hold timer; a later extend is refused; release lifts it', async () => {
    const h = threatHarness(env, bundle, { record: 'make-permanent', config: { policy: { mode: 'auto', dryRun: false } } });
    const ip = '45.155.205.25';
    await h.run(async () => {
      const handle = await h.sight(ip, { score: 97 });
      await h.waitFor(ip, (x) => x.status === 'blocked');
      const b = await handle.executeUpdate(holdUpdate, { args: [{ action: 'make_permanent', by: 'alice', channel: 'cli', reason: 'repeat scanner' }] });
      assert.equal(b!.permanent, true);
      assert.equal(b!.expiresAt, undefined);
      await assert.rejects(
        handle.executeUpdate(holdUpdate, { args: [{ action: 'extend', hours: 12, by: 'bob', channel: 'cli' }] }),
        (e: unknown) => e instanceof WorkflowUpdateFailedError && /already permanent/.test(String((e.cause as Error)?.message)),
      );
      await env.sleep(400 * HOUR);
      assert.equal((await handle.query(stateQuery)).status, 'blocked', 'still blocked long after any ladder duration');
      await handle.executeUpdate(holdUpdate, { args: [{ action: 'release', by: 'bob', channel: 'cli', reason: 'moved on' }] });
      const done = await h.waitFor(ip, (x) => x.outcome !== undefined);
      assert.equal(done.outcome, 'released');
      assert.equal(h.enforcer.entries.has(`${ip}/32`), false);
    });
  });

  test('a sighting after the block expired reopens the case: continue-as-new into cycle 2, the ladder counts the earlier block', async () => {
    const h = threatHarness(env, bundle, { record: 'reopened', config: { policy: { mode: 'auto', dryRun: false } } });
    const ip = '45.155.205.26';
    await h.run(async () => {
      const handle = await h.sight(ip, { score: 97 });
      const first = await h.waitFor(ip, (x) => x.status === 'blocked');
      await env.sleep((first.block!.durationHours + 1) * HOUR);
      await h.waitFor(ip, (x) => x.outcome === 'expired', 'first block lifted');
      const firstRun = (await handle.describe()).runId;
      await h.sight(ip, { score: 97 });
      await h.nextRun(ip, firstRun);
      const second = await h.waitFor(ip, (x) => x.cycle === 2 && x.status === 'blocked', 'case 2 blocked');
      assert.equal(second.priorBlocks, 1);
      // The ladder counts the earlier block: never below its second rung (24 h) for a repeat offender.
      assert.ok(second.block!.durationHours >= h.config.policy.durations.ladderHours[1], `${second.block!.durationHours} h`);
      assert.ok(second.proposal?.reason.includes('1 earlier block') || second.decision?.reasons.some((r) => /earlier block|repeat/.test(r)), `${second.proposal?.reason}`);
      assert.equal(second.previous?.outcome, 'expired');
    });
  });

  test('the same sighting delivered again after the block expired (a retried scan) is merged, not a second block', async () => {
    const h = threatHarness(env, bundle, { record: 'repeated-sighting', config: { policy: { mode: 'auto', dryRun: false } } });
    const ip = '45.155.205.27';
    const observedAt = new Date().toISOString();
    await h.run(async () => {
      const handle = await h.sight(ip, { score: 97, observedAt });
      const first = await h.waitFor(ip, (x) => x.status === 'blocked');
      await env.sleep((first.block!.durationHours + 1) * HOUR);
      await h.waitFor(ip, (x) => x.outcome === 'expired', 'first block lifted');
      const firstRun = (await handle.describe()).runId;
      await h.sight(ip, { score: 97, observedAt });
      const merged = await h.waitFor(ip, (x) => (x.watch?.sightings ?? 0) >= 1, 'repeat merged');
      assert.deepEqual([merged.cycle, merged.outcome, merged.status], [1, 'expired', 'watching']);
      assert.equal((await handle.describe()).runId, firstRun, 'no new run');
      assert.deepEqual(h.enforcer.calls.filter((c) => c.op === 'apply').length, 1, 'applied once');
      // A later observation is news: it opens the next case.
      await h.sight(ip, { score: 97, observedAt: new Date(Date.parse(observedAt) + 1000).toISOString() });
      await h.nextRun(ip, firstRun);
      await h.waitFor(ip, (x) => x.cycle === 2 && x.status === 'blocked', 'case 2 blocked');
    });
  });

  test('dry-run (the default): the whole flow runs and is recorded, only the simulator is touched', async () => {
    const h = threatHarness(env, bundle, { record: 'dry-run',  config: { policy: { mode: 'auto' } } });
    const ip = '45.155.205.22';
    await h.run(async () => {
      await h.sight(ip, { score: 97 });
      const s = await h.waitFor(ip, (x) => x.status === 'blocked');
      assert.equal(s.dryRun, true);
      assert.equal(s.block?.enforcer, 'simulated');
      assert.equal(s.enforcement[0].simulated, true);
      assert.match(s.enforcement[0].detail, /would add/);
    });
    assert.equal(h.enforcer.calls.length, 0, 'the real enforcer is untouched in dry-run');
  });
});
