// Palisade's Prometheus metrics (prom-client default registry, served at GET /metrics by the API).
// LLM token and latency metrics live in activities/proposal/metrics.ts; Temporal SDK (core) metrics are exported by
// the SDK's own Prometheus endpoint (installTemporalRuntime below), on a separate port.
import client from 'prom-client';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { GovernorVerdict, ThreatOutcome } from '../domain/types';
import { HOTSPOT_SEVERITIES, HOTSPOT_VERDICTS, type ProactiveStatus } from '../domain/proactive/types';
import { THREAT_WORKFLOW_TYPE } from '../workflows/messages';

const registry = client.register;

function once<T extends client.Metric>(name: string, make: () => T): T {
  // Modules can be loaded twice under test runners; reuse what is already registered.
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

let defaultsCollected = false;
/** Process metrics (CPU, memory, event loop lag), once per process. */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  client.collectDefaultMetrics({ prefix: 'palisade_process_' });
}

export const humanDecisions = once('palisade_human_decisions_total', () => new client.Counter({
  name: 'palisade_human_decisions_total',
  help: 'Human decisions submitted through the operator-action code path, by decision, channel and result.',
  labelNames: ['decision', 'channel', 'result'] as const,
}));

export const holdActions = once('palisade_hold_actions_total', () => new client.Counter({
  name: 'palisade_hold_actions_total',
  help: 'Hold actions (extend / release / make_permanent) submitted by operators, by action, channel and result.',
  labelNames: ['action', 'channel', 'result'] as const,
}));

export const threatOutcomes = once('palisade_threat_outcomes_total', () => new client.Counter({
  name: 'palisade_threat_outcomes_total',
  help: 'Threat workflow cycles ended, by outcome.',
  labelNames: ['outcome'] as const,
}));

export const policyDecisions = once('palisade_policy_decisions_total', () => new client.Counter({
  name: 'palisade_policy_decisions_total',
  help: 'Policy decisions, by kind (record / skip_never_block / review / auto).',
  labelNames: ['kind'] as const,
}));

