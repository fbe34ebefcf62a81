// Metrics as an SRE scrapes them, from the processes of a split deployment (`palisade start --role api|worker|
// enforce-worker`, as temporal-compose.yml runs them) against a Temporal dev server: access-log scans open reviews,
// the API approves them, the blocks are enforced (dry-run), one is released; every process's /metrics and the
// Temporal SDK's own exporter then show non-zero series for each of those code paths.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { scanLines, scannerIps } from '../helpers/access-log';
import { freePort, startRole, writeConfig, type RoleProcess } from '../helpers/cluster';
import { parseProm, sumOf, namesIn, type Sample } from '../helpers/prom-text';
import { createDevServerEnv } from '../helpers/temporal-env';
import { unknownLabels } from '../helpers/promql-labels';

const TOKEN = 'metrics-test-control-token-0123456789abcdef';
const DASHBOARD = path.resolve(__dirname, '../../docs/monitoring/grafana-dashboard.json');

describe('[dev-server] /metrics of the api, worker and enforce-worker processes', () => {
  let env: TestWorkflowEnvironment;
  let dir: string;
  const procs: RoleProcess[] = [];
  let apiUrl: string;
  let accessLog: string;
  const ports: Record<string, number> = {};

  const api = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${p}`, {
      method, headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json().catch(() => ({}))) as any };
  };
  const waitFor = async (ip: string, what: string, pred: (s: any) => boolean, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    let s: any;
    while (Date.now() < deadline) {
      s = (await api('GET', `/api/threats/${ip}`)).json.state;
      if (s && pred(s)) return s;
      await new Promise((r) => setTimeout(r, 500));
    }
    assert.fail(`${ip}: ${what} not reached in ${timeoutMs / 1000} s (status ${s?.status}, outcome ${s?.outcome})`);
  };
  const scrape = async (url: string): Promise<Sample[]> => {
    const res = await fetch(url);
    assert.equal(res.status, 200, url);
    return parseProm(await res.text());
  };

  before(async () => {
    env = await createDevServerEnv();
    dir = await mkdtemp(path.join(os.tmpdir(), 'palisade-metrics-'));
    for (const k of ['api', 'workerMetrics', 'enforceMetrics', 'apiSdk', 'workerSdk', 'enforceSdk']) ports[k] = await freePort();
    apiUrl = `http://127.0.0.1:${ports.api}`;
    accessLog = path.join(dir, 'access.log');
    await writeFile(accessLog, '');
    const logDir = path.join(dir, 'logs');
    await mkdir(logDir);
    const configFile = await writeConfig(path.join(dir, 'palisade.yaml'), {
      dataDir: path.join(dir, 'data'),
      logLevel: 'warn',
      temporal: { address: env.address, namespace: env.namespace ?? 'default' },
      policy: { mode: 'review', dryRun: true, verifySettleSeconds: 0 },
      detection: { accessLog: { file: accessLog }, scanEveryMinutes: 0.1 },
      api: { host: '127.0.0.1', port: ports.api, publicUrl: apiUrl },
    });
    // Per-process settings through the environment, as compose would set them per container.
    const roleEnv = (metricsPort: number | undefined, sdk: number) => ({
      PALISADE_CONTROL_TOKEN: TOKEN,
      PALISADE__temporal__metricsAddress: `127.0.0.1:${sdk}`,
      ...(metricsPort ? { PALISADE__workers__metricsPort: String(metricsPort) } : {}),
    });
    procs.push(...await Promise.all([
      startRole('worker', 'worker', { configFile, logDir, env: roleEnv(ports.workerMetrics, ports.workerSdk) }),
      startRole('enforce-worker', 'enforce', { configFile, logDir, env: roleEnv(ports.enforceMetrics, ports.enforceSdk) }),
      // The old key still drives the SDK exporter.
      startRole('api', 'api', { configFile, logDir, env: { PALISADE_CONTROL_TOKEN: TOKEN, PALISADE__api__temporalMetricsAddress: `127.0.0.1:${ports.apiSdk}` } }),
    ]));
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGTERM').catch(() => undefined)));
    await env?.teardown();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('a scan, a review approved through the API, a dry-run block and a release show in every process', async () => {
    const [approved, released, pending] = scannerIps(3, 700);
    await appendFile(accessLog, [approved, released, pending].map((ip) => scanLines(ip, 'review')).join(''));
    for (const ip of [approved, released, pending]) await waitFor(ip, 'pending review', (s) => s.status === 'pending_review');
    for (const ip of [approved, released]) {
      const r = await api('POST', `/api/threats/${ip}/decision`, { decision: 'approve', approver: 'sre', comment: 'scanner' });
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    for (const ip of [approved, released]) await waitFor(ip, 'blocked', (s) => s.status === 'blocked');
    const rel = await api('POST', `/api/threats/${released}/hold`, { action: 'release', approver: 'sre', reason: 'test' });
    assert.equal(rel.status, 200, JSON.stringify(rel.json));
    await waitFor(released, 'released', (s) => s.outcome === 'released');

    // The API process: decisions as submitted, and gauges from visibility.
    const a = await scrape(`${apiUrl}/metrics`);
    assert.ok(sumOf(a, 'palisade_human_decisions_total', { decision: 'approve', channel: 'api', result: 'accepted' }) >= 2, 'submitted decisions');
    assert.ok(sumOf(a, 'palisade_hold_actions_total', { action: 'release', result: 'accepted' }) >= 1, 'hold actions');
    assert.equal(sumOf(a, 'palisade_pending_reviews'), 1);
    assert.equal(sumOf(a, 'palisade_active_blocks'), 1);
    assert.ok(sumOf(a, 'palisade_oldest_pending_review_age_seconds') > 0, 'oldest pending review age');
    assert.equal(sumOf(a, 'palisade_review_timeout_seconds'), 4 * 3600);

    // The main worker: the scan, the policy, the recorded decision (by channel) and the case outcome.
    const w = await scrape(`http://127.0.0.1:${ports.workerMetrics}/metrics`);
    assert.ok(sumOf(w, 'palisade_scans_total', { source: 'traefik-file', outcome: 'ok' }) >= 1, 'successful scans');
    const last = sumOf(w, 'palisade_last_successful_scan_timestamp_seconds', { source: 'traefik-file' });
    assert.ok(Date.now() / 1000 - last < 120, `last successful scan is recent (${last})`);
    assert.equal(sumOf(w, 'palisade_scan_interval_seconds', { source: 'traefik-file' }), 6);
    assert.ok(sumOf(w, 'palisade_policy_decisions_total', { kind: 'review' }) >= 3, 'policy decisions');
    assert.equal(sumOf(w, 'palisade_human_decisions_recorded_total', { decision: 'approve', channel: 'api' }), 2, 'recorded decisions by channel');
    assert.equal(sumOf(w, 'palisade_threat_outcomes_total', { outcome: 'released' }), 1, 'outcomes');
    assert.ok(sumOf(w, 'palisade_governor_verdicts_total', { kind: 'human', result: 'granted' }) >= 2, 'governor verdicts');
    assert.ok(sumOf(w, 'palisade_governor_cap') > 0, 'governor cap');

    // The enforcement worker: every enforcer call timed, blocks by verification level.
    const e = await scrape(`http://127.0.0.1:${ports.enforceMetrics}/metrics`);
    assert.ok(sumOf(e, 'palisade_enforcement_duration_seconds_count', { enforcer: 'simulated', step: 'apply', result: 'ok' }) >= 2, 'applies');
    assert.ok(sumOf(e, 'palisade_enforcement_duration_seconds_count', { enforcer: 'simulated', step: 'remove', result: 'ok' }) >= 1, 'removals');
    assert.ok(sumOf(e, 'palisade_block_verification_levels_total', { level: 'present' }) >= 2, 'verified blocks');
    assert.equal(sumOf(e, 'palisade_enforcement_failures_total'), 0);
    // Each process shows only its own code paths.
    assert.equal(sumOf(w, 'palisade_enforcement_duration_seconds_count'), 0);
    assert.equal(sumOf(a, 'palisade_threat_outcomes_total'), 0);

    // The Temporal SDK's own exporters (temporal.metricsAddress, and the old api.temporalMetricsAddress).
    const sdkWorker = await scrape(`http://127.0.0.1:${ports.workerSdk}/metrics`);
    const sdkEnforce = await scrape(`http://127.0.0.1:${ports.enforceSdk}/metrics`);
    await scrape(`http://127.0.0.1:${ports.apiSdk}/metrics`);
    assert.ok(sumOf(sdkWorker, 'temporal_workflow_task_execution_latency_count', { task_queue: 'palisade' }) > 0, 'workflow tasks executed');
    assert.ok(sumOf(sdkWorker, 'temporal_worker_task_slots_available', { task_queue: 'palisade' }) > 0, 'task slots');
    assert.ok(sumOf(sdkEnforce, 'temporal_activity_execution_latency_count', { task_queue: 'palisade-enforce' }) > 0, 'enforcement activities executed');

    // Every Temporal SDK series the dashboard charts is one the SDK really exports.
    const dashboard = await readFile(DASHBOARD, 'utf8');
    const sdkNames = new Set([...namesIn(sdkWorker), ...namesIn(sdkEnforce)]);
    for (const name of new Set(dashboard.match(/\btemporal_[a-z_]+/g) ?? [])) assert.ok(sdkNames.has(name), `the dashboard's ${name} is exported by the SDK`);
    // ... and every label its queries group by or show is one the SDK puts on that series.
    const sdkLabels = new Map<string, Set<string>>();
    for (const x of [...sdkWorker, ...sdkEnforce]) for (const k of Object.keys(x.labels)) (sdkLabels.get(x.name) ?? sdkLabels.set(x.name, new Set()).get(x.name)!).add(k);
    const labelsOf = (name: string) => (sdkLabels.has(name) ? [...sdkLabels.get(name)!] : undefined);
    const panels = (JSON.parse(dashboard) as { panels: { title: string; targets?: { expr: string; legendFormat?: string }[] }[] }).panels;
    const problems = panels.flatMap((p) => (p.targets ?? []).filter((t) => /\btemporal_/.test(t.expr))
      .flatMap((t) => unknownLabels(t.expr, labelsOf, [t.legendFormat ?? ''], /^temporal_/).map((x) => `panel "${p.title}": ${x}`)));
    assert.deepEqual(problems, []);
  });
});
