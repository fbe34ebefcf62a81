// Activities of the proactive loop: the read-only scan (Prometheus rule pack, Icinga soft states), the plan (the
// gate, run by the durable state workflow's update), and opening an investigation through the same path the alert
// webhooks use (deliverAlert: signal-with-start of alert/<fingerprint>), marked with its proactive origin.
import type { Client } from '@temporalio/client';
import type { PalisadeConfig } from '../../domain/config';
import type { NormalisedAlert } from '../../domain/alerts';
import { PROACTIVE_RULE_LABEL } from '../../domain/proactive/probes';
import {
  PROACTIVE_STATE_WORKFLOW_ID, type CyclePlan, type Hotspot, type PauseInfo, type PlanCycleInput, type ScanResult,
} from '../../domain/proactive/types';
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

const ALERT_SEVERITY = { info: 'info', low: 'info', medium: 'warning', high: 'warning', critical: 'critical' } as const;

/** The hotspot as the alert investigation sees it (labels identify it; the rule label names its queries). */
export function hotspotAlert(h: Hotspot, at: string): NormalisedAlert {
  return {
    source: 'proactive', fingerprint: `proactive-${h.fingerprint}`, status: 'firing', name: h.rule, severity: ALERT_SEVERITY[h.severity],
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
    async investigateHotspot(input: { cycleId: string; hotspot: Hotspot }): Promise<{ fingerprint: string; workflowId?: string; error?: string }> {
      const h = input.hotspot;
      let outcome: { fingerprint: string; workflowId?: string; error?: string };
      try {
        const d = await deliverAlert(client, config, hotspotAlert(h, new Date().toISOString()), {
          kind: 'proactive', cycleId: input.cycleId, stateWorkflowId: PROACTIVE_STATE_WORKFLOW_ID, hotspotFingerprint: h.fingerprint,
        });
        outcome = { fingerprint: h.fingerprint, workflowId: d.workflowId };
      } catch (err) {
        outcome = { fingerprint: h.fingerprint, error: sanitizeUntrusted(`could not open the investigation: ${(err as Error).message}`, 300) };
      }
      const handle = await proactiveStateHandle(client, config);
      await handle.executeUpdate(investigationOutcomeUpdate, { args: [{ cycleId: input.cycleId, ...outcome }] });
      return outcome;
    },
  };
}

export type ProactiveActivities = ReturnType<typeof createProactiveActivities>;
