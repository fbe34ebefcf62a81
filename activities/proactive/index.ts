// Activities of the proactive loop: the read-only scan (Prometheus rule pack, Icinga soft states), the plan (the
// gate, run by the durable state workflow's update), and opening an investigation through the same path the alert
// webhooks use (deliverAlert: signal-with-start of alert/<fingerprint>), marked with its proactive origin.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { PalisadeConfig } from '../../domain/config';
import { PROACTIVE_RULE_LABEL } from '../../domain/proactive/probes';
import {
  PROACTIVE_STATE_WORKFLOW_ID, type CyclePlan, type Hotspot, type InvestigationToResolve, type OpenInvestigation, type PauseInfo,
  type PlanCycleInput, type ResolveOutcome, type ScanResult,
} from '../../domain/proactive/types';
import { defaultPayloadConverter } from '@temporalio/common';
import { alertWorkflowId, type AlertInvestigationInput, type NormalisedAlert as Alert } from '../../domain/alerts';
import { SA } from '../../domain/search-attributes';
import { ALERT_WORKFLOW_TYPE } from '../../workflows/alert-messages';
import { sanitizeUntrusted } from '../../domain/sanitize';
import { deliverAlert } from '../../api/webhooks/common';
import { proactiveStateHandle } from '../../runtime/proactive';
import { effectiveRulePack } from '../../runtime/proactive-rules';
import { requireSecret } from '../../runtime/secrets';
import { investigationOutcomeUpdate, planCycleUpdate, proactiveStatusQuery } from '../../workflows/proactive-messages';
import { scanIcinga } from './icinga';
import { scanPrometheus } from './prometheus';

export interface ProactiveActivityDeps {
  client: Client;
  config: PalisadeConfig;
}

/** The alert fingerprint of a hotspot's investigation (`alert/proactive-<fingerprint>`). */
export const PROACTIVE_ALERT_PREFIX = 'proactive-';
const MAX_OPEN_LISTED = 1000;

/**
 * The proactive investigations Temporal still runs (visibility: the alert workflow type, source proactive, running).
 * An error when visibility cannot answer: the gate then takes nothing as open and resolves nothing.
 */
export async function listOpenInvestigations(client: Client): Promise<{ open: OpenInvestigation[] } | { error: string }> {
  const query = `WorkflowType = '${ALERT_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND ${SA.source.name} = 'proactive'`;
  const out: OpenInvestigation[] = [];
  const prefix = alertWorkflowId(PROACTIVE_ALERT_PREFIX);
  try {
    await client.withDeadline(Date.now() + 15_000, async () => {
      for await (const wf of client.workflow.list({ query, pageSize: 500 })) {
        const fingerprint = wf.workflowId.slice(prefix.length);
        const rule = (wf.memo as Record<string, unknown> | undefined)?.name;
        if (!wf.workflowId.startsWith(prefix) || !/^[0-9a-f]{16}$/.test(fingerprint) || typeof rule !== 'string') continue;
        out.push({ fingerprint, workflowId: wf.workflowId, rule: rule.slice(0, 64), since: wf.startTime.toISOString() });
        if (out.length >= MAX_OPEN_LISTED) break;
      }
    });
    return { open: out };
  } catch (err) {
    return { error: sanitizeUntrusted(`cannot list the open investigations: ${(err as Error).message}`, 300) };
  }
}

const ALERT_SEVERITY = { info: 'info', low: 'info', medium: 'warning', high: 'warning', critical: 'critical' } as const;

/** The hotspot as the alert investigation sees it (labels identify it; the rule label names its queries). */
export function hotspotAlert(h: Hotspot, at: string): Alert {
  return {
    source: 'proactive', fingerprint: `${PROACTIVE_ALERT_PREFIX}${h.fingerprint}`, status: 'firing', name: h.rule, severity: ALERT_SEVERITY[h.severity],
    summary: sanitizeUntrusted(`${h.title}: ${h.explanation}`, 1000),
    labels: { ...h.labels, alertname: h.rule, severity: h.severity, [PROACTIVE_RULE_LABEL]: h.rule },
    annotations: { explanation: h.explanation, value: h.value, ack_id: h.ackId },
    startsAt: at, ...(h.query ? { expr: h.query } : {}),
  };
}

