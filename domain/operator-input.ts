// Validation of what operators send (decisions, hold actions), shared by the workflow's update validators and
// signal handlers, so every channel is held to the same rules.
import { checkCaseBinding } from './case-binding';
import type { PolicyConfig } from './config';
import { checkHumanDuration } from './durations';
import type { BlockRecord, HoldAction, RecordedHoldAction } from './threat-state';
import { APPROVAL_CHANNELS, type HumanDecision, type RecordedHumanDecision, type ThreatStatus } from './types';

function checkIdentity(who: unknown, field: string, channel: unknown): string | undefined {
  if (typeof who !== 'string' || who.trim().length === 0) return `${field} is required: every decision records who made it`;
  if (who.length > 100) return `${field} must be at most 100 characters`;
  if (!(APPROVAL_CHANNELS as readonly unknown[]).includes(channel)) return `channel must be one of ${APPROVAL_CHANNELS.join(', ')}`;
  return undefined;
}

/**
 * `pendingCase` is the pending review's case reference (state.review.case): a decision issued for another case
 * ("this link was for case 2; case 3 is pending") is refused.
 */
export function checkHumanDecision(d: unknown, status: ThreatStatus, policy: PolicyConfig, pendingCase?: string): string | undefined {
  if (typeof d !== 'object' || d === null) return 'expected an object like {"decision":"approve","approver":"alice","channel":"temporal-ui"}';
  const x = d as Partial<HumanDecision>;
  if (x.decision !== 'approve' && x.decision !== 'reject') return 'decision must be "approve" or "reject"';
  const id = checkIdentity(x.approver, 'approver', x.channel);
  if (id) return id;
  if (x.comment !== undefined && (typeof x.comment !== 'string' || x.comment.length > 1000)) return 'comment must be a string of at most 1000 characters';
  const dur = checkHumanDuration(x.durationHours, policy.durations);
  if (dur) return dur;
  if (status !== 'pending_review') return `this threat is not waiting for a review (status: ${status})`;
  return checkCaseBinding(x.case, pendingCase, x.channel!);
}

export function checkHoldAction(a: unknown, status: ThreatStatus, policy: PolicyConfig): string | undefined {
  if (typeof a !== 'object' || a === null) return 'expected an object like {"action":"release","by":"alice","channel":"temporal-ui"}';
  const x = a as Partial<HoldAction>;
  if (x.action !== 'extend' && x.action !== 'release' && x.action !== 'make_permanent') return 'action must be "extend", "release" or "make_permanent"';
  const id = checkIdentity(x.by, 'by', x.channel);
  if (id) return id;
  if (x.action === 'extend') {
    if (typeof x.hours !== 'number' || !Number.isFinite(x.hours) || x.hours <= 0) return 'extend needs a positive number of hours';
    if (x.hours > policy.durations.maxHours) return `one extension may add at most ${policy.durations.maxHours} h`;
  }
  if (x.reason !== undefined && (typeof x.reason !== 'string' || x.reason.length > 1000)) return 'reason must be a string of at most 1000 characters';
  if (status !== 'blocked') return `no block is being held (status: ${status})`;
  return undefined;
}

/**
 * A decision that arrives after another one was accepted (while the first is being applied) is refused, never
 * answered "accepted": the state and the history must agree on who decided.
 */
export function decisionConflict(existing: RecordedHumanDecision | undefined): string | undefined {
  if (!existing) return undefined;
  const verb = existing.decision === 'approve' ? 'approved' : 'rejected';
  return `this threat was already ${verb} by ${existing.approver} via ${existing.channel} at ${existing.decidedAt}; the second decision was not applied`;
}

/** Hold actions that contradict one already accepted: anything after a release, or extending a permanent block. */
export function holdActionConflict(a: Pick<HoldAction, 'action'>, accepted: RecordedHoldAction[], block: Pick<BlockRecord, 'permanent'> | undefined): string | undefined {
  const release = accepted.find((x) => x.action === 'release');
  if (release) return `this block is already being released (by ${release.by} via ${release.channel} at ${release.at}); the ${a.action.replace('_', ' ')} was not applied`;
  if (block?.permanent && a.action !== 'release') return `this block is already permanent; the ${a.action.replace('_', ' ')} was not applied`;
  return undefined;
}
