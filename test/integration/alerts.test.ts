import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { Client, Connection, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv, uniqueQueue, workflowBundle } from '../helpers/temporal-env';
import { configSchema, type PalisadeConfig } from '../../domain/config';
import { createAlertActivities } from '../../activities/alerts';
import { createNotifyActivities } from '../../activities/notify';
import { createAlertmanagerRouter } from '../../api/webhooks/alertmanager';
import { createIcingaRouter } from '../../api/webhooks/icinga';
import { alertStateQuery, decideAlertSignal, decideAlertUpdate } from '../../workflows/alert-messages';
import type { AlertInvestigationResult, AlertInvestigationState } from '../../domain/alerts';
import { icingaFingerprint } from '../../domain/alert-payloads';
import type { LlmClient } from '../../activities/llm/types';
import { recordHistory } from '../helpers/histories';
import { palisadeSinks } from '../../workers/sinks';

const TOKEN = 'test-ingest-token';

/** A Prometheus /api/v1/query endpoint speaking the documented JSON envelope; records the queries it was asked. */
async function startPrometheus(): Promise<{ url: string; queries: string[]; close: () => Promise<void> }> {
  const queries: string[] = [];
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json');
    if (u.pathname !== '/api/v1/query' || req.method !== 'GET') {
      res.statusCode = 404;
      return res.end(JSON.stringify({ status: 'error', errorType: 'not_found', error: 'not found' }));
    }
    const q = u.searchParams.get('query') ?? '';
    queries.push(q);
    if (q.includes('syntax error')) {
      res.statusCode = 400;
      return res.end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error at char 7' }));
    }
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: { instance: 'db01:9100', job: 'node' }, value: [1795400000, '0.97'] }] } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, queries, close: () => new Promise((r) => server.close(() => r())) };
}

/** Stands in for the model (an external service): scripted answers; a thrown entry simulates a provider failure. */
function scriptedModel(answers: (string | Error)[]): LlmClient {
  return {
    provider: 'scripted', model: 'scripted-1',
    async complete() {
      const a = answers.shift() ?? new Error('no scripted answer left');
      if (a instanceof Error) throw a;
      return { text: a, promptTokens: 100, completionTokens: 40, provider: 'scripted', model: 'scripted-1', stopReason: 'stop', latencyMs: 3 };
    },
  };
}

function amPayload(status: 'firing' | 'resolved', fingerprint: string, labels: Record<string, string> = {}) {
  return {
    version: '4', groupKey: '{}/{severity="critical"}:{alertname="DiskFull"}', truncatedAlerts: 0, status, receiver: 'palisade',
    groupLabels: { alertname: 'DiskFull' }, commonLabels: { alertname: 'DiskFull', severity: 'critical' },
    commonAnnotations: { summary: 'Disk almost full on db01' }, externalURL: 'http://alertmanager:9093',
    alerts: [{
      status, labels: { alertname: 'DiskFull', severity: 'critical', instance: 'db01:9100', job: 'node', ...labels },
      annotations: { description: 'Filesystem / is 97% full' }, startsAt: '2026-11-22T15:00:00.000Z',
      endsAt: status === 'resolved' ? '2026-11-22T16:00:00.000Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus:9090/graph?g0.expr=node_filesystem_avail_bytes+%2F+node_filesystem_size_bytes+%3C+0.05&g0.tab=1',
      fingerprint,
    }],
  };
}