export function createProactiveActivities(deps: ProactiveActivityDeps) {
  const { client, config } = deps;
  return {
    /** Whether scheduled cycles are paused (read from the durable state, which this starts if needed). */
    async readProactivePause(): Promise<{ paused?: PauseInfo }> {
      const handle = await proactiveStateHandle(client, config);
      const status = await handle.query(proactiveStatusQuery);
      return status.paused ? { paused: status.paused } : {};
    },

    /** Read-only scan: every rule of the pack against Prometheus, and Icinga's soft states when configured. */
    async scanProactiveHotspots(): Promise<ScanResult> {
      const p = config.proactive;
      const at = new Date().toISOString();
      const result: ScanResult = { at, hotspots: [], rules: [] };
      const promUrl = p.prometheusUrl ?? config.detection.prometheusUrl;
      if (promUrl) {
        const r = await scanPrometheus(promUrl, effectiveRulePack(config), { timeoutMs: p.queryTimeoutSeconds * 1000, maxPerRule: p.maxHotspotsPerRule });
        result.hotspots.push(...r.hotspots);
        result.rules.push(...r.rules);
      }
      if (p.icinga.enabled) {
        const password = await requireSecret(p.icinga.password, 'proactive.icinga.password');
        const r = await scanIcinga(p.icinga, password, p.maxHotspotsPerRule);
        result.hotspots.push(...r.hotspots);
        result.rules.push(...r.rules);
      }
      const open = await listOpenInvestigations(client);
      if ('open' in open) result.openInvestigations = open.open;
      else result.openInvestigationsError = open.error;
      return result;
    },

    /** Ranks and gates the scan in the durable state (atomic reservations); the plan is this activity's result. */
    async planProactiveCycle(input: PlanCycleInput): Promise<CyclePlan> {
      const handle = await proactiveStateHandle(client, config);
      return handle.executeUpdate(planCycleUpdate, { args: [input], updateId: `plan/${input.cycleId}` });
    },

    /**
     * Opens the investigation of a hotspot through the webhooks' path and records the outcome in the durable state.
     * A failure to open is recorded (the fingerprint stays in its cooldown) and returned, never thrown.
     */
    async investigateHotspot(input: { cycleId: string; hotspot: Hotspot }): Promise<{ fingerprint: string; workflowId?: string; error?: string; merged?: boolean }> {
      const h = input.hotspot;
      let outcome: { fingerprint: string; workflowId?: string; error?: string; merged?: boolean };
      try {
        // Already running (visibility lagged behind, or a retry of this activity): the repeat merges into it and
        // nothing new is investigated, which the state records as a merge (no budget spent).
        const merged = await openedByAnotherCycle(client, alertWorkflowId(`${PROACTIVE_ALERT_PREFIX}${h.fingerprint}`), input.cycleId);
        const d = await deliverAlert(client, config, hotspotAlert(h, new Date().toISOString()), {
          kind: 'proactive', cycleId: input.cycleId, stateWorkflowId: PROACTIVE_STATE_WORKFLOW_ID, hotspotFingerprint: h.fingerprint,
        });
        outcome = { fingerprint: h.fingerprint, workflowId: d.workflowId, ...(merged ? { merged } : {}) };
      } catch (err) {
        outcome = { fingerprint: h.fingerprint, error: sanitizeUntrusted(`could not open the investigation: ${(err as Error).message}`, 300) };
      }
      const handle = await proactiveStateHandle(client, config);
      await handle.executeUpdate(investigationOutcomeUpdate, { args: [{ cycleId: input.cycleId, ...outcome }] });
      return outcome;
    },

    /**
     * Resolves the open investigation of a hotspot that stopped firing: the resolution goes through the webhooks'
     * path like any resolved alert (the investigation records it in its timeline and ends as resolved).
     */
    async resolveHotspotInvestigation(input: { cycleId: string } & InvestigationToResolve): Promise<ResolveOutcome> {
      const base = { fingerprint: input.fingerprint, workflowId: input.workflowId };
      try {
        const d = await deliverAlert(client, config, resolvedHotspotAlert(input, new Date().toISOString()));
        return { ...base, action: d.action === 'signalled' ? 'signalled' : 'no_open_investigation' };
      } catch (err) {
        return { ...base, error: sanitizeUntrusted(`could not resolve the investigation: ${(err as Error).message}`, 300) };
      }
    },
  };
}

/**
 * Whether another cycle's investigation of this hotspot is running (then a delivery merges into it). The one this
 * cycle opened (a retried activity) is not a merge: the running investigation's start input names its cycle.
 */
async function openedByAnotherCycle(client: Client, workflowId: string, cycleId: string): Promise<boolean> {
  try {
    const handle = client.workflow.getHandle(workflowId);
    if ((await handle.describe()).status.name !== 'RUNNING') return false;
    const res = await client.workflowService.getWorkflowExecutionHistory({ namespace: client.options.namespace, execution: { workflowId }, maximumPageSize: 1 });
    const payload = res.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    const input = payload ? defaultPayloadConverter.fromPayload<Partial<AlertInvestigationInput>>(payload) : undefined;
    return input?.origin?.cycleId !== cycleId;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** The resolution of a hotspot's investigation, as a resolved alert of the same fingerprint. */
export function resolvedHotspotAlert(r: { cycleId: string } & InvestigationToResolve, at: string): Alert {
  return {
    source: 'proactive', fingerprint: `${PROACTIVE_ALERT_PREFIX}${r.fingerprint}`, status: 'resolved', name: r.rule, severity: 'info',
    summary: sanitizeUntrusted(`proactive cycle ${r.cycleId}: ${r.why}`, 1000),
    labels: { alertname: r.rule, [PROACTIVE_RULE_LABEL]: r.rule }, annotations: { ack_id: r.ackId }, startsAt: at,
  };
}

export type ProactiveActivities = ReturnType<typeof createProactiveActivities>;
