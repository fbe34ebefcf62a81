// Live checks of the parts a block depends on: would a block on the configured enforcer take effect at all (an
// enabled rule references the pfSense alias, a router uses the Traefik Middleware, a NetworkPolicy selects the Traefik
// pods), and can the configured effect sources be read. Used by `palisade config check --live` and /health.
import { promises as fs } from 'node:fs';
import type { Logger } from 'pino';
import { accessLogSource } from '../activities/detection';
import type { Enforcer } from '../activities/enforcers/types';
import type { PalisadeConfig } from '../domain/config';
import type { PreconditionCheck } from '../domain/verification';
import { createConfiguredEnforcers } from '../workers/enforcers';

export interface LiveSection {
  name: string;
  ok: boolean;
  checks: PreconditionCheck[];
}

export interface LiveReport {
  ok: boolean;
  at: string;
  sections: LiveSection[];
}

const section = (name: string, checks: PreconditionCheck[]): LiveSection => ({ name, ok: checks.every((c) => c.ok), checks });
const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 400);

async function enforcerSection(config: PalisadeConfig, logger: Logger, enforcers?: Record<string, Enforcer>): Promise<LiveSection> {
  const name = config.enforcement.enforcer;
  if (name === 'simulated' || name === 'memory') {
    return section(`enforcer ${name}`, [{ what: 'data plane', ok: true, detail: `enforcement.enforcer is ${name}: nothing runs against a real data plane, so nothing is checked` }]);
  }
  const e = (enforcers ?? createConfiguredEnforcers(config, logger))[name];
  if (!e) return section(`enforcer ${name}`, [{ what: 'configuration', ok: false, detail: `enforcement.enforcer is ${name} but enforcement.${name} is not configured` }]);
  try {
    const report = await e.checkPreconditions('inbound');
    return section(`enforcer ${name}`, report.checks);
  } catch (err) {
    return section(`enforcer ${name}`, [{ what: 'reachable', ok: false, detail: `could not check the preconditions: ${message(err)}` }]);
  }
}

async function effectSection(config: PalisadeConfig): Promise<LiveSection> {
  const eff = config.policy.verification.effect;
  if (eff.sources.length === 0) return section('effect sources', [{ what: 'configured', ok: true, detail: 'no effect source configured (policy.verification.effect.sources): blocks are verified present and loaded only' }]);
  const checks: PreconditionCheck[] = [];
  for (const s of eff.sources) {
    if (s === 'access-log') {
      const src = accessLogSource(config);
      if (src.kind !== 'file' || src.sample) checks.push({ what: 'access-log', ok: false, detail: 'effect source access-log needs detection.accessLog.file' });
      else {
        const readable = await fs.access(src.file).then(() => true, () => false);
        checks.push({ what: 'access-log', ok: readable, detail: readable ? `${src.file} is readable` : `${src.file} cannot be read` });
      }
    } else if (s === 'elasticsearch') {
      const es = config.detection.elasticsearch;
      checks.push(es.enabled && es.node
        ? { what: 'elasticsearch', ok: true, detail: `Elasticsearch ${es.node}, index ${es.index}` }
        : { what: 'elasticsearch', ok: false, detail: 'effect source elasticsearch needs detection.elasticsearch.enabled and .node' });
    } else {
      const url = eff.prometheusUrl ?? config.intel.baseline.prometheusUrl;
      if (!url) {
        checks.push({ what: 'prometheus', ok: false, detail: 'effect source prometheus needs policy.verification.effect.prometheusUrl (or intel.baseline.prometheusUrl)' });
        continue;
      }
      try {
        const res = await fetch(`${url.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent('vector(1)')}`, { signal: AbortSignal.timeout(eff.timeoutSeconds * 1000) });
        const body = (await res.json().catch(() => ({}))) as { status?: string };
        checks.push({ what: 'prometheus', ok: res.status === 200 && body.status === 'success', detail: `${url} answered HTTP ${res.status}${body.status ? ` (${body.status})` : ''}` });
      } catch (err) {
        checks.push({ what: 'prometheus', ok: false, detail: `${url} did not answer: ${message(err)}` });
      }
    }
  }
  return section('effect sources', checks);
}

export async function liveChecks(config: PalisadeConfig, logger: Logger, enforcers?: Record<string, Enforcer>): Promise<LiveReport> {
  const sections = await Promise.all([enforcerSection(config, logger, enforcers), effectSection(config)]);
  return { ok: sections.every((s) => s.ok), at: new Date().toISOString(), sections };
}

/** The same report, computed at most once per `ttlMs` (health probes must not hammer the firewall). */
export function cachedLiveChecks(run: () => Promise<LiveReport>, ttlMs = 60_000): () => Promise<LiveReport> {
  let last: { at: number; report: Promise<LiveReport> } | undefined;
  return () => {
    if (!last || Date.now() - last.at > ttlMs) {
      const report = run();
      last = { at: Date.now(), report };
      report.catch(() => (last = undefined));
    }
    return last.report;
  };
}

export function formatLiveReport(r: LiveReport): string {
  const lines: string[] = [];
  for (const s of r.sections) {
    lines.push(`${s.ok ? 'ok  ' : 'FAIL'} ${s.name}`);
    for (const c of s.checks) lines.push(`     ${c.ok ? '✓' : '✗'} ${c.what}: ${c.detail}`);
  }
  return `${lines.join('\n')}\n`;
}
