// THE single code path for operator actions. Every approval channel (REST API, review page, Discord, CLI, signed links)
// calls these functions, so every decision is validated the same way, lands in the workflow's history as the same
// `decide` update (who, which channel, when, why), and is counted the same way. Earlier tools lost Discord approvals
// from the audit because each channel had its own path; this module exists so that cannot happen here.
// A decision targets a threat (`threat/<ip>`, the `decide` update) or an incident (an alert investigation,
// `alert/<fingerprint>`, the `decideAlert` update): submitOperatorDecision takes either.
import { z } from 'zod';
import {
  isGrpcServiceError, ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError, type Client, type WorkflowExecutionDescription,
} from '@temporalio/client';
import { ALERT_DECISIONS, alertWorkflowId, type AlertDecisionKind, type RecordedAlertDecision } from '../domain/alerts';
import { normaliseCaseSubject } from '../domain/case-key';
import { APPROVAL_CHANNELS } from '../domain/types';
import { SA } from '../domain/search-attributes';
import type { DecideResult, HoldAction, ThreatState } from '../domain/threat-state';
import type { ApprovalChannel, HumanDecision, ThreatStatus } from '../domain/types';
import { decideAlertUpdate } from '../workflows/alert-messages';
import { decideUpdate, holdUpdate, stateQuery, THREAT_WORKFLOW_TYPE, threatWorkflowId } from '../workflows/messages';
import { countSubmittedDecision, holdActions } from './metrics';

export type OperatorErrorCode = 'not_found' | 'invalid_state' | 'invalid_input' | 'unavailable';

export class OperatorActionError extends Error {
  constructor(readonly code: OperatorErrorCode, message: string, readonly details?: unknown) {
    super(message);
    this.name = 'OperatorActionError';
  }
}

/** How long a channel waits for the workflow's worker to accept or reject an update before reporting unavailable. */
export const OPERATOR_RPC_TIMEOUT_MS = 30_000;

export const THREAT_STATUSES: readonly ThreatStatus[] = [
  'screening', 'enriching', 'proposing', 'deciding', 'pending_review', 'enforcing', 'verifying', 'blocked', 'lifting',
  'closed', 'watching',
];

const approver = z.string().trim().min(1, 'approver is required').max(100).regex(/^[^\p{Cc}]*$/u, 'approver must not contain control characters');
const comment = z.string().trim().max(1000).optional();
const hours = z.number().positive().max(24 * 365 * 10);

export const humanDecisionSchema = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  approver,
  channel: z.enum(APPROVAL_CHANNELS),
  comment,
  durationHours: hours.optional(),
  /** The case decided (`<cycle>-<nonce>`); the workflow checks it against the pending review (domain/case-binding). */
  case: z.string().trim().min(1).max(48).optional(),
});

export const holdActionSchema = z
  .strictObject({
    action: z.enum(['extend', 'release', 'make_permanent']),
    by: approver,
    channel: z.enum(APPROVAL_CHANNELS),
    hours: hours.optional(),
    reason: comment,
  })
  .refine((a) => a.action !== 'extend' || a.hours !== undefined, { message: 'extend needs hours', path: ['hours'] });

/**
 * The canonical form of a case as used in workflow ids (`threat/<ip>`, or `threat/<prefix>` for an IPv6 prefix
 * case, see domain/case-key.ts), the same as sightings use.
 */
export function normaliseThreatIp(input: string): string {
  const r = normaliseCaseSubject(typeof input === 'string' ? input : '');
  if (!r.ok) throw new OperatorActionError('invalid_input', `not a single IP address or IPv6 prefix case: ${r.reason}`);
  return r.subject;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new OperatorActionError('invalid_input', `invalid ${what}: ${r.error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`).join('; ')}`,
      r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  }
  return r.data;
}

// An update that timed out waiting for a worker stays admitted on the server and may still be applied later.
const noWorker = (ip: string) =>
  `no worker answered for ${ip} within ${OPERATOR_RPC_TIMEOUT_MS / 1000} s; the action may still be applied when a worker picks it up: check the threat's status before retrying`;

export type DecisionTargetKind = 'threat' | 'incident';
const workflowNoun = (ip: string, kind: DecisionTargetKind) => (kind === 'threat' ? `the threat workflow for ${ip}` : `the investigation of incident ${ip}`);

