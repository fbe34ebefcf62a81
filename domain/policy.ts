// The policy: pure and total. The LLM proposes, the policy disposes.
//
//   assessThreat(ThreatFacts)  → record | skip_never_block | analyse     (before asking a proposer)
//   decide(ThreatFacts & { proposal, governor? }) → PolicyDecision       (record | skip_never_block | review | auto)
//
// decide() re-runs assessThreat itself, so it is safe to call alone. Rules, in order:
//   1. the value must be one valid address; never-block ranges, own networks, infrastructure and the allowlist win;
//   2. known-benign services (GreyNoise RIOT/benign, configured CDN orgs, "likely false positive") are skipped
//      unless the score is overwhelming;
//   3. below the analyse bar (outbound: stricter bar), or (when required) neither known-bad to a feed nor an attack
//      observed by Palisade's own detectors → record only;
//   4. mode disabled → record only;
//   5. at or above the analyse bar, a proposer failure or no_action is never "record": it goes to review with the
//      reason, or to the rule-based proposal (policy.onProposalFailure; domain/proposal-vetting.ts);
//   6. the block is always the workflow's own IP as /32 or /128, duration clamped into bounds, never below the
//      repeat-offender ladder, and a model's duration never above the ladder (a model may only shorten);
//   7. mode auto and score ≥ auto bar → auto, unless the rate governor is exhausted (→ review); otherwise review.
import type { AllowlistEntry, PolicyConfig } from './config';
import { clampHours, ladderStep } from './durations';
import { normaliseIp } from './ip';
import { classifyNeverBlock } from './never-block';
import { durationCeiling, vetProposal } from './proposal-vetting';
import type { Direction, GovernorVerdict, MergedEvidence, Mode, PolicyDecision, Proposal, ThreatIntel } from './types';

export interface ThreatFacts {
  ip: string;
  evidence: MergedEvidence;
  intel: ThreatIntel;
  policy: PolicyConfig;
  /** Entries added at runtime (CLI/API allowlist), on top of the configured allowlist. */
  allowlist: AllowlistEntry[];
  priorBlocks: number;
  /** ISO time of the decision (workflow time), for allowlist expiry. */
  now: string;
}

export interface EffectiveSettings {
  mode: Mode;
  dryRun: boolean;
  analyseBar: number;
  autoBar: number;
  requireKnownBad: boolean;
  source: string;
}

/** Mode, dry-run and thresholds after the per-source override of the source that opened the threat. */
export function effectiveSettings(policy: PolicyConfig, source: string | undefined, direction: Direction): EffectiveSettings {
  const o = source ? policy.sources[source] : undefined;
  const t = { ...policy.thresholds, ...(o?.thresholds ?? {}) };
  return {
    mode: o?.mode ?? policy.mode,
    dryRun: o?.dryRun ?? policy.dryRun,
    analyseBar: direction === 'outbound' ? Math.max(t.analyse, t.outbound) : t.analyse,
    // Outbound blocks affect every user: the auto bar is never below the outbound bar either.
    autoBar: direction === 'outbound' ? Math.max(t.auto, t.outbound) : t.auto,
    requireKnownBad: t.requireKnownBad,
    source: source ?? 'unknown',
  };
}

/** The score the policy acts on: Palisade's own detectors and intel, never a caller-supplied number. */
export function effectiveScore(evidence: MergedEvidence, intel: ThreatIntel): number {
  return Math.max(evidence.maxScore, intel.compositeScore);
}

export type Assessment =
  | { kind: 'record' | 'skip_never_block'; reasons: string[]; score: number; settings: EffectiveSettings }
  | { kind: 'analyse'; reasons: string[]; score: number; settings: EffectiveSettings; target: string };

