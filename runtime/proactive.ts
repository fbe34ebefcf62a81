// THE client-side code path of the proactive loop: every channel (REST API, CLI, Discord, review page) acks, unacks,
// pauses, resumes, runs a cycle and reads the status through these functions, so each action is validated the same
// way and lands in the `palisade-proactive` workflow's history as the same update (who, which channel, when, why).
// Errors are OperatorActionErrors (invalid_input 400, not_found 404, invalid_state 409, unavailable 503).
import { z } from 'zod';
import {
  isGrpcServiceError, ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import type { PalisadeConfig } from '../domain/config';
import {
  PROACTIVE_CHANNELS, type CycleTrigger, type ProactiveCycleInput, type ProactiveCycleResult, type ProactiveMode,
  type ProactiveSettings, type ProactiveStatus, type Suppression,
} from '../domain/proactive/types';
import { emptyProactiveStatus } from '../domain/proactive/state';
import {
  ackHotspotUpdate, pauseProactiveUpdate, proactiveStatusQuery, proactiveSuppressionsQuery, resumeProactiveUpdate,
  unackHotspotUpdate, PROACTIVE_CYCLE_WORKFLOW_TYPE, PROACTIVE_STATE_WORKFLOW_ID, PROACTIVE_STATE_WORKFLOW_TYPE,
} from '../workflows/proactive-messages';
import { OperatorActionError, OPERATOR_RPC_TIMEOUT_MS } from './operator-actions';

type ProactiveConfigView = Pick<PalisadeConfig, 'proactive' | 'temporal'>;

/** The gate's settings as configured (what each cycle's input carries). */
export function proactiveSettings(config: Pick<PalisadeConfig, 'proactive'>): ProactiveSettings {
  const p = config.proactive;
  return {
    mode: p.mode, severityFloor: p.severityFloor, cooldownHours: p.cooldownHours, heavyProbes: p.heavyProbes,
    budgets: { ...p.budgets },
  };
}

const operator = z.string().trim().min(1, 'operator is required').max(100).regex(/^[^\p{Cc}]*$/u, 'operator must not contain control characters');
const channel = z.enum(PROACTIVE_CHANNELS);
const hex = z.string().trim().toLowerCase().regex(/^[0-9a-f]+$/, 'must be hexadecimal');
const target = {
  fingerprint: hex.length(16, 'a fingerprint has 16 hex digits (use ackId for a short prefix)').optional(),
  ackId: hex.min(4, 'an ack id needs at least 4 hex digits').max(16).optional(),
};
const oneTarget = (v: { fingerprint?: string; ackId?: string }) => (v.fingerprint === undefined) !== (v.ackId === undefined);
const ONE_TARGET = { message: 'give exactly one of fingerprint or ackId', path: ['ackId'] };

export const ackRequestSchema = z.strictObject({
  ...target,
  reason: z.string().trim().min(1, 'reason is required: say why this hotspot is muted').max(500),
  ttlHours: z.number().positive().max(24 * 30).optional(),
  operator,
  channel,
}).refine(oneTarget, ONE_TARGET);
export type AckRequest = z.input<typeof ackRequestSchema>;

export const unackRequestSchema = z.strictObject({ ...target, operator, channel, reason: z.string().trim().max(500).optional() }).refine(oneTarget, ONE_TARGET);
export type UnackRequest = z.input<typeof unackRequestSchema>;

export const pauseRequestSchema = z.strictObject({ operator, channel, reason: z.string().trim().max(500).optional() });
export type PauseRequest = z.input<typeof pauseRequestSchema>;

export const runOnceRequestSchema = z.strictObject({ operator, channel });
export type RunOnceRequest = z.input<typeof runOnceRequestSchema>;

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new OperatorActionError('invalid_input', `invalid ${what}: ${r.error.issues.map((i) => `${i.path.join('.') || what}: ${i.message}`).join('; ')}`,
    r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
}

/** Validator refusals carry their kind as the ApplicationFailure type (see workflows/proactive-state.ts). */
export const PROACTIVE_REFUSALS = { notFound: 'ProactiveNotFound', invalid: 'ProactiveInvalid' } as const;

export function toProactiveError(err: unknown): OperatorActionError {
  if (err instanceof OperatorActionError) return err;
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause as { message?: string; type?: string } | undefined;
    const why = cause?.message || err.message;
    return new OperatorActionError(cause?.type === PROACTIVE_REFUSALS.notFound ? 'not_found' : 'invalid_input', why);
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new OperatorActionError('unavailable', `no worker answered the proactive loop within ${OPERATOR_RPC_TIMEOUT_MS / 1000} s; the action may still be applied when a worker picks it up`);
  }
  if (err instanceof WorkflowNotFoundError) return new OperatorActionError('not_found', 'the proactive loop has no state yet (no cycle has run)');
  const grpc = err instanceof ServiceError ? (err.cause as unknown) : err;
  if (isGrpcServiceError(grpc)) return new OperatorActionError('unavailable', `Temporal is unavailable: ${grpc.details || grpc.message}`);
  return new OperatorActionError('unavailable', `the proactive action could not be delivered: ${err instanceof Error ? err.message : String(err)}`);
}

