// The text of notifications, built from workflow state. Attacker-influenced strings are sanitised here once.
import { sanitizeUntrusted } from './sanitize';
import type { ThreatState } from './threat-state';
import type { Notification, ThreatOutcome } from './types';

const OUTCOME_TEXT: Record<ThreatOutcome, string> = {
  recorded: 'recorded, no action',
  skipped_never_block: 'skipped: never-block',
  rejected: 'rejected by a human',
  review_expired: 'review expired without a decision',
  expired: 'block expired and was lifted',
  released: 'block released early',
  failed: 'enforcement failed and was rolled back',
};

function evidenceFields(s: ThreatState) {
  const e = s.evidence;
  const fields = [
    { name: 'Score', value: String(Math.max(e.maxScore, s.intel?.compositeScore ?? 0)) },
    { name: 'Sightings', value: `${e.sightingCount} from ${e.sources.map((x) => sanitizeUntrusted(x, 40)).join(', ')}` },
  ];
  if (s.intel?.org) fields.push({ name: 'Org', value: sanitizeUntrusted(s.intel.org, 100) });
  if (e.paths.length) fields.push({ name: 'Paths', value: e.paths.slice(0, 5).map((p) => sanitizeUntrusted(p, 80)).join('\n') });
  if (e.userAgents.length) fields.push({ name: 'User agents', value: e.userAgents.slice(0, 3).map((u) => sanitizeUntrusted(u, 100)).join('\n') });
  return fields;
}

export function reviewNeeded(s: ThreatState, escalated: boolean): Notification {
  const b = s.decision?.block;
  return {
    kind: escalated ? 'review_escalated' : 'review_needed',
    workflowId: s.workflowId,
    ip: s.ip,
    title: `${escalated ? 'Still waiting' : 'Review needed'}: block ${s.ip}${b ? ` for ${b.durationHours} h` : ''}?${s.dryRun ? ' (dry-run)' : ''}`,
    body: (s.decision?.reasons ?? []).map((r) => sanitizeUntrusted(r, 300)).join('\n'),
    fields: [...evidenceFields(s), { name: 'Deadline', value: s.review?.deadline ?? '' }, ...(s.review?.case ? [{ name: 'Case', value: s.review.case }] : [])],
    blockCount: s.priorBlocks,
    ...(s.review?.case ? { case: s.review.case } : {}),
  };
}

/** Sent when the policy decides to block without a human, before the block is applied: an operator can release it. */
export function autoBlockDecided(s: ThreatState): Notification {
  const b = s.decision?.block;
  return {
    kind: 'auto_block',
    workflowId: s.workflowId,
    ip: s.ip,
    title: `Blocking ${s.ip}${b ? ` for ${b.durationHours} h` : ''} automatically${s.dryRun ? ' (dry-run)' : ''}`,
    body: (s.decision?.reasons ?? []).map((r) => sanitizeUntrusted(r, 300)).join('\n'),
    fields: evidenceFields(s),
    blockCount: s.priorBlocks,
  };
}

export function outcomeNotification(s: ThreatState, outcome: ThreatOutcome, reasons: string[]): Notification {
  const blocks = s.priorBlocks;
  return {
    kind: 'outcome',
    workflowId: s.workflowId,
    ip: s.ip,
    outcome,
    title: `${s.ip}: ${OUTCOME_TEXT[outcome]}${s.dryRun && s.block ? ' (dry-run)' : ''}`,
    body: [...reasons, blocks > 0 ? `${blocks}x blocked total` : ''].filter(Boolean).map((r) => sanitizeUntrusted(r, 300)).join('\n'),
    fields: evidenceFields(s),
    blockCount: blocks,
  };
}

/** Loud: the block is in place but traffic still reaches a backend; it is kept and a review is open with the evidence. */
export function blockIneffective(s: ThreatState, reason: string, evidence: string[]): Notification {
  return {
    kind: 'block_ineffective',
    workflowId: s.workflowId,
    ip: s.ip,
    title: `INEFFECTIVE: ${s.ip} is blocked${s.block ? ` on ${s.block.enforcer}` : ''} but its requests still reach a backend — review needed`,
    body: [reason, ...evidence].map((r) => sanitizeUntrusted(r, 500)).join('\n'),
    fields: [...evidenceFields(s), { name: 'Verification', value: s.verification ? `level reached: ${s.verification.level}` : 'unknown' }],
    blockCount: s.priorBlocks,
  };
}