/** Never-block screening alone: run before any enrichment so protected addresses cost nothing. */
export function screenTarget(ip: string, policy: PolicyConfig, allowlist: AllowlistEntry[], now: string): { blockable: true; target: string; ip: string } | { blockable: false; reason: string } {
  const parsed = normaliseIp(ip);
  if (!parsed.ok) return { blockable: false, reason: `not a single valid IP address: ${parsed.reason}` };
  const nb = classifyNeverBlock(parsed.ip, {
    ownNetworks: policy.neverBlock.ownNetworks,
    infrastructure: policy.neverBlock.infrastructure,
    allowlist: [...policy.neverBlock.allowlist, ...allowlist],
    now,
  });
  if (nb.neverBlock) return { blockable: false, reason: `never block (${nb.category}): ${nb.reason}` };
  return { blockable: true, target: parsed.cidr, ip: parsed.ip };
}

function benignReason(intel: ThreatIntel, policy: PolicyConfig): string | undefined {
  if (intel.greynoise?.riot) return `GreyNoise RIOT: known benign service${intel.greynoise.name ? ` (${intel.greynoise.name})` : ''}`;
  if (intel.greynoise?.classification === 'benign') return `GreyNoise classifies it as benign${intel.greynoise.name ? ` (${intel.greynoise.name})` : ''}`;
  const org = intel.org?.toLowerCase();
  const cdn = org ? policy.neverBlock.benignOrgs.find((b) => org.includes(b.toLowerCase())) : undefined;
  if (cdn) return `organisation "${intel.org}" is a configured known-benign CDN/crawler (${cdn})`;
  if (intel.likelyFalsePositive) return 'intel marks it as a likely false positive';
  return undefined;
}

export function assessThreat(f: ThreatFacts): Assessment {
  const score = effectiveScore(f.evidence, f.intel);
  const settings = effectiveSettings(f.policy, f.evidence.sources[0], f.evidence.direction);
  const screen = screenTarget(f.ip, f.policy, f.allowlist, f.now);
  if (!screen.blockable) return { kind: 'skip_never_block', reasons: [screen.reason], score, settings };

  const benign = benignReason(f.intel, f.policy) ?? (f.evidence.likelyFalsePositive ? 'a source marks it as a likely false positive' : undefined);
  if (benign) {
    if (score < f.policy.neverBlock.overwhelmingAbuseScore) {
      return { kind: 'skip_never_block', reasons: [`${benign}; score ${score} is below the overwhelming-abuse bar ${f.policy.neverBlock.overwhelmingAbuseScore}`], score, settings };
    }
  }
  const reasons: string[] = [];
  if (benign) reasons.push(`${benign}, but score ${score} ≥ ${f.policy.neverBlock.overwhelmingAbuseScore}: abuse evidence is overwhelming`);
  if (score < settings.analyseBar) {
    const which = f.evidence.direction === 'outbound' ? 'outbound analyse' : 'analyse';
    return { kind: 'record', reasons: [...reasons, `score ${score} is below the ${which} threshold ${settings.analyseBar}`], score, settings };
  }
  // Two separate facts: a feed's reputation, and an attack Palisade's own detectors observed.
  const knownBad = f.intel.knownBad || f.evidence.knownBad;
  const observed = Boolean(f.evidence.observedAttack);
  if (settings.requireKnownBad && !knownBad && !observed) {
    return { kind: 'record', reasons: [...reasons, `score ${score} ≥ ${settings.analyseBar}, but no feed flags it as known-bad and no detector observed an attack`], score, settings };
  }
  if (settings.mode === 'disabled') {
    return { kind: 'record', reasons: [...reasons, `mode disabled for source ${settings.source}: observed and recorded only`], score, settings };
  }
  reasons.push(`score ${score} ≥ analyse threshold ${settings.analyseBar}; own observation: ${observed ? 'attack observed by a detector' : 'none'}; feed reputation: ${knownBad ? 'known bad' : 'not flagged'}`);
  return { kind: 'analyse', reasons, score, settings, target: screen.target };
}

