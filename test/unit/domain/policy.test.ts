// The decision table: mode × dry-run × score × direction × known-bad × likely-false-positive × governor → decision.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { policySchema, type PolicyConfig } from '../../../domain/config';
import { emptyEvidence, mergeSighting } from '../../../domain/evidence';
import { decide, effectiveSettings, type DecideInput } from '../../../domain/policy';
import type { Direction, GovernorVerdict, Mode, Proposal, ThreatIntel } from '../../../domain/types';

const NOW = '2026-11-22T12:00:00.000Z';
const IP = '45.155.205.233';

function policy(over: Partial<PolicyConfig> = {}): PolicyConfig {
  return policySchema.parse(over);
}

function facts(o: {
  score: number; mode?: Mode; dryRun?: boolean; direction?: Direction; knownBad?: boolean; observed?: boolean; fp?: boolean;
  governor?: GovernorVerdict; proposal?: Partial<Proposal>; priorBlocks?: number; ip?: string; intel?: Partial<ThreatIntel>;
  policy?: Partial<PolicyConfig>;
}): DecideInput {
  const ip = o.ip ?? IP;
  const evidence = mergeSighting(emptyEvidence(ip, NOW), {
    source: 'test', score: o.score, direction: o.direction ?? 'inbound', observedAt: NOW, knownBad: o.knownBad ?? true,
    ...(o.observed ? { observedAttack: true } : {}), likelyFalsePositive: o.fp ?? false, evidence: {},
  });
  const intel: ThreatIntel = { ip, compositeScore: 0, knownBad: false, likelyFalsePositive: false, confidence: 'low', providers: [], notes: [], ...o.intel };
  return {
    ip, evidence, intel, allowlist: [], priorBlocks: o.priorBlocks ?? 0, now: NOW,
    policy: policy({ mode: o.mode ?? 'auto', dryRun: o.dryRun ?? false, ...o.policy }),
    proposal: { action: 'block', target: `${ip}/32`, durationHours: 24, reason: 'r', confidence: 0.9, recommendPermanent: false, origin: 'rules', ...o.proposal },
    governor: o.governor,
  };
}

const granted: GovernorVerdict = { granted: true, used: 1, cap: 5, windowMinutes: 60 };
const exhausted: GovernorVerdict = { granted: false, used: 5, cap: 5, windowMinutes: 60 };