/** Maps Temporal client errors to the four operator error codes, with messages fit for an operator. */
export function toOperatorError(err: unknown, ip: string, kind: DecisionTargetKind = 'threat'): OperatorActionError {
  if (err instanceof OperatorActionError) return err;
  const notFound = kind === 'threat' ? `no open threat workflow for ${ip}` : `no incident ${ip}`;
  if (err instanceof WorkflowNotFoundError) {
    return new OperatorActionError('not_found', notFound);
  }
  if (err instanceof WorkflowUpdateFailedError) {
    const why = err.cause?.message || err.message;
    return new OperatorActionError('invalid_state', `${workflowNoun(ip, kind)} refused the action: ${why}`);
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new OperatorActionError('unavailable', noWorker(ip));
  }
  const grpc = err instanceof ServiceError ? (err.cause as unknown) : err;
  if (isGrpcServiceError(grpc)) {
    // 5 NOT_FOUND, 4 DEADLINE_EXCEEDED, 14 UNAVAILABLE, 9 FAILED_PRECONDITION
    if (grpc.code === 5) return new OperatorActionError('not_found', notFound);
    if (grpc.code === 9) return new OperatorActionError('invalid_state', `${workflowNoun(ip, kind)} cannot take this action now: ${grpc.details}`);
    if (grpc.code === 4) return new OperatorActionError('unavailable', noWorker(ip));
    return new OperatorActionError('unavailable', `Temporal is unavailable: ${grpc.details || grpc.message}`);
  }
  if (err instanceof ServiceError) return new OperatorActionError('unavailable', `Temporal request failed: ${err.message}`);
  return new OperatorActionError('unavailable', `the action could not be delivered: ${err instanceof Error ? err.message : String(err)}`);
}

export interface OperatorCallOptions {
  /** Idempotency key for the update (signed links use the link's fingerprint). */
  updateId?: string;
  /** How long to wait for a worker to accept or reject the update (default OPERATOR_RPC_TIMEOUT_MS). */
  timeoutMs?: number;
  /**
   * For an operator acting now on whatever is pending (a Discord slash command, the CLI without --case): a decision
   * without a case is bound to the case pending at this moment, read from the workflow's state first.
   */
  bindToPendingCase?: boolean;
}

const withTimeout = <T>(client: Client, opts: OperatorCallOptions, fn: () => Promise<T>) =>
  client.withDeadline(Date.now() + (opts.timeoutMs ?? OPERATOR_RPC_TIMEOUT_MS), fn);

/**
 * Records a human decision on the threat workflow of `ip` (the `decide` update, which the workflow validates
 * synchronously: a threat that is not awaiting review rejects it). `opts.updateId` makes a retried submission
 * idempotent (signed links use the link's fingerprint).
 */
export async function submitDecision(client: Client, ip: string, d: HumanDecision, opts: OperatorCallOptions = {}): Promise<DecideResult> {
  let decision: HumanDecision;
  let normalised: string;
  try {
    normalised = normaliseThreatIp(ip);
    decision = parse(humanDecisionSchema, d, 'decision');
  } catch (err) {
    countSubmittedDecision('threat', (d as Partial<HumanDecision>)?.decision, 'invalid', 'invalid_input');
    throw err;
  }
  const handle = client.workflow.getHandle(threatWorkflowId(normalised));
  try {
    if (opts.bindToPendingCase && decision.case === undefined) {
      const pending = pendingCaseOf(await getThreat(client, normalised));
      if (pending) decision = { ...decision, case: pending };
    }
    const result = await withTimeout(client, opts, () => handle.executeUpdate(decideUpdate, { args: [decision], updateId: opts.updateId }));
    countSubmittedDecision('threat', decision.decision, decision.channel, 'accepted');
    return result;
  } catch (err) {
    const e = toOperatorError(err, normalised);
    countSubmittedDecision('threat', decision.decision, decision.channel, e.code);
    throw e;
  }
}

// ----- incidents (alert investigations) -----

/** An incident is named by its alert fingerprint (Alertmanager's hex label-set hash, or `icinga-<hash>`). */
const INCIDENT_ID = /^(?:icinga-)?[0-9a-f]{1,32}$/;