/** Starts (or finds) the durable state workflow. */
export async function proactiveStateHandle(client: Client, config: Pick<PalisadeConfig, 'temporal'>) {
  return client.workflow.start(PROACTIVE_STATE_WORKFLOW_TYPE, {
    workflowId: PROACTIVE_STATE_WORKFLOW_ID, taskQueue: config.temporal.taskQueue, args: [undefined],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

async function update<R>(client: Client, config: ProactiveConfigView, fn: (h: Awaited<ReturnType<typeof proactiveStateHandle>>) => Promise<R>): Promise<R> {
  try {
    return await client.withDeadline(Date.now() + OPERATOR_RPC_TIMEOUT_MS, async () => fn(await proactiveStateHandle(client, config)));
  } catch (err) {
    throw toProactiveError(err);
  }
}

/** Mutes a hotspot by fingerprint or ack-id prefix. An ambiguous or unknown prefix is refused with the candidates. */
export async function ackHotspot(client: Client, config: ProactiveConfigView, req: AckRequest): Promise<Suppression> {
  const a = parse(ackRequestSchema, req, 'ack');
  const input = { ...a, ttlHours: a.ttlHours ?? config.proactive.ackTtlHours };
  return update(client, config, (h) => h.executeUpdate(ackHotspotUpdate, { args: [input] }));
}

export async function unackHotspot(client: Client, config: ProactiveConfigView, req: UnackRequest): Promise<Suppression> {
  const u = parse(unackRequestSchema, req, 'unack');
  return update(client, config, (h) => h.executeUpdate(unackHotspotUpdate, { args: [u] }));
}

export async function pauseProactive(client: Client, config: ProactiveConfigView, req: PauseRequest): Promise<ProactiveStatus> {
  const p = parse(pauseRequestSchema, req, 'pause');
  return update(client, config, (h) => h.executeUpdate(pauseProactiveUpdate, { args: [p] }));
}

export async function resumeProactive(client: Client, config: ProactiveConfigView, req: PauseRequest): Promise<ProactiveStatus> {
  const p = parse(pauseRequestSchema, req, 'resume');
  return update(client, config, (h) => h.executeUpdate(resumeProactiveUpdate, { args: [p] }));
}

export const proactiveCycleWorkflowId = (trigger: CycleTrigger, now = new Date()) =>
  `palisade-proactive-cycle/${trigger.kind}-${now.toISOString()}`;

export interface RunOnceResult {
  workflowId: string;
  /** Present when `wait` was asked: the cycle's result (verdict counts, investigations, digest). */
  result?: ProactiveCycleResult;
}

/**
 * Runs one cycle now (also while paused: an explicit operator request), gated by the budgets like any cycle.
 * Refused when proactive.mode is off.
 */
export async function runProactiveOnce(client: Client, config: ProactiveConfigView, req: RunOnceRequest, opts: { wait?: boolean } = {}): Promise<RunOnceResult> {
  const r = parse(runOnceRequestSchema, req, 'run-once');
  if (config.proactive.mode === 'off') throw new OperatorActionError('invalid_state', 'the proactive loop is off (proactive.mode: off); set it to shadow or on first');
  const trigger: CycleTrigger = { kind: 'run-once', operator: r.operator, channel: r.channel };
  const input: ProactiveCycleInput = { settings: proactiveSettings(config), trigger };
  try {
    await proactiveStateHandle(client, config);
    const handle = await client.workflow.start(PROACTIVE_CYCLE_WORKFLOW_TYPE, {
      workflowId: proactiveCycleWorkflowId(trigger), taskQueue: config.temporal.taskQueue, args: [input],
    });
    return { workflowId: handle.workflowId, ...(opts.wait ? { result: await handle.result() as ProactiveCycleResult } : {}) };
  } catch (err) {
    throw toProactiveError(err);
  }
}

export interface ProactiveStatusView extends ProactiveStatus {
  mode: ProactiveMode;
  everyMinutes: number;
}

/** The durable status plus the configured mode; before the first cycle, an empty status. */
export async function getProactiveStatus(client: Client, config: ProactiveConfigView): Promise<ProactiveStatusView> {
  let status: ProactiveStatus;
  try {
    status = await client.workflow.getHandle(PROACTIVE_STATE_WORKFLOW_ID).query(proactiveStatusQuery);
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw toProactiveError(err);
    status = emptyProactiveStatus(new Date().toISOString());
  }
  return { ...status, settings: proactiveSettings(config), mode: config.proactive.mode, everyMinutes: config.proactive.everyMinutes };
}

export async function listSuppressions(client: Client): Promise<Suppression[]> {
  try {
    return await client.workflow.getHandle(PROACTIVE_STATE_WORKFLOW_ID).query(proactiveSuppressionsQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return [];
    throw toProactiveError(err);
  }
}
