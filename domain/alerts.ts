// Alerts as the investigation workflow (`alert/<fingerprint>`) works on them: the NormalisedAlert shape, the
// investigation state, decisions and diagnostics. The webhook payloads and their parsing are in alert-payloads.ts,
// kept apart because this module is bundled into every workflow and zod would cost each cached workflow its schemas.
import { APPROVAL_CHANNELS, type ApprovalChannel } from './types';

/** proactive = a hotspot of the proactive loop (issue 16), investigated like an alert. */
export type AlertSource = 'alertmanager' | 'icinga' | 'proactive';
/** firing/resolved open or close an investigation; a note (Icinga acknowledgement, downtime, flapping end) only updates one. */
export type AlertStatus = 'firing' | 'resolved' | 'note';
export type AlertSeverity = 'critical' | 'warning' | 'info' | 'unknown';

export interface NormalisedAlert {
  source: AlertSource;
  /** Stable per alert identity: Alertmanager's label-set fingerprint, or a hash of Icinga host/service. */
  fingerprint: string;
  status: AlertStatus;
  name: string;
  severity: AlertSeverity;
  summary: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  generatorURL?: string;
  /** The PromQL expression, from Prometheus' generatorURL (g0.expr). */
  expr?: string;
  /** An attacking IP named by a label (src_ip, client_ip, ...), unvalidated text: the threat workflow validates. */
  attackerIp?: string;
  icinga?: { host: string; service?: string; notificationType: string; state?: string; address?: string; author?: string; comment?: string };
}

export const alertWorkflowId = (fingerprint: string) => `alert/${fingerprint}`;

const MAX_VALUE = 1024;
/** Caps untrusted text at n characters. */
export const cap = (s: string, n = MAX_VALUE) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

// ----- Investigation state, decisions and diagnostics (shared by the workflow, activities, API and CLI) -----

export const ALERT_DECISIONS = ['approve', 'reject', 'acknowledge'] as const;
export type AlertDecisionKind = (typeof ALERT_DECISIONS)[number];
/** The same channels as threat decisions: one operator-decision path serves both (runtime/operator-actions). */
export type AlertDecisionChannel = ApprovalChannel;

export interface AlertDecisionInput {
  /** approve = the diagnosis is right (remediation would follow, but execution is disabled); reject; acknowledge = seen. */
  decision: AlertDecisionKind;
  operator: string;
  channel: AlertDecisionChannel;
  comment?: string;
}

export interface RecordedAlertDecision extends AlertDecisionInput {
  decidedAt: string;
  /** Remediation execution is off: what would have run is recorded as not executed. */
  execution: 'execution_disabled' | 'not_applicable';
}

export interface PromQueryResult {
  query: string;
  status: 'ok' | 'error';
  resultType?: string;
  series?: { metric: Record<string, string>; value: string }[];
  error?: string;
}

export interface AlertDiagnostics {
  prometheus: 'done' | 'skipped' | 'failed';
  reason?: string;
  results: PromQueryResult[];
}

export interface AlertDiagnosis {
  status: 'diagnosed' | 'no_diagnosis';
  summary: string;
  likelyCauses: string[];
  suggestedChecks: string[];
  confidence: number;
  /** Why there is no diagnosis (LLM missing, failed, unusable answer). */
  reason?: string;
  llm?: {
    provider: string; model: string; promptTokens: number; completionTokens: number; latencyMs: number; prompt: string; rawResponse: string;
    /** What the call cost at llm.pricing (absent in diagnoses recorded before pricing existed). */
    costUsd?: number;
  };
}

export const ALERT_INVESTIGATION_STATUSES = ['waiting_for_alert', 'investigating', 'awaiting_decision', 'decided', 'resolved', 'expired'] as const;
export type AlertInvestigationStatus = (typeof ALERT_INVESTIGATION_STATUSES)[number];

export interface AlertInvestigationState {
  workflowId: string;
  fingerprint: string;
  status: AlertInvestigationStatus;
  alert?: NormalisedAlert;
  /** Notifications received (firing repeats, notes, the resolution). */
  notifications: number;
  firstSeen?: string;
  lastSeen?: string;
  resolvedAt?: string;
  diagnostics?: AlertDiagnostics;
  diagnosis?: AlertDiagnosis;
  threat?: { ip: string; workflowId?: string; rejected?: string };
  decision?: RecordedAlertDecision;
  decisionTimedOut?: boolean;
  timeline: { at: string; event: string; detail?: string }[];
}

export interface AlertInvestigationSettings {
  decisionTimeoutHours: number;
  maxOpenHours: number;
  openThreatFromIpLabel: boolean;
}

/** Set when the proactive loop opened the investigation: where to report the LLM usage it spends. */
export interface AlertOrigin {
  kind: 'proactive';
  cycleId: string;
  /** The proactive state workflow that charges the usage to the day's money budget. */
  stateWorkflowId: string;
  hotspotFingerprint: string;
}

/**
 * The workflow's start input. Optional fields may be added (older histories replay without them); a field is never
 * renamed or made required, so every recorded input stays valid.
 */
export interface AlertInvestigationInput {
  fingerprint: string;
  settings: AlertInvestigationSettings;
  /** Absent for webhook alerts (and every history recorded before the proactive loop). */
  origin?: AlertOrigin;
}

export interface AlertInvestigationResult {
  fingerprint: string;
  outcome: 'resolved' | 'expired';
  notifications: number;
  diagnosis: AlertDiagnosis['status'] | 'none';
  decision?: RecordedAlertDecision;
}

export function initialAlertState(workflowId: string, fingerprint: string): AlertInvestigationState {
  return { workflowId, fingerprint, status: 'waiting_for_alert', notifications: 0, timeline: [] };
}