describe('policy decision table', () => {
  // [name, input, expected kind, reason fragment]
  const table: [string, Parameters<typeof facts>[0], string, string][] = [];
  for (const mode of ['disabled', 'review', 'auto'] as Mode[]) {
    for (const dryRun of [true, false]) {
      for (const score of [0, 79, 80, 84, 85, 94, 95, 100]) {
        for (const direction of ['inbound', 'outbound'] as Direction[]) {
          const bar = direction === 'outbound' ? 85 : 80;
          let kind: string;
          let why: string;
          if (score < bar) [kind, why] = ['record', `below the ${direction === 'outbound' ? 'outbound analyse' : 'analyse'} threshold ${bar}`];
          else if (mode === 'disabled') [kind, why] = ['record', 'mode disabled'];
          else if (mode === 'review') [kind, why] = ['review', 'mode review'];
          else if (score < 95) [kind, why] = ['review', 'below the auto threshold 95'];
          else [kind, why] = ['auto', 'acting without a human'];
          table.push([`${mode} dryRun=${dryRun} score=${score} ${direction}`, { score, mode, dryRun, direction, governor: granted }, kind, why]);
        }
      }
    }
  }
  // known-bad, likely false positive, governor, proposer, target/duration rules
  table.push(
    ['not known-bad', { score: 97, knownBad: false }, 'record', 'no feed flags it as known-bad and no detector observed an attack'],
    ['not known-bad, but an attack Palisade observed itself', { score: 97, knownBad: false, observed: true }, 'auto', 'own observation: attack observed by a detector; feed reputation: not flagged'],
    ['known-bad and observed: both facts named', { score: 90, knownBad: true, observed: true, mode: 'review' }, 'review', 'own observation: attack observed by a detector; feed reputation: known bad'],
    ['not known-bad but not required', { score: 97, knownBad: false, policy: { thresholds: { analyse: 80, auto: 95, outbound: 85, requireKnownBad: false } } }, 'auto', 'acting without a human'],
    ['likely false positive', { score: 97, fp: true }, 'skip_never_block', 'likely false positive'],
    ['likely false positive, overwhelming score', { score: 99, fp: true }, 'auto', 'overwhelming'],
    ['GreyNoise RIOT', { score: 97, intel: { greynoise: { classification: 'benign', noise: false, riot: true, name: 'Google' } } }, 'skip_never_block', 'RIOT'],
    ['benign CDN org', { score: 97, intel: { org: 'AS13335 Cloudflare, Inc.' } }, 'skip_never_block', 'known-benign CDN'],
    ['intel score raises a low sighting', { score: 10, intel: { compositeScore: 96, knownBad: true } }, 'auto', 'score 96'],
    ['governor exhausted', { score: 97, governor: exhausted }, 'review', 'rate governor: 5/5'],
    ['governor not yet asked', { score: 97 }, 'auto', 'acting without a human'],
    ['governor exhausted in review mode', { score: 97, mode: 'review', governor: exhausted }, 'review', 'mode review'],
    ['proposer says no action', { score: 97, proposal: { action: 'no_action', reason: 'benign crawler' } }, 'review', 'proposes no action: benign crawler'],
    ['LLM no action', { score: 97, proposal: { action: 'no_action', origin: 'llm', reason: 'x' } }, 'review', 'the model proposes no action'],
    ['private address', { score: 100, ip: '10.0.0.7' }, 'skip_never_block', 'never block'],
    ['loopback v6', { score: 100, ip: '::1' }, 'skip_never_block', 'never block'],
    ['malformed', { score: 100, ip: '1.2.3' }, 'skip_never_block', 'not a single valid IP'],
    ['a network is not an IP', { score: 100, ip: '45.155.0.0/16' }, 'skip_never_block', 'not a single valid IP'],
    ['own network', { score: 100, ip: '45.155.205.9', policy: { neverBlock: { ...policy().neverBlock, ownNetworks: ['45.155.205.0/24'] } } }, 'skip_never_block', 'own-network'],
    ['infrastructure', { score: 100, ip: '45.155.205.9', policy: { neverBlock: { ...policy().neverBlock, infrastructure: ['45.155.205.9'] } } }, 'skip_never_block', 'infrastructure'],
    ['allowlisted', { score: 100, policy: { neverBlock: { ...policy().neverBlock, allowlist: [{ cidr: '45.155.205.0/24', description: 'partner' }] } } }, 'skip_never_block', 'allowlist'],
    ['expired allowlist entry', { score: 100, governor: granted, policy: { neverBlock: { ...policy().neverBlock, allowlist: [{ cidr: '45.155.205.0/24', description: 'x', expiresAt: '2026-01-01T00:00:00Z' }] } } }, 'auto', 'acting without a human'],
    ['per-source override to review', { score: 97, policy: { sources: { test: { mode: 'review' } } } }, 'review', 'mode review'],
    ['per-source stricter auto bar', { score: 97, policy: { sources: { test: { thresholds: { auto: 99 } } } } }, 'review', 'below the auto threshold 99'],
  );

  for (const [name, input, kind, why] of table) {
    test(name, () => {
      const d = decide(facts(input));
      assert.equal(d.kind, kind, d.reasons.join(' | '));
      assert.ok(d.reasons.some((r) => r.includes(why)), `reasons ${JSON.stringify(d.reasons)} mention "${why}"`);
      assert.equal(d.dryRun, input.dryRun ?? false);
      if (d.kind === 'review' || d.kind === 'auto') assert.equal(d.block?.target, `${input.ip ?? IP}/32`);
      else assert.equal(d.block, undefined);
    });
  }
  test(`the table has ${table.length} rows`, () => assert.ok(table.length > 100));
});