/** What a proposal is allowed to change: only narrower. Returns the constrained block and what was adjusted. */
export function constrainProposal(target: string, proposal: Proposal, policy: PolicyConfig, priorBlocks: number): { durationHours: number; recommendPermanent: boolean; adjustments: string[] } {
  const d = policy.durations;
  const adjustments: string[] = [];
  const proposedTarget = proposal.target?.trim();
  if (proposedTarget && proposedTarget !== target && proposedTarget !== target.split('/')[0]) {
    adjustments.push(`proposed target "${proposedTarget.slice(0, 64)}" ignored: the block is always ${target}`);
  }
  let hours = proposal.durationHours;
  const clamped = clampHours(hours, d);
  if (clamped !== hours) adjustments.push(`proposed duration ${Number.isFinite(hours) ? hours : 'invalid'} h clamped to ${clamped} h (bounds ${d.minHours}–${d.maxHours} h)`);
  hours = clamped;
  const ceiling = durationCeiling(proposal, priorBlocks, d);
  if (ceiling && hours > ceiling.hours) {
    adjustments.push(`the model's ${hours} h shortened to ${ceiling.hours} h: a model may shorten the rule-based ladder, never lengthen it (${ceiling.reason})`);
    hours = ceiling.hours;
  }
  const step = ladderStep(priorBlocks, d);
  if (priorBlocks > 0 && hours < step.hours) {
    adjustments.push(`duration raised from ${hours} h to ${step.hours} h: ${step.reason}`);
    hours = step.hours;
  }
  if (step.repeatOffender && hours < d.maxHours) hours = d.maxHours;
  return { durationHours: hours, recommendPermanent: step.recommendPermanent || proposal.recommendPermanent, adjustments };
}

export interface DecideInput extends ThreatFacts {
  proposal: Proposal;
  /** The governor's answer; undefined when it has not been asked yet (the decision may then be a tentative auto). */
  governor?: GovernorVerdict;
}

export function decide(input: DecideInput): PolicyDecision {
  const a = assessThreat(input);
  if (a.kind !== 'analyse') return { kind: a.kind, reasons: a.reasons, dryRun: a.settings.dryRun };
  const reasons = [...a.reasons];
  const s = a.settings;
  const vetted = vetProposal(input.proposal, {
    ip: input.ip, target: a.target, evidence: input.evidence, intel: input.intel, policy: input.policy,
    priorBlocks: input.priorBlocks, score: a.score, analyseBar: s.analyseBar, autoBar: s.autoBar,
  });
  reasons.push(...vetted.reasons);
  const p = vetted.proposal;
  const c = constrainProposal(a.target, p, input.policy, input.priorBlocks);
  reasons.push(...c.adjustments);
  reasons.push(`proposed: block ${a.target} for ${c.durationHours} h${c.recommendPermanent ? ' (permanent block recommended)' : ''}`);
  const block = { target: a.target, durationHours: c.durationHours, recommendPermanent: c.recommendPermanent };
  if (vetted.kind === 'review') return { kind: 'review', reasons, block, dryRun: s.dryRun };
  if (s.mode === 'review') {
    reasons.push(`mode review: a human decides`);
    return { kind: 'review', reasons, block, dryRun: s.dryRun };
  }
  if (a.score < s.autoBar) {
    reasons.push(`score ${a.score} is below the auto threshold ${s.autoBar}: a human decides`);
    return { kind: 'review', reasons, block, dryRun: s.dryRun };
  }
  if (input.governor?.unavailable) {
    reasons.push(`rate governor unavailable (${input.governor.unavailable.slice(0, 200)}): auto-eligible, sent to review`);
    return { kind: 'review', reasons, block, dryRun: s.dryRun };
  }
  if (input.governor && !input.governor.granted) {
    const g = input.governor;
    reasons.push(`rate governor: ${g.used}/${g.cap} actions in the last ${g.windowMinutes} min — auto-eligible, sent to review`);
    return { kind: 'review', reasons, block, dryRun: s.dryRun };
  }
  reasons.push(`score ${a.score} ≥ auto threshold ${s.autoBar} in mode auto${input.governor ? ` (governor ${input.governor.used}/${input.governor.cap})` : ''}: acting without a human`);
  return { kind: 'auto', reasons, block, dryRun: s.dryRun };
}