/** The incident id of `alert/<fingerprint>` or `<fingerprint>`; anything else is refused (invalid_input). */
export function normaliseIncidentId(input: string): string {
  const id = (typeof input === 'string' ? input : '').trim().replace(/^alert\//, '').toLowerCase();
  if (!INCIDENT_ID.test(id)) {
    throw new OperatorActionError('invalid_input', `not an incident id: ${JSON.stringify(String(input).slice(0, 80))} (expected the alert fingerprint, e.g. 4f1c2b3a9d8e7f60 or icinga-0123456789abcdef)`);
  }
  return id;
}

/** What an operator decides about an incident; the same identity and channel rules as a threat decision. */
export interface IncidentDecision {
  decision: AlertDecisionKind;
  approver: string;
  channel: ApprovalChannel;
  comment?: string;
}

export const incidentDecisionSchema = z.strictObject({
  decision: z.enum(ALERT_DECISIONS),
  approver,
  channel: z.enum(APPROVAL_CHANNELS),
  comment: z.string().trim().max(2000).optional(),
});

export interface IncidentDecisionResult {
  id: string;
  workflowId: string;
  status: 'decided';
  decision: RecordedAlertDecision;
}

/**
 * Records an operator decision on the investigation of incident `id` (the `decideAlert` update, validated
 * synchronously by the workflow: a second decision, or one on a resolved investigation, is refused). The decision
 * is only recorded: remediation is never executed (the recorded decision says `execution_disabled`).
 */
export async function submitIncidentDecision(client: Client, id: string, d: IncidentDecision, opts: Omit<OperatorCallOptions, 'bindToPendingCase'> = {}): Promise<IncidentDecisionResult> {
  let decision: IncidentDecision;
  let normalised: string;
  try {
    normalised = normaliseIncidentId(id);
    decision = parse(incidentDecisionSchema, d, 'decision');
  } catch (err) {
    countSubmittedDecision('incident', (d as Partial<IncidentDecision>)?.decision, 'invalid', 'invalid_input');
    throw err;
  }
  const workflowId = alertWorkflowId(normalised);
  const input = { decision: decision.decision, operator: decision.approver, channel: decision.channel, ...(decision.comment ? { comment: decision.comment } : {}) };
  try {
    const recorded = await withTimeout(client, opts, () => client.workflow.getHandle(workflowId).executeUpdate(decideAlertUpdate, { args: [input], updateId: opts.updateId }));
    countSubmittedDecision('incident', decision.decision, decision.channel, 'accepted');
    return { id: normalised, workflowId, status: 'decided', decision: recorded };
  } catch (err) {
    const e = toOperatorError(err, normalised, 'incident');
    countSubmittedDecision('incident', decision.decision, decision.channel, e.code);
    throw e;
  }
}

/** What a decision is about: the threat of an IP, or an incident (alert investigation). */
export type DecisionTarget = { kind: 'threat'; ip: string } | { kind: 'incident'; id: string };

export type OperatorDecisionResult =
  | { kind: 'threat'; ip: string; result: DecideResult }
  | { kind: 'incident'; id: string; result: IncidentDecisionResult };

/**
 * The one entry for a decision whatever it is about (signed links carry either target). Threat decisions take
 * `durationHours` and `case`; an incident decision refuses them (an incident has no block and no case).
 */
export async function submitOperatorDecision(
  client: Client, target: DecisionTarget, d: HumanDecision | IncidentDecision, opts: OperatorCallOptions = {},
): Promise<OperatorDecisionResult> {
  if (target.kind === 'threat') {
    if (d.decision === 'acknowledge') throw new OperatorActionError('invalid_input', 'a threat is approved or rejected, not acknowledged');
    return { kind: 'threat', ip: target.ip, result: await submitDecision(client, target.ip, d as HumanDecision, opts) };
  }
  const { bindToPendingCase: _ignored, ...incidentOpts } = opts;
  return { kind: 'incident', id: target.id, result: await submitIncidentDecision(client, target.id, d as IncidentDecision, incidentOpts) };
}

/** Extends, releases or makes permanent the block held by the threat workflow of `ip` (the `hold` update). */
export async function submitHoldAction(client: Client, ip: string, a: HoldAction, opts: OperatorCallOptions = {}): Promise<ThreatState['block']> {
  const normalised = normaliseThreatIp(ip);
  const action = parse(holdActionSchema, a, 'hold action') as HoldAction;
  const handle = client.workflow.getHandle(threatWorkflowId(normalised));
  try {
    const block = await withTimeout(client, opts, () => handle.executeUpdate(holdUpdate, { args: [action], updateId: opts.updateId }));
    holdActions.inc({ action: action.action, channel: action.channel, result: 'accepted' });
    return block;
  } catch (err) {
    const e = toOperatorError(err, normalised);
    holdActions.inc({ action: action.action, channel: action.channel, result: e.code });
    throw e;
  }
}

export interface ThreatExecution {
  workflowId: string;
  runId: string;
  /** Temporal execution status: RUNNING, COMPLETED, FAILED, CONTINUED_AS_NEW, TERMINATED, ... */
  executionStatus: string;
  startTime: string;
  closeTime?: string;
  historyLength: number;
}

export interface ThreatDetail {
  ip: string;
  execution: ThreatExecution;
  /** The workflow's own state (status, evidence, intel, proposal, policy decision, timeline). */
  state?: ThreatState;
  /** Why the state could not be read (e.g. no worker answered the query). */
  stateError?: string;
}

function executionOf(d: WorkflowExecutionDescription): ThreatExecution {
  return {
    workflowId: d.workflowId,
    runId: d.runId,
    executionStatus: d.status.name,
    startTime: d.startTime.toISOString(),
    ...(d.closeTime ? { closeTime: d.closeTime.toISOString() } : {}),
    historyLength: d.historyLength,
  };
}

/** The threat of `ip`: execution description plus the workflow's state (query). */
export async function getThreat(client: Client, ip: string): Promise<ThreatDetail> {
  const normalised = normaliseThreatIp(ip);
  const handle = client.workflow.getHandle(threatWorkflowId(normalised));
  let description: WorkflowExecutionDescription;
  try {
    description = await client.withDeadline(Date.now() + 10_000, () => handle.describe());
  } catch (err) {
    throw toOperatorError(err, normalised);
  }
  try {
    const state = await client.withDeadline(Date.now() + 10_000, () => handle.query(stateQuery));
    return { ip: normalised, execution: executionOf(description), state };
  } catch (err) {
    return { ip: normalised, execution: executionOf(description), stateError: toOperatorError(err, normalised).message };
  }
}

/** The case reference of the review pending now (state.review.case), or undefined when no review is pending. */
export function pendingCaseOf(t: ThreatDetail): string | undefined {
  return t.state?.status === 'pending_review' ? t.state.review?.case : undefined;
}

/** The pending case for minting a link or a button: refused (invalid_state) when nothing is pending. */
export function requirePendingCase(t: ThreatDetail): string {
  const pending = pendingCaseOf(t);
  if (pending) return pending;
  const status = t.state?.status ?? t.execution.executionStatus.toLowerCase();
  if (t.state?.status === 'pending_review') {
    throw new OperatorActionError('invalid_state', `the review pending for ${t.ip} has no case reference (opened by an older Palisade version); decide it from the review page, CLI or API`);
  }
  throw new OperatorActionError('invalid_state', `no review is pending for ${t.ip} (status: ${status}): an approval link is bound to a pending case`);
}

export interface ThreatSummary {
  workflowId: string;
  ip: string;
  status?: string;
  score?: number;
  source?: string;
  target?: string;
  mode?: string;
  enforcer?: string;
  outcome?: string;
  startTime: string;
}

/** Open threats from Temporal visibility (search attributes), newest first. Optionally only those with one status. */
export async function listThreats(client: Client, opts: { status?: string; limit?: number } = {}): Promise<ThreatSummary[]> {
  if (opts.status !== undefined && !(THREAT_STATUSES as readonly string[]).includes(opts.status)) {
    throw new OperatorActionError('invalid_input', `unknown status ${JSON.stringify(String(opts.status).slice(0, 40))}; expected one of ${THREAT_STATUSES.join(', ')}`);
  }
  const limit = Math.max(1, Math.min(opts.limit ?? 500, 5000));
  // status is checked against a closed list above, so interpolating it cannot inject into the query.
  const query = `WorkflowType = '${THREAT_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'${opts.status ? ` AND ${SA.status.name} = '${opts.status}'` : ''}`;
  const out: ThreatSummary[] = [];
  try {
    await client.withDeadline(Date.now() + 15_000, async () => {
      for await (const wf of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
        const sa = wf.typedSearchAttributes;
        const ip = sa.get(SA.ip) ?? wf.workflowId.replace(/^threat\//, '');
        out.push({
          workflowId: wf.workflowId,
          ip,
          status: sa.get(SA.status),
          score: sa.get(SA.score),
          source: sa.get(SA.source),
          target: sa.get(SA.target),
          mode: sa.get(SA.mode),
          enforcer: sa.get(SA.enforcer),
          outcome: sa.get(SA.outcome),
          startTime: wf.startTime.toISOString(),
        });
        if (out.length >= limit) break;
      }
    });
  } catch (err) {
    throw toOperatorError(err, 'the threat list');
  }
  return out;
}
