// Deciding a case: evaluate (screen, intel, assess) → propose → decide (policy + rate governor) → [human review].
// The deciding steps are local activities: they run inside one workflow task and each leaves one marker event
// holding its result, so the history holds the whole decision (screening verdict, intel summary, the exact prompt
// and raw answer, the policy's reasons, the governor's verdict) at a fraction of the cost of regular activities.
import { condition, proxyLocalActivities, uuid4 } from '@temporalio/workflow';
import type { ThreatActivities } from '../../activities/threat';
import { caseNonceFromUuid, formatCaseRef } from '../../domain/case-binding';
import { autoBlockDecided, reviewNeeded } from '../../domain/notifications';
import { decide, type ThreatFacts } from '../../domain/policy';
import { failedProposal } from '../../domain/proposal-vetting';
import { caseHost } from '../../domain/prefix-case';
import { SA } from '../../domain/search-attributes';
import type { Proposal, RecordedHumanDecision, ThreatOutcome } from '../../domain/types';
import { LOCAL_ACTIVITY_OPTIONS } from '../retry-policies';
import { errorMessage, HOUR_MS, nowIso, type ThreatCase } from './case';

const evaluateActs = proxyLocalActivities<ThreatActivities>(LOCAL_ACTIVITY_OPTIONS.evaluate);
const proposeActs = proxyLocalActivities<ThreatActivities>(LOCAL_ACTIVITY_OPTIONS.propose);
const decideActs = proxyLocalActivities<ThreatActivities>(LOCAL_ACTIVITY_OPTIONS.decide);
const countActs = proxyLocalActivities<ThreatActivities>(LOCAL_ACTIVITY_OPTIONS.countHuman);

/** Where deciding ends: a block to enforce, or an outcome without one. */
export type Verdict =
  | { kind: 'block'; target: string; durationHours: number; address: string }
  | { kind: 'close'; outcome: ThreatOutcome; reasons: string[] };

export async function decideCase(c: ThreatCase): Promise<Verdict> {
  const st = c.state;
  // The address the case decides on: the workflow's IP, or a prefix case's latest address, fixed for this case.
  const host = caseHost(c.input.ip, st.evidence);
  const ev = await evaluateActs.evaluateThreat({ ip: host, evidence: st.evidence, policy: c.policy, priorBlocks: st.priorBlocks });
  c.policy = ev.policy;
  st.mode = ev.policy.mode;
  st.dryRun = ev.policy.dryRun;
  if (!ev.screening.blockable) return { kind: 'close', outcome: 'skipped_never_block', reasons: [ev.screening.reason] };
  st.intel = ev.intel;
  const assessment = ev.assessment!;
  st.score = assessment.score;
  st.mode = assessment.settings.mode;
  st.dryRun = assessment.settings.dryRun;
  if (assessment.kind !== 'analyse') {
    st.decision = { kind: assessment.kind, reasons: assessment.reasons, dryRun: st.dryRun };
    return { kind: 'close', outcome: assessment.kind === 'record' ? 'recorded' : 'skipped_never_block', reasons: assessment.reasons };
  }

  c.setStatus('proposing');
  st.proposal = await propose(c, host, assessment.settings.autoBar);
  c.setStatus('deciding');
  const facts: ThreatFacts = {
    ip: host, evidence: st.evidence, intel: st.intel!, policy: c.policy, allowlist: ev.allowlist, priorBlocks: st.priorBlocks, now: nowIso(),
  };
  try {
    const rec = await decideActs.decideThreat({ facts, proposal: st.proposal, governorKey: c.governorKey(), subject: c.input.ip, enforcer: c.input.enforcer });
    st.decision = rec.decision;
    st.governor = rec.governor;
  } catch (err) {
    // The decision step itself failed (not the governor: that is answered inside). The safe side is a human: the
    // same pure policy, with the governor counted as unavailable, can only answer record or review.
    const g = c.policy.governor;
    st.governor = { granted: false, used: g.maxUnattendedActions, cap: g.maxUnattendedActions, windowMinutes: g.windowMinutes, unavailable: `decision step failed: ${errorMessage(err)}` };
    st.decision = decide({ ...facts, proposal: st.proposal, governor: st.governor });
  }
  const decision = st.decision;
  c.note(`policy decided: ${decision.kind}`, decision.reasons.join('; '));
  if (decision.kind === 'record') return { kind: 'close', outcome: 'recorded', reasons: decision.reasons };
  if (decision.kind === 'skip_never_block') return { kind: 'close', outcome: 'skipped_never_block', reasons: decision.reasons };
  const block = decision.block!;
  if (decision.kind === 'auto') {
    await c.notify(autoBlockDecided(st));
    return { kind: 'block', target: block.target, durationHours: block.durationHours, address: host };
  }

  const human = await awaitReview(c);
  if (!human) return { kind: 'close', outcome: 'review_expired', reasons: ['no decision before the review deadline'] };
  if (human.decision === 'reject') {
    return { kind: 'close', outcome: 'rejected', reasons: [`rejected by ${human.approver} via ${human.channel}${human.comment ? `: ${human.comment}` : ''}`] };
  }
  try {
    const g = c.policy.governor;
    st.governor = await countActs.countHumanApproval({ governorKey: c.governorKey(), ip: c.input.ip, cap: g.maxUnattendedActions, windowMinutes: g.windowMinutes });
  } catch (err) {
    c.note('rate governor did not record the approval', errorMessage(err));
  }
  return { kind: 'block', target: block.target, durationHours: human.durationHours ?? block.durationHours, address: host };
}

async function propose(c: ThreatCase, host: string, autoThreshold: number): Promise<Proposal> {
  const st = c.state;
  const d = c.policy.durations;
  try {
    return await proposeActs.proposeAction({
      ip: host, evidence: st.evidence, intel: st.intel!,
      history: { priorBlocks: st.priorBlocks, lastOutcome: st.previous?.outcome },
      bounds: { minHours: d.minHours, maxHours: d.maxHours, ladderHours: d.ladderHours, repeatOffenderThreshold: d.repeatOffenderThreshold, autoThreshold },
    });
  } catch (err) {
    // A failure, never a "no action": the policy sends it to review or to the rule-based proposal.
    return failedProposal(host, `proposal activity failed: ${errorMessage(err)}`);
  }
}

async function awaitReview(c: ThreatCase): Promise<RecordedHumanDecision | undefined> {
  const r = c.policy.review;
  const st = c.state;
  const deadline = (hours: number) => new Date(Date.now() + hours * HOUR_MS).toISOString();
  // The case reference every link and button for this review embeds (domain/case-binding).
  const ref = formatCaseRef({ cycle: st.cycle, nonce: caseNonceFromUuid(uuid4()) });
  st.review = { requestedAt: nowIso(), deadline: deadline(r.timeoutHours), escalated: false, case: ref };
  c.index('pending_review', [{ key: SA.score, value: st.score ?? 0 }, { key: SA.mode, value: st.mode }]);
  await c.notify(reviewNeeded(st, false));
  if (await condition(() => c.humanDecision !== undefined, r.timeoutHours * HOUR_MS)) return c.humanDecision;
  if (r.onTimeout === 'escalate') {
    st.review.escalated = true;
    st.review.deadline = deadline(r.escalationTimeoutHours);
    c.note('review escalated', `no decision after ${r.timeoutHours} h`);
    await c.notify(reviewNeeded(st, true));
    if (await condition(() => c.humanDecision !== undefined, r.escalationTimeoutHours * HOUR_MS)) return c.humanDecision;
  }
  return undefined;
}
