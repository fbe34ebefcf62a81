// Incidents (alert investigations) for the control-plane tests: an Alertmanager webhook v4 payload as Alertmanager
// sends it, delivered over HTTP to the real API, and the operator decision read back from the workflow history.
import type { Client } from '@temporalio/client';
import type { ApiStack } from './api-stack';
import { waitUntil } from './api-stack';
import type { AlertInvestigationState } from '../../domain/alerts';
import { alertStateQuery } from '../../workflows/alert-messages';

export function alertmanagerPayload(status: 'firing' | 'resolved', fingerprint: string, alertname = 'DiskFull') {
  return {
    version: '4', groupKey: `{}/{alertname="${alertname}"}`, truncatedAlerts: 0, status, receiver: 'palisade',
    groupLabels: { alertname }, commonLabels: { alertname, severity: 'critical' },
    commonAnnotations: { summary: `${alertname} on db01` }, externalURL: 'http://alertmanager:9093',
    alerts: [{
      status, labels: { alertname, severity: 'critical', instance: 'db01:9100', job: 'node' },
      annotations: { summary: `${alertname} on db01: / is 97% full` }, startsAt: '2026-11-26T15:00:00.000Z',
      endsAt: status === 'resolved' ? '2026-11-26T16:00:00.000Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=node_filesystem_avail_bytes+%3C+0.05&g0.tab=1',
      fingerprint,
    }],
  };
}

/** Posts the webhook as Alertmanager would (ingest token) and fails unless it was accepted. */
export async function postAlert(stack: ApiStack, status: 'firing' | 'resolved', fingerprint: string, alertname?: string): Promise<void> {
  const res = await fetch(`${stack.url}/webhook/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${stack.secrets.ingestToken}` },
    body: JSON.stringify(alertmanagerPayload(status, fingerprint, alertname)),
  });
  if (res.status !== 200) throw new Error(`webhook refused: ${res.status} ${await res.text()}`);
}

export const incidentState = (client: Client, id: string) => client.workflow.getHandle(`alert/${id}`).query(alertStateQuery);

export const waitForIncident = (client: Client, id: string, pred: (s: AlertInvestigationState) => boolean, what: string) =>
  waitUntil(() => incidentState(client, id), pred, `${what} on incident ${id}`);

export interface HistoryDecision {
  /** The decideAlert update's input as the history holds it (accepted by the synchronous validator). */
  input: { decision: string; operator: string; channel: string; comment?: string };
  /** The update's result: the recorded decision. */
  result?: { decision: string; operator: string; channel: string; execution: string };
}

/** Every accepted decideAlert update of an incident, read from the event history (the audit trail). */
export async function decisionsInHistory(client: Client, id: string): Promise<HistoryDecision[]> {
  const history = await client.workflow.getHandle(`alert/${id}`).fetchHistory();
  const json = (p: { data?: Uint8Array | null } | undefined) => (p?.data ? JSON.parse(Buffer.from(p.data).toString('utf8')) : undefined);
  const out: HistoryDecision[] = [];
  const byUpdateId = new Map<string, HistoryDecision>();
  for (const e of history.events ?? []) {
    const accepted = e.workflowExecutionUpdateAcceptedEventAttributes;
    if (accepted?.acceptedRequest?.input?.name === 'decideAlert') {
      const d: HistoryDecision = { input: json(accepted.acceptedRequest.input.args?.payloads?.[0]) };
      byUpdateId.set(accepted.protocolInstanceId ?? '', d);
      out.push(d);
    }
    const completed = e.workflowExecutionUpdateCompletedEventAttributes;
    if (completed) {
      const d = byUpdateId.get(completed.meta?.updateId ?? '');
      if (d) d.result = json(completed.outcome?.success?.payloads?.[0]);
    }
  }
  return out;
}
