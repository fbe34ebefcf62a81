// Shared by the alert webhooks: authentication hook, delivery of normalised alerts to `alert/<fingerprint>`
// workflows, and the error envelope. 4xx = the sender's payload is wrong (nothing started); 503 = Temporal is
// unavailable (Alertmanager retries 5xx with backoff).
import express, { type ErrorRequestHandler, type Request, type RequestHandler } from 'express';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { PalisadeConfig } from '../../domain/config';
import { alertWorkflowId, type AlertInvestigationInput, type AlertOrigin, type NormalisedAlert } from '../../domain/alerts';
import { SA } from '../../domain/search-attributes';
import { ALERT_WORKFLOW_TYPE, alertNotificationSignal } from '../../workflows/alert-messages';

/** True when the request may post alerts (e.g. a bearer token check). */
export type AuthCheck = (req: Request) => boolean | Promise<boolean>;

export interface WebhookDeps {
  client: Client;
  config: PalisadeConfig;
  authorize: AuthCheck;
}

export class WebhookError extends Error {
  constructor(readonly status: number, message: string, readonly details?: unknown) {
    super(message);
    this.name = 'WebhookError';
  }
}

export const authenticate = (authorize: AuthCheck): RequestHandler => async (req, res, next) => {
  try {
    if (await authorize(req)) return next();
    res.set('WWW-Authenticate', 'Bearer realm="palisade"');
    next(new WebhookError(401, 'authentication required: send a valid Authorization header'));
  } catch (err) {
    next(err);
  }
};

export const requireContentType = (types: string[]): RequestHandler => (req, _res, next) => {
  if (!req.is(types)) return next(new WebhookError(415, `Content-Type must be ${types.join(' or ')}`));
  next();
};

export type DeliveryAction = 'started_or_signalled' | 'signalled' | 'no_open_investigation';

export interface Delivery {
  fingerprint: string;
  workflowId: string;
  status: NormalisedAlert['status'];
  action: DeliveryAction;
}

export function investigationInput(config: PalisadeConfig, fingerprint: string, origin?: AlertOrigin): AlertInvestigationInput {
  const a = config.detection.alerts;
  return {
    fingerprint, settings: { decisionTimeoutHours: a.decisionTimeoutHours, maxOpenHours: a.maxOpenHours, openThreatFromIpLabel: a.openThreatFromIpLabel },
    ...(origin ? { origin } : {}),
  };
}

/**
 * A firing alert signal-with-starts its investigation (a running one just receives the repeat). A resolution or a
 * note only signals an open investigation: it never starts one.
 */
export async function deliverAlert(client: Client, config: PalisadeConfig, alert: NormalisedAlert, origin?: AlertOrigin): Promise<Delivery> {
  const workflowId = alertWorkflowId(alert.fingerprint);
  const base = { fingerprint: alert.fingerprint, workflowId, status: alert.status };
  if (alert.status === 'firing') {
    await client.workflow.signalWithStart(ALERT_WORKFLOW_TYPE, {
      workflowId, taskQueue: config.temporal.taskQueue, args: [investigationInput(config, alert.fingerprint, origin)],
      signal: alertNotificationSignal, signalArgs: [alert], workflowIdConflictPolicy: 'USE_EXISTING',
      typedSearchAttributes: [{ key: SA.source, value: alert.source }, { key: SA.status, value: 'investigating' }],
      // What the incident lists show without a query per incident (runtime/incidents.ts); set at start only.
      memo: { name: alert.name.slice(0, 256), severity: alert.severity, summary: alert.summary.slice(0, 500) },
    });
    return { ...base, action: 'started_or_signalled' };
  }
  try {
    await client.workflow.getHandle(workflowId).signal(alertNotificationSignal, alert);
    return { ...base, action: 'signalled' };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { ...base, action: 'no_open_investigation' };
    throw err;
  }
}

/** Delivers every alert; any Temporal failure is a 503 so the sender retries (repeats merge idempotently). */
export async function deliverAll(client: Client, config: PalisadeConfig, alerts: NormalisedAlert[]): Promise<Delivery[]> {
  const out: Delivery[] = [];
  for (const a of alerts) {
    try {
      out.push(await deliverAlert(client, config, a));
    } catch (err) {
      throw new WebhookError(503, `Temporal is unavailable, retry later (${(err as Error).name})`);
    }
  }
  return out;
}

/** Body-parser and our own errors as a JSON envelope `{ error, details? }`. */
export const webhookErrorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  const h = err as { type?: string; status?: number; expose?: boolean };
  let status = 500;
  let body: { error: string; details?: unknown } = { error: 'internal error' };
  if (err instanceof WebhookError) {
    status = err.status;
    body = { error: err.message, ...(err.details !== undefined ? { details: err.details } : {}) };
  } else if (h?.type === 'entity.too.large') {
    status = 413;
    body = { error: 'request body too large' };
  } else if (h?.type === 'entity.parse.failed') {
    status = 400;
    body = { error: 'request body is not valid JSON' };
  } else if (h?.type === 'encoding.unsupported' || h?.type === 'charset.unsupported') {
    status = 415;
    body = { error: 'unsupported body encoding or charset' };
  } else if (h?.expose && typeof h.status === 'number' && h.status < 500) {
    status = h.status;
    body = { error: 'bad request' };
  }
  if (status === 503) res.set('Retry-After', '30');
  res.status(status).json(body);
};

export const zodDetails = (issues: { path: PropertyKey[]; message: string }[]) =>
  issues.slice(0, 20).map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));

export { express };
