// An LLM failure inside the real threat workflow: the real proposeAction activity talks (through @anthropic-ai/sdk)
// to a wire-compatible Messages API fake that answers with truncated, malformed JSON. The failure reason must be in
// the workflow history, inside the activity's result payload, and the threat (score 96, above the analyse bar) must go
// to a human with that reason: never silently "recorded" (issue 11, finding 3).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { ThreatRunResult } from '../../domain/threat-state';
import type { Proposal } from '../../domain/types';
import { createAnthropicClient } from '../../activities/llm/anthropic';
import { createProposalActivities } from '../../activities/proposal/index';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic';
import { createTimeSkippingEnv, workflowBundle } from '../helpers/temporal-env';
import { threatHarness } from '../helpers/threat-harness';

void describe('[time-skipping] LLM failures are recorded in the threat workflow history', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  let llm: FakeAnthropic;
  before(async () => {
    env = await createTimeSkippingEnv();
    bundle = await workflowBundle();
    llm = await startFakeAnthropic({ apiKey: 'sk-ant-workflow-test' });
  });
  after(async () => {
    await llm?.close();
    await env?.teardown();
  });

  void test('malformed JSON from the model → a failure with the reason in the proposeAction result payload, and a review', async () => {
    llm.respond = () => ({ text: '```json\n{"action": "block", "target": 45.155.205.77, "duration_hours": 24}\n```', inputTokens: 900, outputTokens: 30 });
    const proposal = createProposalActivities(
      { provider: 'anthropic', model: 'claude-test', timeoutSeconds: 10, maxTokens: 600, temperature: 0 },
      { llm: createAnthropicClient({ apiKey: 'sk-ant-workflow-test', model: 'claude-test', baseURL: llm.url, maxRetries: 0 }) },
    );
    const h = threatHarness(env, bundle, { config: { policy: { mode: 'review' } }, activities: { ...proposal } });
    const ip = '45.155.205.77';
    await h.run(async () => {
      const handle = await h.sight(ip, { score: 96 });
      const pending = await h.waitFor(ip, (s) => s.status === 'pending_review', 'the case goes to review');
      assert.equal(pending.decision?.kind, 'review');
      assert.ok(pending.decision!.reasons.some((r) => /no usable proposal \(malformed JSON: .*a human decides/.test(r)), pending.decision!.reasons.join(' | '));
      assert.equal(pending.decision?.block?.target, `${ip}/32`);
      const result = (await handle.result()) as ThreatRunResult;
      assert.equal(result.outcome, 'review_expired');
    });
    assert.equal(llm.requests.length, 1, 'the model was asked exactly once');
    assert.equal(h.enforcer.calls.length, 0, 'nothing was enforced');

    const events = (await h.handle(ip).fetchHistory()).events!;
    const scheduled = new Map<string, string>();
    const results: { type: string; payload: unknown }[] = [];
    for (const e of events) {
      const s = e.activityTaskScheduledEventAttributes;
      if (s) scheduled.set(String(e.eventId), s.activityType?.name ?? '');
      const c = e.activityTaskCompletedEventAttributes;
      if (c) {
        const data = c.result?.payloads?.[0]?.data;
        results.push({ type: scheduled.get(String(c.scheduledEventId)) ?? '', payload: data ? JSON.parse(Buffer.from(data).toString('utf8')) : undefined });
      }      // Local activities (the deciding steps) leave a marker: its data names the activity, its result is the payload.
      const m = e.markerRecordedEventAttributes;
      const markerData = m?.details?.data?.payloads?.[0]?.data;
      const markerResult = m?.details?.result?.payloads?.[0]?.data;
      if (markerData && markerResult) {
        const info = JSON.parse(Buffer.from(markerData).toString('utf8')) as { activityType?: string; activity_type?: string };
        results.push({ type: info.activityType ?? info.activity_type ?? '', payload: JSON.parse(Buffer.from(markerResult).toString('utf8')) });
      }
    }
    const proposed = results.filter((r) => r.type === 'proposeAction');
    assert.equal(proposed.length, 1);
    const p = proposed[0]!.payload as Proposal;
    assert.equal(p.action, 'no_action');
    assert.match(p.llm!.failure!, /^malformed JSON: /);
    assert.equal(p.failure, p.llm!.failure);
    assert.ok(p.reason.includes(p.llm!.failure!));
    assert.deepEqual([p.llm!.provider, p.llm!.model, p.llm!.promptTokens, p.llm!.completionTokens], ['anthropic', 'claude-test', 900, 30]);
    assert.match(p.llm!.prompt, /^\[system\]\nYou are Palisade's network threat analyst/);
    assert.match(p.llm!.rawResponse, /"target": 45\.155\.205\.77/);
    const history = JSON.stringify(events);
    assert.ok(!history.includes('sk-ant-workflow-test'), 'the API key never reaches the history');
  });
});

// Issue 11, finding 3: the proposal activity failing outright (after its retries) reaches the policy as a failure with
// its reason, like an LLM failure: review by default, the rule-based proposal with policy.onProposalFailure: rules.
void describe('[time-skipping] the proposal activity failing outright', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  before(async () => {
    env = await createTimeSkippingEnv();
    bundle = await workflowBundle();
  });
  after(async () => {
    await env?.teardown();
  });
  const broken = () => {
    throw ApplicationFailure.nonRetryable('model gateway exploded', 'ProposerCrashed');
  };

  void test('default: the case goes to a human with the failure, even in auto mode above the auto bar', async () => {
    const h = threatHarness(env, bundle, { config: { policy: { mode: 'auto' } }, propose: broken });
    const ip = '45.155.205.78';
    await h.run(async () => {
      await h.sight(ip, { score: 97 });
      const s = await h.waitFor(ip, (x) => x.status === 'pending_review', 'review');
      assert.equal(s.proposal?.failure, 'proposal activity failed: model gateway exploded');
      assert.ok(s.decision!.reasons.some((r) => r.includes('no usable proposal (proposal activity failed: model gateway exploded)')), s.decision!.reasons.join(' | '));
      assert.equal(h.enforcer.calls.length, 0);
    });
  });

  void test('onProposalFailure rules: the rule-based proposal stands in and the auto bar applies', async () => {
    const h = threatHarness(env, bundle, { config: { policy: { mode: 'auto', dryRun: false, onProposalFailure: 'rules' } }, propose: broken });
    const ip = '45.155.205.79';
    await h.run(async () => {
      await h.sight(ip, { score: 97 });
      const s = await h.waitFor(ip, (x) => x.status === 'blocked', 'blocked');
      assert.equal(s.decision?.kind, 'auto');
      assert.ok(s.decision!.reasons.some((r) => r.includes('the rule-based proposal is used instead')), s.decision!.reasons.join(' | '));
      assert.equal(s.block?.durationHours, 24, 'a first block with strong evidence, by the rules');
    });
  });
});