async function waitFor<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string): Promise<T> {
  for (let i = 0; i < 300; i++) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

void describe('[dev-server] alert investigations end to end over HTTP', () => {
  let env: TestWorkflowEnvironment;
  let prom: Awaited<ReturnType<typeof startPrometheus>>;
  let server: http.Server;
  let base: string;
  let config: PalisadeConfig;
  let taskQueue: string;
  const llmAnswers: (string | Error)[] = [];
  const threatQueue = uniqueQueue('threats');

  before(async () => {
    env = await createDevServerEnv();
    prom = await startPrometheus();
    taskQueue = uniqueQueue('alerts');
    config = configSchema.parse({
      temporal: { taskQueue }, api: { maxBodyBytes: 64 * 1024 },
      detection: {
        prometheusUrl: prom.url,
        alerts: {
          ipLabels: ['src_ip', 'ids_src_ip'], trustedIpLabels: ['ids_src_ip'],
          diagnosticQueries: { DiskFull: ['node_filesystem_avail_bytes{mountpoint="/"} / node_filesystem_size_bytes{mountpoint="/"}'] },
        },
      },
    });
    const app = express();
    const authorize = (req: express.Request) => req.get('authorization') === `Bearer ${TOKEN}`;
    app.use('/webhook/alertmanager', createAlertmanagerRouter({ client: env.client, config, authorize }));
    app.use('/webhook/icinga', createIcingaRouter({ client: env.client, config, authorize }));
    server = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((r) => server?.close(() => r()));
    await prom?.close();
    await env?.teardown();
  });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  /** The sighting a threat workflow was started with (the signal of signalWithStart), from its history. */
  const firstSighting = async (workflowId: string): Promise<any> => {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const signal = history.events?.find((e) => e.workflowExecutionSignaledEventAttributes)?.workflowExecutionSignaledEventAttributes;
    return JSON.parse(Buffer.from(signal!.input!.payloads![0].data!).toString('utf8'));
  };

  const worker = async () => Worker.create({
    connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(require.resolve('../../workflows/alert-investigation')), sinks: palisadeSinks,
    // Threat workflows go to a queue no worker serves here (this test runs only the alert workflow).
    activities: {
      ...createAlertActivities({ client: env.client, config: { ...config, temporal: { ...config.temporal, taskQueue: threatQueue } }, llm: scriptedModel(llmAnswers) }),
      ...createNotifyActivities({ notifiers: [] }),
    },
  });

  void test('Alertmanager firing → investigation → operator decision (update) → resolved', async () => {
    const fp = 'a1b2c3d4e5f60718';
    llmAnswers.push(JSON.stringify({ summary: 'The root filesystem on db01 is nearly full', likely_causes: ['WAL archive growth'], suggested_checks: ['du -sh /var/lib/postgresql'], confidence: 0.8 }));
    const w = await worker();
    const result = await w.runUntil(async () => {
      const r1 = await post('/webhook/alertmanager', amPayload('firing', fp));
      assert.equal(r1.status, 200);
      const body1 = await r1.json() as any;
      assert.deepEqual(body1.deliveries, [{ fingerprint: fp, workflowId: `alert/${fp}`, status: 'firing', action: 'started_or_signalled' }]);
      const handle = env.client.workflow.getHandle(`alert/${fp}`);
      const s1 = await waitFor(() => handle.query(alertStateQuery), (s: AlertInvestigationState) => s.status === 'awaiting_decision', 'awaiting_decision');
      assert.equal(s1.alert?.name, 'DiskFull');
      assert.equal(s1.alert?.expr, 'node_filesystem_avail_bytes / node_filesystem_size_bytes < 0.05');
      assert.equal(s1.diagnostics?.prometheus, 'done');
      // The caller's generatorURL expression is shown, never run: only the configured query and fixed templates.
      assert.deepEqual(prom.queries, ['node_filesystem_avail_bytes{mountpoint="/"} / node_filesystem_size_bytes{mountpoint="/"}', 'ALERTS{alertname="DiskFull"}', 'up{instance="db01:9100"}', 'up{job="node"}']);
      assert.equal(s1.diagnosis?.status, 'diagnosed');
      assert.equal(s1.diagnosis?.summary, 'The root filesystem on db01 is nearly full');

      // Alertmanager re-notifies: the repeat correlates into the same workflow.
      const r2 = await post('/webhook/alertmanager', amPayload('firing', fp));
      assert.equal(r2.status, 200);
      await waitFor(() => handle.query(alertStateQuery), (s) => s.notifications === 2, 'repeat merged');

      // Invalid decisions are refused by the synchronous validator, nothing recorded.
      await assert.rejects(handle.executeUpdate(decideAlertUpdate, { args: [{ decision: 'reboot' as any, operator: 'alice', channel: 'test' }] }), WorkflowUpdateFailedError);
      const decided = await handle.executeUpdate(decideAlertUpdate, { args: [{ decision: 'approve', operator: 'alice', channel: 'test', comment: 'clean WAL' }] });
      assert.equal(decided.execution, 'execution_disabled');
      await assert.rejects(handle.executeUpdate(decideAlertUpdate, { args: [{ decision: 'reject', operator: 'bob', channel: 'test' }] }),
        (err: Error) => err instanceof WorkflowUpdateFailedError && /already approved by alice via test at /.test(String((err.cause as Error)?.message)));

      const r3 = await post('/webhook/alertmanager', amPayload('resolved', fp));
      assert.equal(r3.status, 200);
      assert.equal(((await r3.json()) as any).deliveries[0].action, 'signalled');
      const done = await handle.result() as AlertInvestigationResult;
      await recordHistory(env.client, `alert/${fp}`, 'firing-decided-resolved');
      return done;
    });
    assert.equal(result.outcome, 'resolved');
    assert.equal(result.notifications, 3);
    assert.equal(result.diagnosis, 'diagnosed');
    assert.equal(result.decision?.operator, 'alice');
    assert.equal(result.decision?.decision, 'approve');
    // A late resolution for a finished investigation starts nothing.
    const late = await post('/webhook/alertmanager', amPayload('resolved', fp));
    assert.equal(((await late.json()) as any).deliveries[0].action, 'no_open_investigation');
  });

  void test('an LLM failure is a recorded "no diagnosis"; the decision can come through the signal twin; an attacker IP opens threat/<ip>', async () => {
    const fp = '00ff00ff00ff00ff';
    llmAnswers.push(new Error('503 upstream overloaded'));
    const w = await worker();
    await w.runUntil(async () => {
      const r = await post('/webhook/alertmanager', amPayload('firing', fp, { alertname: 'SecretsScan', src_ip: '45.155.205.233' }));
      assert.equal(r.status, 200);
      const handle = env.client.workflow.getHandle(`alert/${fp}`);
      const s = await waitFor(() => handle.query(alertStateQuery), (x: AlertInvestigationState) => x.status === 'awaiting_decision', 'awaiting_decision');
      assert.equal(s.diagnosis?.status, 'no_diagnosis');
      assert.match(s.diagnosis?.reason ?? '', /LLM call failed: 503 upstream overloaded/);
      assert.deepEqual(s.threat, { ip: '45.155.205.233', workflowId: 'threat/45.155.205.233' });
      const threat = await env.client.workflow.getHandle('threat/45.155.205.233').describe();
      assert.equal(threat.type, 'threatWorkflow');
      assert.equal(threat.taskQueue, threatQueue);
      // src_ip is not a trusted label: whoever posts the webhook names the IP, so it enters like a manual sighting.
      const untrusted = await firstSighting('threat/45.155.205.233');
      assert.equal(untrusted.score, 0);
      assert.equal(untrusted.evidence.extra.alertIpLabelTrusted, false);
      await env.client.workflow.getHandle('threat/45.155.205.233').terminate('test cleanup: no threat worker in this test');
      // ids_src_ip is configured as trusted (set by the operator's own IDS rule): the configured score.
      await post('/webhook/alertmanager', amPayload('firing', '00ff00ff00ff0aaa', { alertname: 'IdsAlert', ids_src_ip: '45.155.205.234' }));
      await waitFor(() => env.client.workflow.getHandle('threat/45.155.205.234').describe().then(() => true, () => false), (x) => x, 'threat from the trusted label');
      const trusted = await firstSighting('threat/45.155.205.234');
      assert.equal(trusted.score, 70);
      assert.equal(trusted.evidence.extra.alertIpLabel, 'ids_src_ip');
      await env.client.workflow.getHandle('threat/45.155.205.234').terminate('test cleanup');
      await env.client.workflow.getHandle('alert/00ff00ff00ff0aaa').terminate('test cleanup');
      await handle.signal(decideAlertSignal, { decision: 'acknowledge', operator: 'carol', channel: 'temporal-ui' });
      await waitFor(() => handle.query(alertStateQuery), (x) => x.decision?.operator === 'carol', 'signal decision');
      await post('/webhook/alertmanager', amPayload('resolved', fp, { alertname: 'SecretsScan', src_ip: '45.155.205.233' }));
      const res = await handle.result();
      assert.equal(res.outcome, 'resolved');
      assert.equal(res.diagnosis, 'no_diagnosis');
    });
  });

  void test('Icinga: text/plain with raw newlines in plugin output, PROBLEM then RECOVERY', async () => {
    llmAnswers.push(JSON.stringify({ summary: 'HTTP check failing', likely_causes: [], suggested_checks: [], confidence: 0.4 }));
    const w = await worker();
    await w.runUntil(async () => {
      const raw = '{"notification_type":"PROBLEM","host":"web01","service":"http","state":"CRITICAL","output":"HTTP CRITICAL\nconnection refused","datetime":"2026-11-22 16:04:05 +0100","author":"","comment":""}';
      const r = await post('/webhook/icinga', raw, { 'content-type': 'text/plain' });
      assert.equal(r.status, 200, await r.clone().text());
      const fp = icingaFingerprint('web01', 'http');
      const handle = env.client.workflow.getHandle(`alert/${fp}`);
      const s = await waitFor(() => handle.query(alertStateQuery), (x: AlertInvestigationState) => x.status === 'awaiting_decision', 'icinga awaiting');
      assert.equal(s.alert?.startsAt, '2026-11-22T15:04:05.000Z');
      assert.match(s.alert?.summary ?? '', /connection refused/);
      const rec = await post('/webhook/icinga', { notification_type: 'RECOVERY', host: 'web01', service: 'http', state: 'OK', output: 'HTTP OK' });
      assert.equal(rec.status, 200);
      assert.equal((await handle.result()).outcome, 'resolved');
    });
  });

  void test('scripts/icinga-notify.sh builds valid JSON from awkward plugin output and delivers it', async () => {
    llmAnswers.push(JSON.stringify({ summary: 'disk check', likely_causes: [], suggested_checks: [], confidence: 0.3 }));
    const run = (args: string[]) => promisify(execFile)('bash', [require.resolve('../../scripts/icinga-notify.sh'), ...args, '-U', `${base}/webhook/icinga`],
      { env: { ...process.env, PALISADE_INGEST_TOKEN: TOKEN } });
    const w = await worker();
    await w.runUntil(async () => {
      const output = 'DISK CRITICAL - free space: / 3% "quoted" \\ back\nslash\nsecond line';
      await run(['-t', 'PROBLEM', '-l', 'db02', '-e', 'disk', '-s', 'CRITICAL', '-o', output, '-d', '2026-11-22 16:04:05 +0100', '-b', '', '-V', 'src_ip=45.155.205.250']);
      const handle = env.client.workflow.getHandle(`alert/${icingaFingerprint('db02', 'disk')}`);
      const s = await waitFor(() => handle.query(alertStateQuery), (x: AlertInvestigationState) => x.status === 'awaiting_decision', 'script alert');
      assert.equal(s.alert?.annotations.output, output);
      assert.equal(s.alert?.attackerIp, '45.155.205.250');
      if (s.threat?.workflowId) await env.client.workflow.getHandle(s.threat.workflowId).terminate('test cleanup');
      await run(['-t', 'RECOVERY', '-l', 'db02', '-e', 'disk', '-s', 'OK', '-o', 'DISK OK']);
      assert.equal((await handle.result()).outcome, 'resolved');
    });
    // A refused payload is exit status 4; no token is a usage error (2).
    await assert.rejects(promisify(execFile)('bash', [require.resolve('../../scripts/icinga-notify.sh'), '-t', 'PROBLEM', '-l', 'x', '-U', `${base}/webhook/icinga`], { env: { ...process.env, PALISADE_INGEST_TOKEN: 'wrong' } }), (e: any) => e.code === 4);
    await assert.rejects(promisify(execFile)('bash', [require.resolve('../../scripts/icinga-notify.sh'), '-t', 'PROBLEM', '-l', 'x', '-U', `${base}/webhook/icinga`], { env: { PATH: process.env.PATH } }), (e: any) => e.code === 2);
  });

  void describe('bad input gets a clear 4xx and starts nothing', () => {
    const cases: [string, string, () => Promise<Response>, number, RegExp][] = [
      ['no token', 'ffff000000000001', () => post('/webhook/alertmanager', amPayload('firing', 'ffff000000000001'), { authorization: '' }), 401, /authentication required/],
      ['wrong content type', 'ffff000000000002', () => post('/webhook/alertmanager', JSON.stringify(amPayload('firing', 'ffff000000000002')), { 'content-type': 'text/plain' }), 415, /Content-Type/],
      ['malformed JSON', 'ffff000000000003', () => post('/webhook/alertmanager', '{"version":"4","alerts":[{"fingerprint":"ffff000000000003"'), 400, /not valid JSON/],
      ['unknown field', 'ffff000000000004', () => post('/webhook/alertmanager', { ...amPayload('firing', 'ffff000000000004'), extra: 1 }), 400, /Unrecognized key.*extra/],
      ['unknown alert field', 'ffff000000000005', () => post('/webhook/alertmanager', (() => { const p: any = amPayload('firing', 'ffff000000000005'); p.alerts[0].silenced = true; return p; })()), 400, /alerts\.0/],
      ['wrong version', 'ffff000000000006', () => post('/webhook/alertmanager', { ...amPayload('firing', 'ffff000000000006'), version: '3' }), 400, /version "4"/],
      ['oversized', 'ffff000000000007', () => post('/webhook/alertmanager', { ...amPayload('firing', 'ffff000000000007'), commonAnnotations: { summary: 'x'.repeat(70 * 1024) } }), 413, /too large/],
      ['icinga unknown key', 'icinga-x', () => post('/webhook/icinga', { notification_type: 'PROBLEM', host: 'h1', surprise: 'x' }), 400, /surprise/],
      ['icinga missing host', 'icinga-y', () => post('/webhook/icinga', { notification_type: 'PROBLEM' }), 400, /host/],
      ['icinga unknown state', icingaFingerprint('h3', 'svc'), () => post('/webhook/icinga', { notification_type: 'PROBLEM', host: 'h3', service: 'svc', state: 'EXPLODED' }), 400, /unknown state "EXPLODED"/],
      ['icinga unknown notification type', icingaFingerprint('h4'), () => post('/webhook/icinga', { notification_type: 'MAYBE', host: 'h4', state: 'DOWN' }), 400, /unknown notification type "MAYBE"/],
      ['icinga not JSON', 'icinga-z', () => post('/webhook/icinga', 'HOST DOWN web01', { 'content-type': 'text/plain' }), 400, /not valid JSON/],
      ['icinga form body', 'icinga-w', () => post('/webhook/icinga', 'a=b', { 'content-type': 'application/x-www-form-urlencoded' }), 415, /Content-Type/],
    ];
    for (const [name, fp, send, status, message] of cases) {
      void test(name, async () => {
        const r = await send();
        assert.equal(r.status, status);
        const body = await r.json() as { error: string };
        assert.match(body.error, message);
        await assert.rejects(env.client.workflow.getHandle(`alert/${fp}`).describe(), WorkflowNotFoundError);
      });
    }
  });

  void test('Temporal unavailable → 503 with Retry-After, so Alertmanager retries', async () => {
    const connection = await Connection.connect({ address: env.address });
    const client = new Client({ connection });
    await connection.close();
    const app = express();
    app.use('/am', createAlertmanagerRouter({ client, config, authorize: () => true }));
    const s = app.listen(0, '127.0.0.1');
    await new Promise<void>((r) => s.once('listening', r));
    try {
      const r = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/am`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(amPayload('firing', 'abcabcabcabcabca')) });
      assert.equal(r.status, 503);
      assert.equal(r.headers.get('retry-after'), '30');
      assert.match(((await r.json()) as any).error, /Temporal is unavailable/);
    } finally {
      await new Promise<void>((r) => s.close(() => r()));
    }
  });
});