export const enforcementDuration = once('palisade_enforcement_duration_seconds', () => new client.Histogram({
  name: 'palisade_enforcement_duration_seconds',
  help: 'Duration of enforcer calls (apply / verify / remove / rollback), by enforcer, step and result.',
  labelNames: ['enforcer', 'step', 'result'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
}));

export const enforcementFailures = once('palisade_enforcement_failures_total', () => new client.Counter({
  name: 'palisade_enforcement_failures_total',
  help: 'Failed enforcer calls, by enforcer and step.',
  labelNames: ['enforcer', 'step'] as const,
}));

export const blockVerificationLevels = once('palisade_block_verification_levels_total', () => new client.Counter({
  name: 'palisade_block_verification_levels_total',
  help: 'Blocks by verification level reached (present, loaded, effective); a block that reached loaded also counts under present.',
  labelNames: ['level'] as const,
}));

export const blockEffectChecks = once('palisade_block_effect_checks_total', () => new client.Counter({
  name: 'palisade_block_effect_checks_total',
  help: 'Effect checks of applied blocks, by outcome (effective, ineffective, no_traffic).',
  labelNames: ['outcome'] as const,
}));

export const governorUsed = once('palisade_governor_used', () => new client.Gauge({
  name: 'palisade_governor_used',
  help: 'Unattended actions counted in the rate governor window at its last verdict.',
}));
export const governorCap = once('palisade_governor_cap', () => new client.Gauge({
  name: 'palisade_governor_cap',
  help: 'Rate governor cap (unattended actions per window).',
}));
export const governorDenied = once('palisade_governor_denied_total', () => new client.Counter({
  name: 'palisade_governor_denied_total',
  help: 'Unattended actions refused by the rate governor.',
}));

export const lastSuccessfulScan = once('palisade_last_successful_scan_timestamp_seconds', () => new client.Gauge({
  name: 'palisade_last_successful_scan_timestamp_seconds',
  help: 'Unix time of the last successful scan, per source (the liveness signal of each source).',
  labelNames: ['source'] as const,
}));

export const signedLinkUses = once('palisade_signed_link_uses_total', () => new client.Counter({
  name: 'palisade_signed_link_uses_total',
  help: 'Signed approval link submissions, by result (accepted / malformed / bad_signature / expired / reused / failed).',
  labelNames: ['result'] as const,
}));

export const httpRequests = once('palisade_http_requests_total', () => new client.Counter({
  name: 'palisade_http_requests_total',
  help: 'HTTP requests served by the API, by method, route and status code.',
  labelNames: ['method', 'route', 'status'] as const,
}));

export const authFailures = once('palisade_api_auth_failures_total', () => new client.Counter({
  name: 'palisade_api_auth_failures_total',
  help: 'Requests refused for a missing or wrong token, by token kind.',
  labelNames: ['kind'] as const,
}));

/** Setters for activities and workers (kept as functions so callers do not depend on label names). */
export const recordThreatOutcome = (outcome: ThreatOutcome) => threatOutcomes.inc({ outcome });
export const recordPolicyDecision = (kind: string) => policyDecisions.inc({ kind });
export function observeEnforcement(enforcer: string, step: string, seconds: number, ok: boolean): void {
  enforcementDuration.observe({ enforcer, step, result: ok ? 'ok' : 'failed' }, seconds);
  if (!ok) enforcementFailures.inc({ enforcer, step });
}
export function setGovernorState(v: Pick<GovernorVerdict, 'granted' | 'used' | 'cap'>): void {
  governorUsed.set(v.used);
  governorCap.set(v.cap);
  if (!v.granted) governorDenied.inc();
}
export const markScanSucceeded = (source: string, at: Date = new Date()) => lastSuccessfulScan.set({ source }, at.getTime() / 1000);

const threatQuery = (status?: string) =>
  `WorkflowType = '${THREAT_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'${status ? ` AND PalisadeStatus = '${status}'` : ''}`;

/**
 * Gauges answered from Temporal visibility at scrape time: the workflows are the system of record, so there is no
 * counter to drift. A failed count leaves the gauge unset for that scrape (and is counted) rather than failing /metrics.
 */
export function registerVisibilityGauges(temporal: Client): void {
  const scrapeErrors = once('palisade_visibility_scrape_errors_total', () => new client.Counter({
    name: 'palisade_visibility_scrape_errors_total',
    help: 'Visibility queries that failed while answering a /metrics scrape.',
  }));
  const countInto = async (gauge: client.Gauge, status?: string) => {
    try {
      const r = await temporal.withDeadline(Date.now() + 3000, () => temporal.workflow.count(threatQuery(status)));
      gauge.set(r.count);
    } catch {
      gauge.reset();
      scrapeErrors.inc();
    }
  };
  for (const [name, help, status] of [
    ['palisade_pending_reviews', 'Threat workflows waiting for a human decision (from Temporal visibility).', 'pending_review'],
    ['palisade_active_blocks', 'Threat workflows holding a block (from Temporal visibility).', 'blocked'],
    ['palisade_open_threats', 'Running threat workflows (from Temporal visibility).', undefined],
  ] as const) {
    registry.removeSingleMetric(name);
    new client.Gauge({ name, help, async collect() { await countInto(this, status); } });
  }
}

// ----- The proactive loop (issue 16) -----

/**
 * Gauges answered at scrape time from the `palisade-proactive` workflow's status query (one read per scrape): its
 * state is the record of cycles, hotspots, the day's budget and the acks, so nothing here can drift from it. A failed
 * read leaves the gauges unset for that scrape and is counted. `readStatus` is runtime/proactive's getProactiveStatus
 * (passed in: this module must not import the client code path that imports it).
 */
export function registerProactiveGauges(readStatus: () => Promise<ProactiveStatus>): void {
  const readErrors = once('palisade_proactive_status_read_errors_total', () => new client.Counter({
    name: 'palisade_proactive_status_read_errors_total',
    help: 'Proactive status reads that failed while answering a /metrics scrape.',
  }));
  let cached: { at: number; status: Promise<ProactiveStatus | undefined> } | undefined;
  const status = () => {
    if (!cached || Date.now() - cached.at > 1000) {
      cached = { at: Date.now(), status: readStatus().catch(() => (readErrors.inc(), undefined)) };
    }
    return cached.status;
  };
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: client.Gauge, s: ProactiveStatus) => void) => {
    registry.removeSingleMetric(name);
    new client.Gauge({
      name, help, labelNames,
      async collect() {
        const s = await status();
        this.reset();
        if (s) fill(this, s);
      },
    });
  };
  gauge('palisade_proactive_cycles', 'Proactive cycles recorded by the loop\'s durable state since it started.', [], (g, s) => g.set(s.cycles));
  gauge('palisade_proactive_paused', '1 while an operator has paused the proactive loop.', [], (g, s) => g.set(s.paused ? 1 : 0));
  gauge('palisade_proactive_hotspots', 'Hotspots found by the latest proactive cycle, by severity.', ['severity'], (g, s) => {
    for (const severity of HOTSPOT_SEVERITIES) g.set({ severity }, (s.lastCycle?.decisions ?? []).filter((d) => d.severity === severity).length);
  });
  gauge('palisade_proactive_hotspot_verdicts', 'Verdicts of the latest proactive cycle (investigated, reported, muted, over budget, ...).', ['verdict'], (g, s) => {
    for (const verdict of HOTSPOT_VERDICTS) g.set({ verdict }, (s.lastCycle?.decisions ?? []).filter((d) => d.verdict === verdict).length);
  });
  gauge('palisade_proactive_investigations_today', 'Proactive investigations opened this UTC day (the day budget\'s count).', [], (g, s) => g.set(s.ledger.investigations));
  gauge('palisade_proactive_spent_usd_today', 'LLM cost charged to the proactive loop this UTC day, from recorded token usage.', [], (g, s) => g.set(s.ledger.costUsd));
  gauge('palisade_proactive_budget_left', 'What is left of the proactive day budget: investigations and usd.', ['budget'], (g, s) => {
    if (!s.left) return;
    g.set({ budget: 'investigations' }, s.left.investigationsToday);
    g.set({ budget: 'usd' }, s.left.usdToday);
  });
  gauge('palisade_proactive_suppressions', 'Acked (muted) proactive hotspots.', [], (g, s) => g.set(s.suppressions.length));
}

export const metricsContentType = () => registry.contentType;
export const renderMetrics = () => registry.metrics();

/**
 * Installs the Temporal core runtime with its Prometheus exporter (worker task slots, poll latencies, sticky cache,
 * activity/workflow task latencies). It has its own HTTP listener because core metrics are produced in Rust and cannot
 * be merged into prom-client's registry. Must run before the first Temporal connection of the process.
 */
export function installTemporalRuntime(opts: { metricsBindAddress?: string; logLevel?: LogLevel }): void {
  Runtime.install({
    logger: new DefaultLogger(opts.logLevel ?? 'WARN'),
    ...(opts.metricsBindAddress
      ? { telemetryOptions: { metrics: { prometheus: { bindAddress: opts.metricsBindAddress, countersTotalSuffix: true } } } }
      : {}),
  });
}