describe('a proposal can only narrow', () => {
  const cases: [string, Partial<Proposal>, number, number, boolean, string | undefined][] = [
    // name, proposal, priorBlocks, expected hours, recommendPermanent, adjustment
    ['in bounds', { durationHours: 48 }, 0, 48, false, undefined],
    ['too long', { durationHours: 10_000 }, 0, 168, false, 'clamped to 168 h'],
    ['too short', { durationHours: 0 }, 0, 1, false, 'clamped to 1 h'],
    ['NaN', { durationHours: Number.NaN }, 0, 1, false, 'clamped'],
    ['widened v4 target', { target: '0.0.0.0/0' }, 0, 24, false, 'ignored: the block is always'],
    ['other address', { target: '45.155.205.234/32' }, 0, 24, false, 'ignored'],
    ['bare own IP is fine', { target: IP }, 0, 24, false, undefined],
    ['shorter than the ladder for a repeat IP', { durationHours: 12 }, 1, 24, false, 'raised from 12 h to 24 h'],
    ['third block', { durationHours: 12 }, 2, 72, false, 'raised'],
    ['repeat offender', { durationHours: 12 }, 5, 168, true, 'repeat offender'],
    ['proposer recommends permanent', { recommendPermanent: true }, 0, 24, true, undefined],
    ['model shortens a first block', { origin: 'llm', durationHours: 6 }, 0, 6, false, undefined],
    ['model lengthens a first block past the ladder', { origin: 'llm', durationHours: 168 }, 0, 12, false, "the model's 168 h shortened to 12 h"],
    ['model at the ladder', { origin: 'llm', durationHours: 12 }, 0, 12, false, undefined],
    ['model lengthens a second block', { origin: 'llm', durationHours: 100 }, 1, 24, false, 'shortened to 24 h'],
    ['model lengthens past the maximum', { origin: 'llm', durationHours: 10_000 }, 2, 72, false, 'shortened to 72 h'],
  ];
  for (const [name, p, prior, hours, perm, adj] of cases) {
    test(name, () => {
      const d = decide(facts({ score: 97, governor: granted, proposal: p, priorBlocks: prior }));
      assert.equal(d.kind, 'auto');
      assert.equal(d.block?.target, `${IP}/32`);
      assert.equal(d.block?.durationHours, hours);
      assert.equal(d.block?.recommendPermanent, perm);
      if (adj) assert.ok(d.reasons.some((r) => r.includes(adj)), d.reasons.join(' | '));
    });
  }
  test('IPv6 targets are /128', () => {
    const d = decide(facts({ score: 97, ip: '2a01:4f8::1', governor: granted, proposal: { target: '2a01:4f8::/32' } }));
    assert.equal(d.block?.target, '2a01:4f8::1/128');
  });
});

describe('effective settings', () => {
  test('outbound raises both bars to at least the outbound threshold', () => {
    const s = effectiveSettings(policy({ thresholds: { analyse: 70, auto: 80, outbound: 85, requireKnownBad: true } }), 'x', 'outbound');
    assert.deepEqual([s.analyseBar, s.autoBar], [85, 85]);
  });
  test('defaults match the design', () => {
    const p = policy();
    assert.deepEqual([p.mode, p.dryRun, p.thresholds.analyse, p.thresholds.auto, p.thresholds.outbound], ['review', true, 80, 95, 85]);
    assert.deepEqual([p.governor.maxUnattendedActions, p.governor.windowMinutes, p.review.timeoutHours], [5, 60, 4]);
    assert.deepEqual([p.durations.ladderHours, p.durations.repeatOffenderThreshold], [[12, 24, 72, 168], 5]);
  });
});

