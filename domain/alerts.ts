// Alert normalisation: Alertmanager webhook v4 and Icinga 2 notifications become one NormalisedAlert shape that the
// investigation workflow (`alert/<fingerprint>`) works on. Pure; the webhooks parse the HTTP body and call these.
import { z } from 'zod';

export type AlertSource = 'alertmanager' | 'icinga';
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
const MAX_SUMMARY = 2000;
const cap = (s: string, n = MAX_VALUE) => (s.length > n ? s.slice(0, n - 1) + '…' : s);
const capRecord = (r: Record<string, string>) =>
  Object.fromEntries(Object.entries(r).slice(0, 64).map(([k, v]) => [cap(k, 128), cap(v)]));

// ----- Alertmanager (prometheus/alertmanager notify/webhook/webhook.go, template/template.go) -----

const labelSet = z.record(z.string().max(256), z.string().max(16_384));
const amAlert = z.strictObject({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: z.string().max(64),
  endsAt: z.string().max(64).optional(),
  generatorURL: z.string().max(8192).default(''),
  fingerprint: z.string().regex(/^[0-9a-f]{1,32}$/, 'must be the hex label-set fingerprint'),
});
export const alertmanagerPayloadSchema = z.strictObject({
  version: z.literal('4', { error: 'only webhook payload version "4" is supported' }),
  groupKey: z.string().max(8192),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(['firing', 'resolved']),
  receiver: z.string().max(1024),
  groupLabels: labelSet.default({}),
  commonLabels: labelSet.default({}),
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().max(8192).default(''),
  alerts: z.array(amAlert).min(1, 'no alerts in payload').max(1000),
});
export type AlertmanagerPayload = z.infer<typeof alertmanagerPayloadSchema>;

const SEVERITIES: Record<string, AlertSeverity> = {
  critical: 'critical', crit: 'critical', page: 'critical', error: 'critical', high: 'critical', disaster: 'critical',
  warning: 'warning', warn: 'warning', medium: 'warning', average: 'warning',
  info: 'info', informational: 'info', low: 'info', none: 'info', notice: 'info',
};
export const severityOf = (s: string | undefined): AlertSeverity => (s ? SEVERITIES[s.toLowerCase()] ?? 'unknown' : 'unknown');