const MAX_TIMELINE = 200;
export function addTimeline(s: AlertInvestigationState, at: string, event: string, detail?: string): void {
  s.timeline.push({ at, event, ...(detail ? { detail: cap(detail, 500) } : {}) });
  if (s.timeline.length > MAX_TIMELINE) s.timeline.splice(1, s.timeline.length - MAX_TIMELINE);
}

/** Merges one notification (a repeat correlates into the same investigation; resolved closes it). */
export function mergeNotification(s: AlertInvestigationState, a: NormalisedAlert, at: string): void {
  if (s.status === 'resolved' || s.status === 'expired') return;
  s.notifications++;
  s.firstSeen ??= at;
  s.lastSeen = at;
  if (a.status === 'resolved') {
    s.resolvedAt = at;
    s.status = 'resolved';
    if (s.alert) s.alert = { ...s.alert, status: 'resolved' };
    else s.alert = a;
    addTimeline(s, at, 'resolved', a.summary);
    return;
  }
  if (a.status === 'note') {
    addTimeline(s, at, 'note', a.summary);
    s.alert ??= { ...a, status: 'firing' };
    return;
  }
  const repeat = s.alert !== undefined;
  // Keep the first labels for identity; take the latest annotations/summary (they may carry fresher values).
  s.alert = s.alert ? { ...s.alert, summary: a.summary, annotations: a.annotations, severity: a.severity, status: 'firing' } : a;
  addTimeline(s, at, repeat ? 'repeat' : 'firing', a.summary);
}

/** Synchronous check of an operator decision against the input shape and the state; a message means refuse. */
export function alertDecisionError(d: unknown, s: AlertInvestigationState): string | undefined {
  if (typeof d !== 'object' || d === null) return 'decision must be an object {decision, operator, channel, comment?}';
  const x = d as Record<string, unknown>;
  if (!(ALERT_DECISIONS as readonly unknown[]).includes(x.decision)) return `decision must be one of ${ALERT_DECISIONS.join(', ')}`;
  // The same identity rule as threat approvers (a Discord approver is "name (discord:<id>)"): any printable text.
  if (typeof x.operator !== 'string' || x.operator.trim() === '' || x.operator.length > 100 || /\p{Cc}/u.test(x.operator)) return 'operator is required: 1-100 characters without control characters (every decision records who made it)';
  if (!(APPROVAL_CHANNELS as readonly unknown[]).includes(x.channel)) return `channel must be one of ${APPROVAL_CHANNELS.join(', ')}`;
  if (x.comment !== undefined && (typeof x.comment !== 'string' || x.comment.length > 2000)) return 'comment must be a string of at most 2000 characters';
  const extra = Object.keys(x).filter((k) => !['decision', 'operator', 'channel', 'comment'].includes(k));
  if (extra.length) return `unknown field(s): ${extra.join(', ')}`;
  if (s.status === 'waiting_for_alert') return 'no alert has arrived yet';
  if (s.status === 'resolved' || s.status === 'expired') return `the investigation is already ${s.status}`;
  return alertDecisionConflict(s.decision);
}

const DECIDED_VERB: Record<AlertDecisionKind, string> = { approve: 'approved', reject: 'rejected', acknowledge: 'acknowledged' };

/**
 * A second decision is refused, never answered "accepted" (as for threats, domain/operator-input decisionConflict):
 * the state and the history must agree on who decided.
 */
export function alertDecisionConflict(existing: RecordedAlertDecision | undefined): string | undefined {
  if (!existing) return undefined;
  return `this incident was already ${DECIDED_VERB[existing.decision]} by ${existing.operator} via ${existing.channel} at ${existing.decidedAt}; the second decision was not applied`;
}

export function recordAlertDecision(s: AlertInvestigationState, d: AlertDecisionInput, at: string): RecordedAlertDecision {
  const recorded: RecordedAlertDecision = {
    decision: d.decision, operator: d.operator, channel: d.channel, ...(d.comment ? { comment: cap(d.comment, 2000) } : {}),
    decidedAt: at, execution: d.decision === 'approve' ? 'execution_disabled' : 'not_applicable',
  };
  s.decision = recorded;
  if (s.status === 'awaiting_decision' || s.status === 'investigating') s.status = 'decided';
  addTimeline(s, at, `decision: ${d.decision}`, `${d.operator} via ${d.channel}${d.comment ? `: ${d.comment}` : ''}`);
  return recorded;
}

/** A PromQL string literal (double-quoted, escaped). */
export const promString = (v: string) => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/**
 * Read-only instant queries that help diagnose an alert, most useful first: the operator's configured expressions for
 * this alert name, then fixed templates whose only inputs are label values as escaped string literals. The caller's
 * own expression (generatorURL) is never run: whoever can post an alert could otherwise make Prometheus evaluate any
 * expression, however expensive.
 */
export function diagnosticQueries(a: NormalisedAlert, max: number, configured: Record<string, string[]> = {}): string[] {
  const out: string[] = [];
  const name = a.labels.alertname;
  if (name && Object.hasOwn(configured, name)) out.push(...configured[name]);
  if (a.labels.alertname) out.push(`ALERTS{alertname=${promString(a.labels.alertname)}}`);
  if (a.labels.instance) out.push(`up{instance=${promString(a.labels.instance)}}`);
  if (a.labels.job) out.push(`up{job=${promString(a.labels.job)}}`);
  if (a.icinga?.host) out.push(`up{instance=~${promString(`${a.icinga.host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:[0-9]+)?`)}}`);
  return [...new Set(out)].slice(0, max);
}
