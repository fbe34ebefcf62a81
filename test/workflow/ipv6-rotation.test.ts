// Finding 5 (IPv6 rotation) end to end on the time-skipping server: many addresses of one /64 are one case (one
// workflow, one intel lookup, one proposal, one review message); the prefix block is a reviewed widening past the
// count. The per-run caps are in scan-caps.test.ts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { EnrichInput, ProposeInput, ThreatIntel } from '../../domain/types';
import { proposeByRules } from '../../domain/rule-proposer';
import { decideUpdate } from '../../workflows/messages';
import { createTimeSkippingEnv, workflowBundle } from '../helpers/temporal-env';
import { threatHarness } from '../helpers/threat-harness';

const PREFIX = '2a01:4f8:10:2::/64';
const addr = (i: number) => `2a01:4f8:10:2:${(0x1000 + i).toString(16)}::${(i * 7 + 1).toString(16)}`;

function counters() {
  const enriched: string[] = [];
  const proposed: string[] = [];
  let release!: () => void;
  const allSent = new Promise<void>((r) => { release = r; });
  return {
    enriched, proposed, release,
    enrich: async (i: EnrichInput): Promise<ThreatIntel> => {
      enriched.push(i.ip);
      await allSent; // decide only once every address has been signalled (no race with the sender)
      return { ip: i.ip, compositeScore: 90, knownBad: true, likelyFalsePositive: false, confidence: 'high', providers: [], notes: [] };
    },
    propose: (i: ProposeInput) => {
      proposed.push(i.ip);
      return proposeByRules(i);
    },
  };
}

void describe('[time-skipping] IPv6 rotation: one case per /64', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  before(async () => {
    env = await createTimeSkippingEnv();
    bundle = await workflowBundle();
  });
  after(async () => {
    await env?.teardown();
  });

  void test('50 addresses of one /64 → one workflow, one intel lookup, one proposal, one review message; approved → the /64 is blocked', async () => {
    const c = counters();
    const h = threatHarness(env, bundle, { enrich: c.enrich, propose: c.propose, config: { policy: { mode: 'review', dryRun: false } } });
    // The wave arrives before a worker picks the case up (as in a scan run): the case opens with all of it.
    const ids = new Set<string>();
    for (let i = 0; i < 50; i++) ids.add((await h.sight(addr(i), { score: 90 })).workflowId);
    c.release();
    assert.deepEqual([...ids], [`threat/${PREFIX}`]);
    await h.run(async () => {
      const s = await h.waitFor(PREFIX, (x) => x.status === 'pending_review', 'pending review');
      assert.equal(s.evidence.addresses?.length, 50);
      assert.equal(s.evidence.sightingCount, 50);
      assert.equal(c.enriched.length, 1, 'one intel lookup');
      assert.deepEqual(c.proposed, c.enriched, 'one proposal, for the same address');
      assert.ok(s.evidence.addresses?.includes(c.enriched[0]));
      assert.equal(s.decision?.block?.target, PREFIX);
      assert.ok(s.decision?.reasons.some((r) => /50 distinct addresses .* ≥ 8: the block is widened/.test(r)), s.decision?.reasons.join(' | '));
      // More addresses of the prefix merge into the open case: no second review message.
      await h.sight(addr(50), { score: 95 });
      await h.handle(PREFIX).executeUpdate(decideUpdate, { args: [{ decision: 'approve', approver: 'alice', channel: 'test', comment: 'rotating scanner' }] });
      const blocked = await h.waitFor(PREFIX, (x) => x.status === 'blocked', 'blocked');
      assert.equal(blocked.block?.target, PREFIX);
      assert.equal(h.enforcer.entries.has(PREFIX), true, 'the enforcer holds the /64');
    });
    assert.equal(h.notifications.filter((n) => n.kind === 'review_needed').length, 1);
  });

  void test('below the count the block is the latest /128; in auto mode a prefix is never widened', async () => {
    const c = counters();
    const h = threatHarness(env, bundle, { enrich: c.enrich, propose: c.propose, config: { policy: { mode: 'review', dryRun: false } } });
    for (let i = 0; i < 3; i++) await h.sight(addr(i), { score: 90, observedAt: new Date(Date.UTC(2026, 10, 26, 12, 0, i)).toISOString() });
    c.release();
    await h.run(async () => {
      const s = await h.waitFor(PREFIX, (x) => x.status === 'pending_review', 'pending review');
      assert.deepEqual(c.enriched, [addr(2)], 'the latest address');
      assert.equal(s.decision?.block?.target, `${addr(2)}/128`);
      assert.ok(s.decision?.reasons.some((r) => /3 distinct addresses .*below 8 .*the latest address/.test(r)), s.decision?.reasons.join(' | '));
    });
    const a = counters();
    a.release();
    const auto = threatHarness(env, bundle, { enrich: a.enrich, propose: a.propose, config: { policy: { mode: 'auto', dryRun: false } } });
    for (let i = 0; i < 20; i++) await auto.sight(addr(i), { score: 99 });
    await auto.run(async () => {
      const s = await auto.waitFor(PREFIX, (x) => x.block !== undefined, 'a block');
      assert.match(s.block!.target, /\/128$/);
      assert.ok(s.decision?.reasons.some((r) => /proposed only in review mode \(mode auto\)/.test(r)), s.decision?.reasons.join(' | '));
    });
  });
});
