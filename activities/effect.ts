// The effect check: after the settle time, does the blocked IP's traffic still reach a backend? Each configured source
// answers with its evidence; domain/verification.ts combines them. Registered on the main task queue, where the
// detection sources (access log file, Elasticsearch) and Prometheus are reachable.
//
//   access-log     the Traefik JSON access log's tail: the IP's requests since the block, those that reached a backend
//                  (OriginStatus set) versus those Traefik refused itself (no OriginStatus, e.g. the deny plugin's 403)
//   elasticsearch  the same count as an aggregation over the access-log index
//   prometheus     a PromQL query with the IP substituted, before the block (baseline) and after the settle time
import { promises as fs } from 'node:fs';
import type { Client as EsClient } from '@elastic/elasticsearch';
import type { PalisadeConfig } from '../domain/config';
import { parseCidrs } from '../domain/detection/client-ip';
import { fromTraefikObject } from '../domain/detection/records';
import { normaliseIp } from '../domain/ip';
import {
  accessLogOutcome, combineEffect, promqlOutcome, type EffectBaseline, type EffectCheck, type EffectSource, type EffectSourceResult,
} from '../domain/verification';
import { blockEffectChecks, blockVerificationLevels } from '../runtime/metrics';
import { readSecret } from '../runtime/secrets';
import { accessLogSource } from './detection';
import { createEsClient, mappingOf } from './detection/elasticsearch-source';
import { queryBaseline } from './intel/baseline';

export interface EffectActivityDeps {
  config: PalisadeConfig;
}

export interface EffectCheckInput {
  ip: string;
  /** When the block was applied (ISO): requests before it do not count. */
  since: string;
  baseline?: EffectBaseline;
  /** Only the sources the workflow's policy names (the policy snapshot it runs with). */
  sources: EffectSource[];
}

/** Requests from `ip` at or after `sinceMs` in the access log's last `tailBytes`, by whether they reached a backend. */
export async function countAccessLog(file: string, ip: string, sinceMs: number, opts: { tailBytes: number; clientField: PalisadeConfig['detection']['accessLog']['clientField']; trustedProxies: string[] }) {
  const handle = await fs.open(file, 'r');
  let text: string;
  let start: number;
  try {
    const { size } = await handle.stat();
    start = Math.max(0, size - opts.tailBytes);
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    text = buf.toString('utf8');
  } finally {
    await handle.close();
  }
  // A tail that starts mid-line: drop the partial first line.
  if (start > 0) text = text.slice(text.indexOf('\n') + 1);
  const parseOpts = { clientField: opts.clientField, trustedProxies: parseCidrs(opts.trustedProxies) };
  // IPv4 text is unambiguous, so a substring test skips unrelated lines before JSON parsing; IPv6 may be written in
  // other forms, so every line is parsed. Either way one pass, linear in the tail.
  const cheap = !ip.includes(':');
  let reached = 0;
  let refused = 0;
  const statuses: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (cheap && !line.includes(ip)) continue;
    if (!line.trimStart().startsWith('{')) continue;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch {
      continue;
    }
    const r = fromTraefikObject(o, parseOpts);
    if (!r.ok || r.record.ip !== ip || r.record.timeMs < sinceMs) continue;
    const origin = (o as Record<string, unknown>).OriginStatus;
    const toBackend = typeof origin === 'number' && origin > 0;
    if (toBackend) reached += 1;
    else refused += 1;
    const key = `${r.record.status}${toBackend ? '' : ' (Traefik)'}`;
    statuses[key] = (statuses[key] ?? 0) + 1;
  }
  return { reached, refused, statuses };
}

const describeStatuses = (s: Record<string, number>) => Object.entries(s).map(([k, n]) => `${n}x ${k}`).join(', ');

