// Read side of the incidents control plane: incidents (alert investigations, `alert/<fingerprint>`) listed from
// Temporal visibility and shown from the workflow's own state. Decisions go through runtime/operator-actions.
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { ALERT_INVESTIGATION_STATUSES, alertWorkflowId, type AlertInvestigationState, type AlertInvestigationStatus } from '../domain/alerts';
import { SA } from '../domain/search-attributes';
import { ALERT_WORKFLOW_TYPE, alertStateQuery } from '../workflows/alert-messages';
import { normaliseIncidentId, OperatorActionError, toOperatorError, type ThreatExecution } from './operator-actions';

/** The status operators mean by "pending": the diagnosis is done and the investigation waits for a decision. */
export const INCIDENT_PENDING_STATUS: AlertInvestigationStatus = 'awaiting_decision';

/**
 * Non-secret facts about the alert kept in the workflow's memo when it starts (api/webhooks/common.ts), so a list
 * needs no query per incident. Alert text is untrusted: capped at normalisation, shown as text.
 */
export interface IncidentMemo {
  name?: string;
  severity?: string;
  summary?: string;
}

export interface IncidentSummary extends IncidentMemo {
  id: string;
  workflowId: string;
  status?: string;
  source?: string;
  executionStatus: string;
  startTime: string;
  closeTime?: string;
}

export interface IncidentDetail {
  id: string;
  execution: ThreatExecution;
  /** The investigation's own state: alert, diagnostics, diagnosis, decision, timeline. */
  state?: AlertInvestigationState;
  /** Why the state could not be read (e.g. no worker answered the query). */
  stateError?: string;
}

const memoText = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : undefined);

/**
 * Incidents from visibility, newest first. Without a status: the open ones (investigation running). With one: every
 * investigation whose status attribute has that value, open or closed (so `resolved` lists recent resolutions).
 */
export async function listIncidents(client: Client, opts: { status?: string; limit?: number } = {}): Promise<IncidentSummary[]> {
  if (opts.status !== undefined && !(ALERT_INVESTIGATION_STATUSES as readonly string[]).includes(opts.status)) {
    throw new OperatorActionError('invalid_input', `unknown incident status ${JSON.stringify(String(opts.status).slice(0, 40))}; expected one of ${ALERT_INVESTIGATION_STATUSES.join(', ')}`);
  }
  const limit = Math.max(1, Math.min(opts.limit ?? 500, 5000));
  // status is checked against a closed list above, so interpolating it cannot inject into the query.
  const query = `WorkflowType = '${ALERT_WORKFLOW_TYPE}' AND ${opts.status ? `${SA.status.name} = '${opts.status}'` : `ExecutionStatus = 'Running'`}`;
  const out: IncidentSummary[] = [];
  try {
    await client.withDeadline(Date.now() + 15_000, async () => {
      for await (const wf of client.workflow.list({ query, pageSize: Math.min(limit, 1000) })) {
        const sa = wf.typedSearchAttributes;
        const memo = (wf.memo ?? {}) as Record<string, unknown>;
        out.push({
          id: wf.workflowId.replace(/^alert\//, ''),
          workflowId: wf.workflowId,
          status: sa.get(SA.status),
          source: sa.get(SA.source),
          name: memoText(memo.name, 256),
          severity: memoText(memo.severity, 16),
          summary: memoText(memo.summary, 500),
          executionStatus: wf.status.name,
          startTime: wf.startTime.toISOString(),
          ...(wf.closeTime ? { closeTime: wf.closeTime.toISOString() } : {}),
        });
        if (out.length >= limit) break;
      }
    });
  } catch (err) {
    throw toOperatorError(err, 'the incident list', 'incident');
  }
  return out;
}

function executionOf(d: WorkflowExecutionDescription): ThreatExecution {
  return {
    workflowId: d.workflowId, runId: d.runId, executionStatus: d.status.name, startTime: d.startTime.toISOString(),
    ...(d.closeTime ? { closeTime: d.closeTime.toISOString() } : {}), historyLength: d.historyLength,
  };
}

/** One incident: execution description plus the investigation's state (query; also answered after it closed). */
export async function getIncident(client: Client, id: string): Promise<IncidentDetail> {
  const normalised = normaliseIncidentId(id);
  const handle = client.workflow.getHandle(alertWorkflowId(normalised));
  let description: WorkflowExecutionDescription;
  try {
    description = await client.withDeadline(Date.now() + 10_000, () => handle.describe());
  } catch (err) {
    throw toOperatorError(err, normalised, 'incident');
  }
  try {
    const state = await client.withDeadline(Date.now() + 10_000, () => handle.query(alertStateQuery));
    return { id: normalised, execution: executionOf(description), state };
  } catch (err) {
    return { id: normalised, execution: executionOf(description), stateError: toOperatorError(err, normalised, 'incident').message };
  }
}

/** A link is minted only for an incident an operator can still decide. */
export function requireUndecided(i: IncidentDetail): void {
  const s = i.state;
  if (!s) throw new OperatorActionError('unavailable', `the state of incident ${i.id} could not be read: ${i.stateError ?? 'unknown'}`);
  if (s.decision) throw new OperatorActionError('invalid_state', `incident ${i.id} was already decided (${s.decision.decision} by ${s.decision.operator} via ${s.decision.channel})`);
  if (s.status !== 'awaiting_decision' && s.status !== 'investigating') throw new OperatorActionError('invalid_state', `incident ${i.id} cannot be decided (status: ${s.status})`);
}