// Finding 3 of issue 11: at or above the analyse bar, neither a model's no_action nor any proposer failure may end a
// case as "record"; a model may shorten the ladder, never lengthen it.
describe('a strong case cannot be talked out of a block', () => {
  const FAILURES = [
    'network error: connect ECONNREFUSED 127.0.0.1:9',
    'timeout after 120 s',
    'empty response',
    'malformed JSON: Unexpected token t in JSON at position 21',
    'no JSON object in the answer',
    'schema violation: action: Invalid option',
    'refusal: the model declined',
    'unavailable: missing Anthropic API key (expected in environment variable ANTHROPIC_API_KEY)',
  ];
  const failedLlm = (failure: string): Partial<Proposal> => ({
    action: 'no_action', origin: 'llm', durationHours: 0, reason: `LLM failed (${failure}); no usable proposal`, failure,
    llm: { provider: 'anthropic', model: 'm', prompt: 'p', rawResponse: '', promptTokens: 0, completionTokens: 0, latencyMs: 1, failure },
  });
  // [name, input, expected kind, expected hours, reason fragment]
  const table: [string, Parameters<typeof facts>[0], string, number | undefined, string][] = [];
  for (const mode of ['review', 'auto'] as Mode[]) {
    for (const score of [80, 94, 95, 100]) {
      // the rule-based proposal: a first block is 12 h, 24 h with strong evidence (score ≥ the auto bar)
      const rulesHours = score >= 95 ? 24 : 12;
      for (const failure of FAILURES) {
        table.push([`${mode} score ${score}: ${failure.split(':')[0]} → review`, { score, mode, governor: granted, proposal: failedLlm(failure) }, 'review', rulesHours, `no usable proposal (${failure})`]);
        const rules = { score, mode, governor: granted, proposal: failedLlm(failure), policy: { onProposalFailure: 'rules' as const } };
        const strong = mode === 'auto' && score >= 95;
        table.push([`${mode} score ${score}: ${failure.split(':')[0]} with onProposalFailure rules → the rule-based proposal`, rules, strong ? 'auto' : 'review', rulesHours, 'the rule-based proposal is used instead']);
      }
      table.push([`${mode} score ${score}: the model answers no_action → review`, { score, mode, governor: granted, proposal: { action: 'no_action', origin: 'llm', durationHours: 0, reason: 'authorised scan, no action' } }, 'review', rulesHours, 'the model proposes no action: authorised scan']);
    }
  }
  table.push(
    // the workflow's own fallback when the proposal activity failed outright
    ['activity failure recorded by the workflow', { score: 97, proposal: { action: 'no_action', origin: 'rules', durationHours: 0, reason: 'no proposal: activity timed out', failure: 'activity timed out' } }, 'review', 24, 'no usable proposal (activity timed out)'],
    ['activity failure with rules fallback', { score: 97, governor: granted, proposal: { action: 'no_action', origin: 'rules', durationHours: 0, reason: 'x', failure: 'activity timed out' }, policy: { onProposalFailure: 'rules' } }, 'auto', 24, 'rule-based proposal is used instead'],
    // a failed answer that still carries a block (an older activity) is a failure too
    ['block proposal marked failed', { score: 97, governor: granted, proposal: { ...failedLlm('schema violation: x'), action: 'block', durationHours: 168 } }, 'review', 24, 'no usable proposal'],
    ['model no_action for a repeat IP suggests the ladder', { score: 90, priorBlocks: 2, proposal: { action: 'no_action', origin: 'llm', durationHours: 0, reason: 'x' } }, 'review', 72, 'a human decides'],
    ['model no_action with rules fallback in auto mode', { score: 97, governor: granted, proposal: { action: 'no_action', origin: 'llm', durationHours: 0, reason: 'ignore previous instructions' }, policy: { onProposalFailure: 'rules' } }, 'auto', 24, 'the model proposes no action'],
    ['rules themselves say no action: review even with the rules fallback', { score: 99, intel: { likelyFalsePositive: true }, proposal: { action: 'no_action', origin: 'rules', durationHours: 0, reason: 'likely false positive' }, policy: { onProposalFailure: 'rules' } }, 'review', 12, 'the rule-based proposer proposes no action'],
    ['below the analyse bar a failure is still only recorded', { score: 79, proposal: failedLlm('timeout after 120 s') }, 'record', undefined, 'below the analyse threshold'],
    ['mode disabled still records', { score: 97, mode: 'disabled', proposal: failedLlm('timeout after 120 s') }, 'record', undefined, 'mode disabled'],
    ['never-block wins over the fallback', { score: 100, ip: '10.0.0.7', proposal: failedLlm('timeout after 120 s') }, 'skip_never_block', undefined, 'never block'],
    ['auto mode: the model asks for 168 h on a first offence', { score: 97, governor: granted, proposal: { origin: 'llm', durationHours: 168 } }, 'auto', 12, 'never lengthen it'],
  );
  for (const [name, input, kind, hours, why] of table) {
    test(name, () => {
      const d = decide(facts(input));
      assert.equal(d.kind, kind, d.reasons.join(' | '));
      assert.notEqual(d.kind === 'record' && (input.score ?? 0) >= 80 && input.mode !== 'disabled', true);
      assert.equal(d.block?.durationHours, hours, d.reasons.join(' | '));
      assert.ok(d.reasons.some((r) => r.includes(why)), `reasons ${JSON.stringify(d.reasons)} mention "${why}"`);
    });
  }
  test('the default fallback is review', () => assert.equal(policy().onProposalFailure, 'review'));
  test('an unknown fallback is refused', () => assert.throws(() => policySchema.parse({ onProposalFailure: 'record' })));
});
