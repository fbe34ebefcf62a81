// The Icinga 2 scanner (read-only): services in a SOFT problem state, i.e. seen failing but not yet confirmed by
// max_check_attempts, so nobody has been notified yet. Icinga 2 API: POST /v1/objects/services with
// `X-HTTP-Method-Override: GET` and a JSON body {filter, attrs} (the documented way to send a filter), Basic auth as
// an ApiUser with `objects/query/Service`. Acknowledged services and those in downtime are left out.
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import type { ProactiveConfig } from '../../domain/config';
import { sanitizeUntrusted } from '../../domain/sanitize';
import { ICINGA_RULE, type Hotspot, type HotspotSeverity, type RuleScan } from '../../domain/proactive/types';
import { makeHotspot } from './hotspot';

// A service never checked yet (pending) reports state UNKNOWN in a SOFT state type: it has no check result, and is
// not a problem.
export const ICINGA_SOFT_FILTER = 'service.state != 0 && service.state_type == 0 && service.acknowledgement == 0 && service.downtime_depth == 0 && service.last_check_result != null';
export const ICINGA_ATTRS = ['name', 'display_name', 'host_name', 'state', 'state_type', 'check_attempt', 'max_check_attempts', 'last_check_result', 'last_state_change'];

const STATE_NAMES: Record<number, string> = { 1: 'WARNING', 2: 'CRITICAL', 3: 'UNKNOWN' };
const STATE_SEVERITY: Record<number, HotspotSeverity> = { 1: 'medium', 2: 'high', 3: 'medium' };

interface IcingaService {
  name?: string; display_name?: string; host_name?: string; state?: number; state_type?: number;
  check_attempt?: number; max_check_attempts?: number; last_check_result?: { output?: string } | null;
}

function post(url: URL, body: string, headers: Record<string, string>, opts: { ca?: Buffer; rejectUnauthorized: boolean; timeoutMs: number }): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(url, {
      method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, timeout: opts.timeoutMs,
      ...(url.protocol === 'https:' ? { ca: opts.ca, rejectUnauthorized: opts.rejectUnauthorized } : {}),
    }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 16 * 1024 * 1024) req.destroy(new Error('Icinga answer larger than 16 MiB'));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${opts.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

export async function scanIcinga(cfg: ProactiveConfig['icinga'], password: string, maxFindings: number): Promise<{ hotspots: Hotspot[]; rules: RuleScan[] }> {
  const scan: RuleScan = { rule: ICINGA_RULE, source: 'icinga', status: 'ok', findings: 0 };
  const hotspots: Hotspot[] = [];
  try {
    const url = new URL('/v1/objects/services', cfg.url!);
    const auth = Buffer.from(`${cfg.username}:${password}`).toString('base64');
    const res = await post(url, JSON.stringify({ filter: ICINGA_SOFT_FILTER, attrs: ICINGA_ATTRS }), {
      accept: 'application/json', 'content-type': 'application/json', 'x-http-method-override': 'GET', authorization: `Basic ${auth}`,
    }, { ca: cfg.caFile ? readFileSync(cfg.caFile) : undefined, rejectUnauthorized: cfg.rejectUnauthorized, timeoutMs: cfg.timeoutSeconds * 1000 });
    let body: { results?: { attrs?: IcingaService }[]; status?: string } | undefined;
    try {
      body = JSON.parse(res.text);
    } catch {
      body = undefined;
    }
    if (res.status !== 200 || !Array.isArray(body?.results)) {
      throw new Error(`Icinga API answered ${res.status}: ${sanitizeUntrusted(body?.status ?? res.text, 200)}`);
    }
    scan.findings = body.results.length;
    for (const r of body.results.slice(0, maxFindings)) {
      const a = r.attrs ?? {};
      const state = Number(a.state);
      // The filter said so; a server ignoring it must not page us.
      if (!(state in STATE_NAMES) || a.state_type !== 0 || !a.last_check_result) continue;
      const host = sanitizeUntrusted(a.host_name, 200);
      const service = sanitizeUntrusted(a.name, 200);
      const output = sanitizeUntrusted(a.last_check_result?.output ?? '', 300);
      hotspots.push(makeHotspot({
        source: 'icinga', rule: ICINGA_RULE, severity: STATE_SEVERITY[state],
        title: sanitizeUntrusted(`${host} ${a.display_name ?? service}: soft ${STATE_NAMES[state]} (attempt ${a.check_attempt ?? '?'} of ${a.max_check_attempts ?? '?'})`, 200),
        explanation: 'Icinga sees this service failing, not yet confirmed (SOFT state): it becomes a HARD problem and notifies if the next checks fail too.',
        labels: { host, service }, value: output,
      }));
    }
  } catch (err) {
    scan.status = 'error';
    scan.error = sanitizeUntrusted((err as Error).message, 300);
  }
  return { hotspots, rules: [scan] };
}