export function createEffectActivities(deps: EffectActivityDeps) {
  const { config } = deps;
  const eff = config.policy.verification.effect;
  const promUrl = eff.prometheusUrl ?? config.intel.baseline.prometheusUrl;
  const http = { timeoutMs: eff.timeoutSeconds * 1000, retries: 1 };
  let es: EsClient | undefined;

  async function promql(ip: string): Promise<{ query: string; value?: number; error?: string }> {
    if (!promUrl) return { query: '', error: 'no Prometheus URL (policy.verification.effect.prometheusUrl or intel.baseline.prometheusUrl)' };
    const r = await queryBaseline(ip, { prometheusUrl: promUrl, requestsQuery: eff.promql, http });
    return { query: r.query, value: r.requestsPerHour, error: r.error };
  }

  async function accessLog(ip: string, sinceMs: number): Promise<EffectSourceResult> {
    const src = accessLogSource(config);
    if (src.kind !== 'file' || src.sample) return { source: 'access-log', outcome: 'error', evidence: 'no access-log file is configured (detection.accessLog.file)' };
    const c = await countAccessLog(src.file, ip, sinceMs, { tailBytes: eff.accessLogTailBytes, clientField: config.detection.accessLog.clientField, trustedProxies: config.detection.detector.trustedProxies });
    const outcome = accessLogOutcome(c.reached, c.refused);
    const seen = c.reached + c.refused === 0 ? 'no requests' : describeStatuses(c.statuses);
    return {
      source: 'access-log', outcome, reached: c.reached, refused: c.refused,
      evidence: `${src.file}: since the block ${c.reached} request(s) from ${ip} reached a backend, ${c.refused} were refused by Traefik (${seen})`,
    };
  }

  async function elasticsearch(ip: string, sinceIso: string): Promise<EffectSourceResult> {
    const cfg = config.detection.elasticsearch;
    if (!cfg.enabled || !cfg.node) return { source: 'elasticsearch', outcome: 'error', evidence: 'Elasticsearch is not enabled (detection.elasticsearch)' };
    es ??= await createEsClient(cfg, readSecret);
    const m = mappingOf(cfg);
    const origin = eff.esOriginStatusField ?? (cfg.fields === 'ecs' ? 'traefik.access.origin.status_code' : 'OriginStatus');
    const clients = [m.clientIp, ...(m.forwardedIp ? [m.forwardedIp] : [])].map((f) => ({ term: { [f]: ip } }));
    const res = await es.search({
      index: cfg.index, size: 0, track_total_hits: true,
      query: { bool: { filter: [{ range: { [m.timestamp]: { gte: sinceIso } } }, { bool: { should: clients, minimum_should_match: 1 } }] } },
      aggs: { reached: { filter: { range: { [origin]: { gt: 0 } } } } },
    });
    const total = typeof res.hits.total === 'number' ? res.hits.total : res.hits.total?.value ?? 0;
    const reached = (res.aggregations?.reached as { doc_count?: number } | undefined)?.doc_count ?? 0;
    const refused = Math.max(0, total - reached);
    return {
      source: 'elasticsearch', outcome: accessLogOutcome(reached, refused), reached, refused,
      evidence: `${cfg.index}: since the block ${reached} request(s) from ${ip} reached a backend (${origin} set), ${refused} were answered by Traefik itself`,
    };
  }

  async function prometheus(ip: string, baseline: EffectBaseline | undefined): Promise<EffectSourceResult> {
    const before = baseline?.prometheus;
    const after = await promql(ip);
    if (after.error) return { source: 'prometheus', outcome: 'error', query: after.query, before: before?.value, evidence: `PromQL after the block failed: ${after.error}` };
    const outcome = promqlOutcome(before?.value, after.value, eff.promqlMaxAfter);
    const b = before?.value === undefined ? `no baseline${before?.error ? ` (${before.error})` : ''}` : String(before.value);
    return {
      source: 'prometheus', outcome, query: after.query, before: before?.value, after: after.value,
      evidence: `${after.query}: before the block ${b}, after ${after.value ?? 0} (dropped means at most ${eff.promqlMaxAfter})`,
    };
  }

  return {
    /** Taken before apply, for the sources that compare before and after (PromQL). */
    async measureEffectBaseline(input: { ip: string; sources: EffectSource[] }): Promise<EffectBaseline> {
      const ip = canonical(input.ip);
      const baseline: EffectBaseline = { at: new Date().toISOString() };
      if (input.sources.includes('prometheus')) baseline.prometheus = await promql(ip);
      return baseline;
    },

    /** After the settle time: each source's measurement, and the combined outcome. A failing source does not vote. */
    async checkBlockEffect(input: EffectCheckInput): Promise<EffectCheck> {
      const ip = canonical(input.ip);
      const sinceMs = Date.parse(input.since);
      if (Number.isNaN(sinceMs)) throw new Error(`invalid since: ${String(input.since).slice(0, 40)}`);
      const run: Record<EffectSource, () => Promise<EffectSourceResult>> = {
        'access-log': () => accessLog(ip, sinceMs),
        elasticsearch: () => elasticsearch(ip, new Date(sinceMs).toISOString()),
        prometheus: () => prometheus(ip, input.baseline),
      };
      const sources = await Promise.all(input.sources.map((s) =>
        run[s]().catch((err: unknown): EffectSourceResult => ({ source: s, outcome: 'error', evidence: `${s} could not be read: ${(err as Error).message.slice(0, 300)}` }))));
      const outcome = combineEffect(sources);
      blockEffectChecks.inc({ outcome });
      if (outcome === 'effective') blockVerificationLevels.inc({ level: 'effective' });
      const summary = sources.length === 0 ? 'no effect source configured' : sources.map((s) => `${s.source}: ${s.outcome} (${s.evidence})`).join('; ');
      return { outcome, since: new Date(sinceMs).toISOString(), at: new Date().toISOString(), sources, summary };
    },
  };
}

function canonical(ip: string): string {
  const n = normaliseIp(ip);
  if (!n.ok) throw new Error(`not an IP address: ${n.reason}`);
  return n.ip;
}

export type EffectActivities = ReturnType<typeof createEffectActivities>;
