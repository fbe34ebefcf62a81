// Building hotspots from scanner findings: a stable fingerprint (hash of source, rule and identifying labels), the
// short ack id, and sanitised, capped text (label values come from monitored systems: untrusted).
import { createHash } from 'node:crypto';
import type { ProactiveRule } from '../../domain/config';
import { sanitizeUntrusted } from '../../domain/sanitize';
import { ACK_ID_LENGTH, type Hotspot, type HotspotSeverity, type HotspotSource } from '../../domain/proactive/types';

const MAX_LABELS = 20;

export function hotspotFingerprint(source: HotspotSource, rule: string, labels: Record<string, string>): string {
  const h = createHash('sha256').update(`${source}\n${rule}\n`);
  for (const k of Object.keys(labels).sort()) h.update(`${k}=${labels[k]}\n`);
  return h.digest('hex').slice(0, 16);
}

export function cleanLabels(metric: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(metric)) {
    if (k === '__name__' || Object.keys(out).length >= MAX_LABELS) continue;
    out[sanitizeUntrusted(k, 100)] = sanitizeUntrusted(v, 200);
  }
  return out;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** The rule's title with {{label}} replaced (missing labels become empty), or the rule name and identifying labels. */
export function hotspotTitle(rule: Pick<ProactiveRule, 'name' | 'title'>, labels: Record<string, string>): string {
  const text = rule.title
    ? rule.title.replace(PLACEHOLDER, (_m, k: string) => labels[k] ?? '')
    : `${rule.name} ${Object.entries(labels).slice(0, 4).map(([k, v]) => `${k}=${v}`).join(' ')}`;
  return sanitizeUntrusted(text.replace(/\s+/g, ' ').trim(), 200) || rule.name;
}

export function makeHotspot(h: {
  source: HotspotSource; rule: string; severity: HotspotSeverity; title: string; explanation: string;
  labels: Record<string, string>; value: string; query?: string; probes?: Hotspot['probes'];
}): Hotspot {
  const fingerprint = hotspotFingerprint(h.source, h.rule, h.labels);
  return {
    fingerprint, ackId: fingerprint.slice(0, ACK_ID_LENGTH), source: h.source, rule: h.rule, severity: h.severity,
    title: h.title, explanation: sanitizeUntrusted(h.explanation, 500), labels: h.labels, value: sanitizeUntrusted(h.value, 300),
    ...(h.query ? { query: h.query } : {}), probes: h.probes ?? [],
  };
}