/** g0.expr of a Prometheus graph URL, decoded (no URL global needed: this runs in the workflow sandbox too). */
export function exprFromGeneratorUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  for (const part of url.slice(q + 1).split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq) === 'g0.expr') {
      try {
        const v = decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
        return v.trim() ? cap(v, 4096) : undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

const isoOr = (s: string | undefined, fallback: string) => {
  if (!s || s.startsWith('0001-01-01')) return fallback;
  const t = Date.parse(s);
  return Number.isNaN(t) ? fallback : new Date(t).toISOString();
};

function attackerIpFrom(labels: Record<string, string>, ipLabels: string[]): string | undefined {
  for (const l of ipLabels) {
    const v = labels[l]?.trim();
    if (v) return cap(v, 64);
  }
  return undefined;
}

/** One NormalisedAlert per alert in the notification; the group's common labels/annotations fill gaps. */
export function normaliseAlertmanager(p: AlertmanagerPayload, opts: { ipLabels: string[]; receivedAt: string }): NormalisedAlert[] {
  return p.alerts.map((a) => {
    const labels = capRecord({ ...p.commonLabels, ...a.labels });
    const annotations = capRecord({ ...p.commonAnnotations, ...a.annotations });
    const summary = annotations.summary ?? annotations.description ?? annotations.message ?? labels.alertname ?? 'alert';
    return {
      source: 'alertmanager',
      fingerprint: a.fingerprint,
      status: a.status,
      name: cap(labels.alertname ?? 'unnamed', 256),
      severity: severityOf(labels.severity ?? labels.priority),
      summary: cap(summary, MAX_SUMMARY),
      labels,
      annotations,
      startsAt: isoOr(a.startsAt, opts.receivedAt),
      generatorURL: a.generatorURL ? cap(a.generatorURL, 2048) : undefined,
      expr: exprFromGeneratorUrl(a.generatorURL),
      attackerIp: attackerIpFrom(labels, opts.ipLabels),
    };
  });
}

// ----- Icinga 2 (documented in docs/icinga.md; produced by scripts/icinga-notify.sh) -----

/** Canonical Icinga fields; `aliases` maps the spellings of common ad-hoc webhook scripts and env-style macros. */
// The closed lists of Icinga notification types and states: anything else is refused (400), never guessed.
const ICINGA_STATUS: Record<string, AlertStatus> = {
  PROBLEM: 'firing', CUSTOM: 'firing', FLAPPINGSTART: 'firing',
  RECOVERY: 'resolved',
  ACKNOWLEDGEMENT: 'note', FLAPPINGEND: 'note', FLAPPINGSTOP: 'note', FLAPPINGDISABLED: 'note',
  DOWNTIMESTART: 'note', DOWNTIMEEND: 'note', DOWNTIMECANCELLED: 'note',
};
const ICINGA_SEVERITY: Record<string, AlertSeverity> = {
  DOWN: 'critical', CRITICAL: 'critical', UNREACHABLE: 'critical', WARNING: 'warning', UNKNOWN: 'warning', UP: 'info', OK: 'info',
};

const oneOf = (list: Record<string, unknown>, what: string) => (v: string) => Object.hasOwn(list, v.trim().toUpperCase())
  || `unknown ${what} ${JSON.stringify(v.slice(0, 40))}: one of ${Object.keys(list).join(', ')}`;
const refuseUnless = (check: (v: string) => true | string) => (v: string, ctx: z.RefinementCtx) => {
  const r = check(v);
  if (r !== true) ctx.addIssue({ code: 'custom', message: r });
};

export const icingaPayloadSchema = z.strictObject({
  notification_type: z.string().min(1).max(64).superRefine(refuseUnless(oneOf(ICINGA_STATUS, 'notification type'))),
  host: z.string().min(1).max(255),
  service: z.string().max(255).optional(),
  host_display: z.string().max(512).optional(),
  service_display: z.string().max(512).optional(),
  address: z.string().max(255).optional(),
  address6: z.string().max(255).optional(),
  state: z.string().max(32).superRefine(refuseUnless(oneOf(ICINGA_SEVERITY, 'state'))).optional(),
  output: z.string().max(65_536).optional(),
  datetime: z.union([z.string().max(64), z.number()]).optional(),
  author: z.string().max(255).optional(),
  comment: z.string().max(65_536).optional(),
  icinga_url: z.string().max(2048).optional(),
  /** Custom variables (e.g. src_ip for an alert about an attacking address). */
  vars: z.record(z.string().max(128), z.union([z.string().max(4096), z.number(), z.boolean()])).optional(),
});
export type IcingaPayload = z.infer<typeof icingaPayloadSchema>;

const ICINGA_ALIASES: Record<string, keyof IcingaPayload> = {
  type: 'notification_type', notificationtype: 'notification_type', notification_type: 'notification_type',
  host: 'host', hostname: 'host', host_name: 'host',
  service: 'service', servicename: 'service', service_name: 'service',
  hostdisplay: 'host_display', hostdisplayname: 'host_display', host_display: 'host_display', host_display_name: 'host_display',
  servicedisplay: 'service_display', servicedisplayname: 'service_display', service_display: 'service_display', service_display_name: 'service_display',
  address: 'address', hostaddress: 'address', address6: 'address6', hostaddress6: 'address6',
  state: 'state', hoststate: 'state', servicestate: 'state',
  output: 'output', message: 'output', hostoutput: 'output', serviceoutput: 'output', plugin_output: 'output',
  datetime: 'datetime', longdatetime: 'datetime', date: 'datetime', timestamp: 'datetime',
  author: 'author', notificationauthorname: 'author', notification_author: 'author',
  comment: 'comment', notificationcomment: 'comment', notification_comment: 'comment',
  icinga_url: 'icinga_url', icingaweb2url: 'icinga_url', url: 'icinga_url', vars: 'vars',
};

/** Maps alias keys (case-insensitive) to the canonical schema; unknown keys are kept so the schema rejects them by name. */
export function canonicaliseIcingaKeys(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    const canon = ICINGA_ALIASES[k.toLowerCase()] ?? k;
    // Empty strings from unset macros ("$service.name$" on a host notification) mean absent.
    if (v === '' || v === null) continue;
    if (!(canon in out)) out[canon] = v;
  }
  return out;
}

/** Icinga's $icinga.long_date_time$ ("2026-01-02 15:04:05 +0100"), ISO 8601 or unix seconds → ISO, else undefined. */
export function icingaTime(v: string | number | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number' || /^\d{9,11}(\.\d+)?$/.test(v)) return new Date(Number(v) * 1000).toISOString();
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.\d+)?\s*([+-]\d{2}):?(\d{2})$/.exec(v.trim());
  const t = m ? Date.parse(`${m[1]}T${m[2]}${m[3]}:${m[4]}`) : Date.parse(v);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** FNV-1a 64-bit, hex: a stable, dependency-free id for Icinga objects (not a security hash). */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  const bytes = new TextEncoder().encode(text);
  for (const b of bytes) {
    h ^= BigInt(b);
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

export const icingaFingerprint = (host: string, service?: string) => `icinga-${fnv1a64(`${host}!${service ?? ''}`)}`;

export function normaliseIcinga(p: IcingaPayload, opts: { ipLabels: string[]; receivedAt: string }): NormalisedAlert {
  const type = p.notification_type.trim().toUpperCase();
  const state = p.state?.trim().toUpperCase();
  let status: AlertStatus = ICINGA_STATUS[type] ?? 'firing';
  // A CUSTOM notification about an OK/UP object is not a problem.
  if (status === 'firing' && (state === 'OK' || state === 'UP')) status = type === 'CUSTOM' ? 'note' : 'resolved';
  const vars = Object.fromEntries(Object.entries(p.vars ?? {}).map(([k, v]) => [k, String(v)]));
  const labels = capRecord({
    host: p.host, ...(p.service ? { service: p.service } : {}), ...(state ? { state } : {}),
    ...(p.address ? { address: p.address } : {}), ...vars,
  });
  const name = p.service ? `${p.host}/${p.service}` : p.host;
  return {
    source: 'icinga',
    fingerprint: icingaFingerprint(p.host, p.service),
    status,
    name: cap(name, 256),
    severity: state ? ICINGA_SEVERITY[state] ?? 'unknown' : 'unknown',
    summary: cap(`${type}: ${p.service_display ?? p.service ?? p.host_display ?? p.host} is ${state ?? 'unknown'}${p.output ? ` — ${p.output}` : ''}`, MAX_SUMMARY),
    labels,
    annotations: capRecord({
      ...(p.output ? { output: p.output } : {}), ...(p.comment ? { comment: p.comment } : {}),
      ...(p.icinga_url ? { url: p.icinga_url } : {}),
    }),
    startsAt: icingaTime(p.datetime) ?? opts.receivedAt,
    attackerIp: attackerIpFrom(vars, opts.ipLabels),
    icinga: {
      host: p.host, service: p.service, notificationType: type, state, address: p.address ?? p.address6,
      author: p.author, comment: p.comment ? cap(p.comment) : undefined,
    },
  };
}

/**
 * JSON.parse that forgives what shell-built Icinga payloads typically get wrong: raw newlines, tabs and other
 * control characters inside strings (unescaped plugin output). Anything else still fails.
 */
export function parseLenientJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (first) {
    let out = '';
    let inString = false;
    let escaped = false;
    for (const ch of text) {
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === '\\') escaped = true;
        else if (ch === '"') inString = false;
        else if (ch < ' ') {
          out += ch === '\n' ? '\\n' : ch === '\r' ? '\\r' : ch === '\t' ? '\\t' : `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
          continue;
        }
      } else if (ch === '"') inString = true;
      out += ch;
    }
    try {
      return JSON.parse(out);
    } catch {
      throw first;
    }
  }
}

// ----- Investigation state, decisions and diagnostics (shared by the workflow, activities, API and CLI) -----

export type AlertDecisionKind = 'approve' | 'reject' | 'acknowledge';
export type AlertDecisionChannel = 'api' | 'review-page' | 'discord' | 'cli' | 'temporal-ui' | 'signed-link' | 'test';
export const ALERT_DECISIONS: readonly AlertDecisionKind[] = ['approve', 'reject', 'acknowledge'];
const CHANNELS: readonly AlertDecisionChannel[] = ['api', 'review-page', 'discord', 'cli', 'temporal-ui', 'signed-link', 'test'];

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
  llm?: { provider: string; model: string; promptTokens: number; completionTokens: number; latencyMs: number; prompt: string; rawResponse: string };
}

export type AlertInvestigationStatus = 'waiting_for_alert' | 'investigating' | 'awaiting_decision' | 'decided' | 'resolved' | 'expired';

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

export interface AlertInvestigationInput {
  fingerprint: string;
  settings: AlertInvestigationSettings;
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
  if (!ALERT_DECISIONS.includes(x.decision as AlertDecisionKind)) return `decision must be one of ${ALERT_DECISIONS.join(', ')}`;
  if (typeof x.operator !== 'string' || !/^[\w.@+-][\w .@+-]{0,99}$/.test(x.operator)) return 'operator must be 1-100 characters (letters, digits, space . @ + - _)';
  if (!CHANNELS.includes(x.channel as AlertDecisionChannel)) return `channel must be one of ${CHANNELS.join(', ')}`;
  if (x.comment !== undefined && (typeof x.comment !== 'string' || x.comment.length > 2000)) return 'comment must be a string of at most 2000 characters';
  const extra = Object.keys(x).filter((k) => !['decision', 'operator', 'channel', 'comment'].includes(k));
  if (extra.length) return `unknown field(s): ${extra.join(', ')}`;
  if (s.status === 'waiting_for_alert') return 'no alert has arrived yet';
  if (s.status === 'resolved' || s.status === 'expired') return `the investigation is already ${s.status}`;
  if (s.decision) return `a decision was already recorded (${s.decision.decision} by ${s.decision.operator})`;
  return undefined;
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
