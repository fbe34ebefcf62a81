// Alert normalisation: Alertmanager webhook v4 and Icinga 2 notifications become one NormalisedAlert shape that the
// investigation workflow works on. Pure; the webhooks parse the HTTP body and call these. Not imported by workflow
// code (see alerts.ts).
import { z } from 'zod';
import { cap, type AlertSeverity, type AlertStatus, type NormalisedAlert } from './alerts';

const MAX_SUMMARY = 2000;
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
