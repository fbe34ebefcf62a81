// Issue 16, the proactive loop, end to end [dev-server]: a REAL Prometheus (Debian's package) scrapes a small exporter
// this test controls (filesystems that fill, a target that flaps). Cycles run as Temporal workflows on the dev server;
// the gate runs in the durable state workflow; investigations open through the alert webhooks' path and charge the
// LLM usage a wire-compatible OpenAI fake reports; digests go to a wire-compatible Discord webhook fake.
// The test's rule pack is the SHIPPED pack with every range window shortened to 10 s (scrapes are 1 s apart).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv, uniqueQueue, workflowBundle } from '../helpers/temporal-env';
import { startPrometheusJobs, type RealPrometheus } from '../helpers/prometheus';
import { closeNow, listenOnLoopback } from '../fakes/loopback-server';
import { startFakeOpenAi, type FakeOpenAi } from '../fakes/openai';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord-webhook';
import { recordHistory } from '../helpers/histories';
import { loadConfig, type DeepPartial } from '../../runtime/config';
import type { PalisadeConfig } from '../../domain/config';
import { SHIPPED_RULE_PACK } from '../../runtime/proactive-rules';
import {
  ackHotspot, getProactiveStatus, listSuppressions, pauseProactive, resumeProactive, runProactiveOnce,
} from '../../runtime/proactive';
import { OperatorActionError } from '../../runtime/operator-actions';
import { ensureSchedules } from '../../runtime/schedules';
import { createProactiveActivities } from '../../activities/proactive';
import { createAlertActivities } from '../../activities/alerts';
import { createNotifyActivities } from '../../activities/notify';
import { createDiscordWebhookNotifier } from '../../activities/notify/discord-webhook';
import { createLlmClient } from '../../activities/llm';
import { readSecret } from '../../runtime/secrets';
import { alertStateQuery } from '../../workflows/alert-messages';
import { PROACTIVE_SCHEDULE_ID, PROACTIVE_STATE_WORKFLOW_ID, type CyclePlan, type HotspotDecision, type ProactiveCycleResult } from '../../domain/proactive/types';

const dir = mkdtempSync(path.join(tmpdir(), 'palisade-proactive-'));
const GB = 1024 ** 3;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** node_exporter-shaped filesystems (some filling at 1 GB/s) and a target that fails every other scrape when flapping. */
async function startNodeExporter() {
  const fs = new Map<string, { avail: number; filling: boolean }>([['/', { avail: 150 * GB, filling: false }], ['/var', { avail: 120 * GB, filling: true }]]);
  let flapping = true;
  let flappyScrapes = 0;
  const tick = setInterval(() => {
    for (const f of fs.values()) if (f.filling) f.avail = Math.max(GB, f.avail - GB / 4);
  }, 250);
  const server = http.createServer((req, res) => {
    if (req.url === '/flappy/metrics') {
      if (flapping && flappyScrapes++ % 2 === 1) return void res.writeHead(503).end('overloaded');
      return void res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('flappy_ok 1\n');
    }
    if (req.url !== '/node/metrics') return void res.writeHead(404).end();
    const lines: string[] = [];
    let i = 0;
    for (const [mountpoint, f] of fs) {
      const l = `device="/dev/sd${String.fromCharCode(97 + i++)}1",fstype="ext4",mountpoint="${mountpoint}"`;
      lines.push(`node_filesystem_avail_bytes{${l}} ${f.avail}`, `node_filesystem_size_bytes{${l}} ${200 * GB}`, `node_filesystem_readonly{${l}} 0`);
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  const port = await listenOnLoopback(server);
  return {
    target: `127.0.0.1:${port}`,
    fill: (mountpoint: string, filling: boolean) => {
      const f = fs.get(mountpoint) ?? { avail: 120 * GB, filling };
      fs.set(mountpoint, { ...f, filling });
    },
    setFlapping: (v: boolean) => { flapping = v; },
    close: async () => {
      clearInterval(tick);
      await closeNow(server);
    },
  };
}

/** The shipped pack with every PromQL range window shortened (the only change), so the test runs in seconds. */
function testRulePack(): string {
  const file = path.join(dir, 'rules.yaml');
  writeFileSync(file, readFileSync(SHIPPED_RULE_PACK, 'utf8').replace(/\[\d+[smhdw]\]/g, '[10s]'));
  return file;
}

const DIAGNOSIS = JSON.stringify({ summary: 'A log directory grows without rotation', likely_causes: ['logrotate stopped'], suggested_checks: ['du -xh /var | sort -h | tail'], confidence: 0.7 });

void describe('[dev-server] proactive loop against a real Prometheus', () => {
  let env: TestWorkflowEnvironment;
  let exporter: Awaited<ReturnType<typeof startNodeExporter>>;
  let prom: RealPrometheus;
  let llm: FakeOpenAi;
  let discord: FakeDiscord;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = uniqueQueue('proactive');
  let base: DeepPartial<PalisadeConfig>;
  const cfg = (proactive: DeepPartial<PalisadeConfig['proactive']> = {}) => loadConfig({ env: {}, file: '/dev/null', overrides: { ...base, proactive: { ...base.proactive, ...proactive, budgets: { ...base.proactive!.budgets, ...proactive.budgets } } } });
  const cycles: Record<string, { result: ProactiveCycleResult; plan: CyclePlan }> = {};

  /** The plan, read from the cycle's own history (the planProactiveCycle local activity's marker). */
  async function planFromHistory(workflowId: string): Promise<CyclePlan> {
    const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
    for (const e of history.events ?? []) {
      const m = e.markerRecordedEventAttributes;
      const data = m?.details?.data?.payloads?.[0]?.data;
      const result = m?.details?.result?.payloads?.[0]?.data;
      if (!data || !result) continue;
      const info = JSON.parse(Buffer.from(data).toString('utf8')) as { activityType?: string; activity_type?: string };
      if ((info.activityType ?? info.activity_type) === 'planProactiveCycle') return JSON.parse(Buffer.from(result).toString('utf8')) as CyclePlan;
    }
    throw new Error(`no plan marker in ${workflowId}`);
  }

  async function cycle(name: string, proactive: DeepPartial<PalisadeConfig['proactive']> = {}) {
    const r = await runProactiveOnce(env.client, cfg(proactive), { operator: 'test-operator', channel: 'test' }, { wait: true });
    cycles[name] = { result: r.result!, plan: await planFromHistory(r.workflowId) };
    return { ...cycles[name], workflowId: r.workflowId };
  }
  const byRule = (plan: CyclePlan, rule: string, mount?: string): HotspotDecision[] =>
    plan.decisions.filter((d) => d.rule === rule && (mount === undefined || d.title.includes(` ${mount} `)));
  const one = (plan: CyclePlan, rule: string, mount?: string) => {
    const found = byRule(plan, rule, mount);
    assert.equal(found.length, 1, `one ${rule} ${mount ?? ''} hotspot in ${JSON.stringify(plan.decisions.map((d) => d.title))}`);
    return found[0];
  };
  const FLAP = 'scrape-target-flapping';
  const DISK = 'filesystem-fill-24h';

  async function promHas(query: string, want: boolean, timeoutMs = 40_000) {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const body = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(query)}`).then((r) => r.json()) as { data?: { result?: unknown[] } };
      if (((body.data?.result?.length ?? 0) > 0) === want) return;
      if (Date.now() > end) throw new Error(`${query} still ${want ? 'empty' : 'non-empty'} after ${timeoutMs} ms`);
      await sleep(500);
    }
  }
  const fillQuery = (mount: string) => `predict_linear(node_filesystem_avail_bytes{mountpoint="${mount}"}[10s], 86400) < 0`;
  const flapQuery = 'changes(up{job="flappy"}[10s]) >= 4';
  async function charges(n: number) {
    const end = Date.now() + 30_000;
    for (;;) {
      const s = await getProactiveStatus(env.client, cfg());
      if (s.ledger.charges.length >= n) return s;
      if (Date.now() > end) throw new Error(`${n} charge(s) expected, ledger: ${JSON.stringify(s.ledger)}`);
      await sleep(200);
    }
  }
  // Digests only (the investigations post their own "decision awaited" notifications to the same webhook).
  const digests = () => discord.webhookMessages.filter((m) => String(m.body.embeds?.[0]?.title ?? '').startsWith('Proactive digest'));
  const lastDigest = () => digests().at(-1)!.body;

  before(async () => {
    exporter = await startNodeExporter();
    prom = await startPrometheusJobs([
      { name: 'node', target: exporter.target, metricsPath: '/node/metrics' },
      { name: 'flappy', target: exporter.target, metricsPath: '/flappy/metrics' },
    ], 1);
    llm = await startFakeOpenAi();
    llm.respond = () => ({ text: DIAGNOSIS, promptTokens: 1000, completionTokens: 500 });
    discord = await startFakeDiscord();
    env = await createDevServerEnv();
    base = {
      temporal: { taskQueue },
      // $1000 / $2000 per million tokens: each diagnosis (1000 in, 500 out) costs exactly $2.
      llm: { provider: 'openai-compatible', baseUrl: `${llm.url}/v1`, model: 'diag-1', pricing: { inputUsdPerMillionTokens: 1000, outputUsdPerMillionTokens: 2000 } },
      proactive: { mode: 'on', prometheusUrl: prom.url, rulePackFile: testRulePack(), budgets: { investigationsPerCycle: 1, investigationsPerDay: 2, usdPerDay: 100 } },
    };
    const config = cfg();
    const model = await createLlmClient(config.llm, readSecret);
    worker = await Worker.create({
      connection: env.nativeConnection, taskQueue, workflowBundle: await workflowBundle(),
      activities: {
        ...createProactiveActivities({ client: env.client, config }),
        ...createAlertActivities({ client: env.client, config, llm: model ?? null }),
        ...createNotifyActivities({ notifiers: [createDiscordWebhookNotifier({ webhookUrl: async () => discord.webhookUrl(), username: 'Palisade' })] }),
      },
    });
    running = worker.run();
    await Promise.all([promHas(fillQuery('/var'), true), promHas(flapQuery, true)]);
  });
  after(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running?.catch(() => undefined);
    await env?.teardown();
    await prom?.stop();
    await Promise.all([exporter?.close(), llm?.close(), discord?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  void test('one cycle: the filling disk and the flapping target are hotspots; the disk is investigated (1 per cycle), the other reported', async () => {
    const c1 = await cycle('c1');
    const disk = one(c1.plan, DISK, '/var');
    const flap = one(c1.plan, FLAP);
    assert.equal(byRule(c1.plan, DISK, '/').length, 0, 'the stable filesystem is not a hotspot');
    // Every shipped rule is a query the real Prometheus accepts (BGP, certificates... simply find nothing here).
    assert.deepEqual(c1.plan.rules.filter((r) => r.status !== 'ok'), []);
    assert.deepEqual(c1.plan.resolve, [], 'nothing was open, nothing to resolve');
    assert.deepEqual([disk.verdict, disk.severity, flap.verdict, flap.severity], ['investigated', 'high', 'reported', 'medium']);
    assert.match(disk.why, /top-ranked: high \(score 75\); 1 investigation\(s\) and \$100\.00 left today/);
    assert.match(flap.why, new RegExp(`cycle budget used: 1 investigation\\(s\\) per cycle, spent on higher-ranked ${disk.ackId}`));
    assert.match(disk.ackId, /^[0-9a-f]{7}$/);
    assert.deepEqual(c1.result.investigations.map((i) => [i.fingerprint, i.workflowId]), [[disk.fingerprint, `alert/proactive-${disk.fingerprint}`]]);
    assert.equal(c1.result.digest, 'sent');

    // The investigation is the alert-investigation workflow the webhooks use, marked proactive, and it ran the
    // rule's query and light probe against the real Prometheus; the heavy probe was only proposed.
    const inv = env.client.workflow.getHandle(`alert/proactive-${disk.fingerprint}`);
    const started = (await inv.fetchHistory()).events![0].workflowExecutionStartedEventAttributes!;
    assert.equal(started.workflowType!.name, 'alertInvestigationWorkflow');
    const input = JSON.parse(Buffer.from(started.input!.payloads![0].data!).toString('utf8'));
    assert.deepEqual(input.origin, { kind: 'proactive', cycleId: c1.workflowId, stateWorkflowId: PROACTIVE_STATE_WORKFLOW_ID, hotspotFingerprint: disk.fingerprint });
    assert.deepEqual([disk.probesRun, disk.probesProposed], [['free-ratio-now'], ['largest-daily-drops-7d']]);

    // The digest: a Discord embed with both hotspots and their ack ids, mentions off.
    const body = lastDigest();
    assert.deepEqual(body.allowed_mentions, { parse: [] });
    // Discord Markdown is escaped in the embed; read it without the escapes.
    const embed = JSON.stringify(body.embeds).replace(/\\\\/g, '');
    assert.match(embed, /"title":"Proactive digest: 2 hotspot\(s\), 1 investigated"/);
    assert.ok(embed.includes(`ack id ${disk.ackId}`) && embed.includes(`ack id ${flap.ackId}`));
    assert.ok(embed.includes(`investigation: alert/proactive-${disk.fingerprint}`));

    // The usage the diagnosis recorded is charged: 1000 + 500 tokens at the configured prices = $2.
    const s = await charges(1);
    assert.deepEqual([s.ledger.investigations, s.ledger.costUsd, s.ledger.charges[0].promptTokens, s.ledger.charges[0].completionTokens], [1, 2, 1000, 500]);
    // The diagnostics that ran: the rule's query and its light probe against the real Prometheus, not the heavy one.
    const ran = (await inv.query(alertStateQuery)).diagnostics?.results ?? [];
    assert.ok(ran.some((r) => r.query.startsWith('predict_linear(') && r.status === 'ok'), JSON.stringify(ran.map((r) => r.query)));
    assert.ok(ran.some((r) => r.query.includes('/ node_filesystem_size_bytes') && r.status === 'ok'), 'the light probe free-ratio-now ran');
    assert.ok(!ran.some((r) => r.query.includes('deriv(')), 'the heavy probe largest-daily-drops-7d did not run');
    await recordHistory(env.client, c1.workflowId, 'investigate-and-report');
    await recordHistory(env.client, `alert/proactive-${disk.fingerprint}`, 'proactive-origin');
  });

  void test('the day budget stops investigations at its count, then at its money limit (charged from recorded usage)', async () => {
    const c2 = await cycle('c2');
    assert.equal(one(c2.plan, DISK, '/var').verdict, 'cooling_down');
    assert.equal(one(c2.plan, FLAP).verdict, 'investigated');
    await charges(2);

    exporter.fill('/srv', true);
    await promHas(fillQuery('/srv'), true);
    const c3 = await cycle('c3');
    const srv = one(c3.plan, DISK, '/srv');
    assert.equal(srv.verdict, 'over_budget');
    assert.match(srv.why, /day budget used: 2 of 2 investigation\(s\) today/);
    assert.deepEqual(c3.result.investigations, []);

    // A larger count budget, but $5 a day: $4 spent so far, so one more investigation, then the money stops it.
    const c4 = await cycle('c4', { budgets: { investigationsPerDay: 10, usdPerDay: 5 } });
    assert.equal(one(c4.plan, DISK, '/srv').verdict, 'investigated');
    const s = await charges(3);
    assert.equal(s.ledger.costUsd, 6);
    exporter.fill('/data', true);
    await promHas(fillQuery('/data'), true);
    const c5 = await cycle('c5', { budgets: { investigationsPerDay: 10, usdPerDay: 5 } });
    const data = one(c5.plan, DISK, '/data');
    assert.equal(data.verdict, 'over_budget');
    assert.match(data.why, /money budget used: \$6\.00 of \$5\.00 spent on LLM tokens today/);
    assert.deepEqual(c5.result.investigations, []);
    await recordHistory(env.client, c5.result.cycleId, 'over-budget');
  });

  void test('a hotspot whose investigation is still open is reported with it: no budget, no money, no second investigation', async () => {
    // No cooldown, so only the open investigation stands between the hotspot and a second investigation.
    const open = { cooldownHours: 0, budgets: { investigationsPerDay: 10, usdPerDay: 100, investigationsPerCycle: 1 } };
    const c5b = await cycle('c5b', open);
    const data = one(c5b.plan, DISK, '/data');
    assert.equal(data.verdict, 'investigated');
    const spent = await charges(4);
    const c5c = await cycle('c5c', open);
    const again = one(c5c.plan, DISK, '/data');
    assert.equal(again.verdict, 'reported');
    assert.match(again.why, new RegExp(`already under investigation in alert/proactive-${data.fingerprint} \\(open since .*\\).*no budget is spent`));
    assert.equal(again.investigationWorkflowId, `alert/proactive-${data.fingerprint}`);
    assert.ok(!c5c.result.investigations.some((i) => i.fingerprint === data.fingerprint));
    await sleep(1000);
    const after = await getProactiveStatus(env.client, cfg());
    assert.deepEqual([after.ledger.investigations, after.ledger.costUsd, after.ledger.charges.length], [spent.ledger.investigations, spent.ledger.costUsd, 4]);
    const inv = env.client.workflow.getHandle(`alert/proactive-${data.fingerprint}`);
    assert.equal((await inv.query(alertStateQuery)).notifications, 1, 'nothing merged into the open investigation');

    // Should a delivery still meet the open investigation (visibility lagging), it is a merge: recorded as such and
    // refunded; the investigation's own cycle retrying its delivery is not a merge.
    const acts = createProactiveActivities({ client: env.client, config: cfg() });
    const hotspot = { ...data, labels: {}, explanation: 'x', value: '1', probes: [], source: 'prometheus' as const };
    assert.deepEqual(await acts.investigateHotspot({ cycleId: 'another-cycle', hotspot }), { fingerprint: data.fingerprint, workflowId: `alert/proactive-${data.fingerprint}`, merged: true });
    assert.deepEqual(await acts.investigateHotspot({ cycleId: c5b.workflowId, hotspot }), { fingerprint: data.fingerprint, workflowId: `alert/proactive-${data.fingerprint}` });
  });

  void test('ack by short id: gone from the next digest and not investigated; stops firing → pruned; returns → reported again', async () => {
    const flap = one(cycles.c5.plan, FLAP);
    const config = cfg({ budgets: { investigationsPerDay: 10, usdPerDay: 100 } });
    await assert.rejects(ackHotspot(env.client, config, { ackId: 'ffff0', reason: 'x', operator: 'ana', channel: 'test' }),
      (e: unknown) => e instanceof OperatorActionError && e.code === 'not_found' && /no current hotspot with ack id ffff0/.test(e.message));
    await assert.rejects(ackHotspot(env.client, config, { ackId: flap.ackId, reason: '', operator: 'ana', channel: 'test' }),
      (e: unknown) => e instanceof OperatorActionError && e.code === 'invalid_input' && /reason is required/.test(e.message));
    const sup = await ackHotspot(env.client, config, { ackId: flap.ackId.slice(0, 5), reason: 'known: exporter on a flaky link, ticket NET-42', ttlHours: 12, operator: 'ana', channel: 'test' });
    assert.deepEqual([sup.fingerprint, sup.operator, sup.reason], [flap.fingerprint, 'ana', 'known: exporter on a flaky link, ticket NET-42']);

    const before = digests().length;
    const c6 = await cycle('c6', { budgets: { investigationsPerDay: 10, usdPerDay: 100, investigationsPerCycle: 5 } });
    const muted = one(c6.plan, FLAP);
    assert.equal(muted.verdict, 'muted');
    assert.match(muted.why, /acked by ana \(test\) .*NET-42/);
    assert.ok(!c6.result.investigations.some((i) => i.fingerprint === flap.fingerprint), 'a muted hotspot is not investigated, even with budget left');
    assert.equal(digests().length, before + 1);
    assert.ok(!JSON.stringify(lastDigest().embeds).includes(flap.ackId), 'the acked hotspot is not in the digest');
    await recordHistory(env.client, c6.result.cycleId, 'muted');

    exporter.setFlapping(false);
    await promHas(flapQuery, false);
    const c7 = await cycle('c7');
    assert.deepEqual(c7.plan.pruned, [{ fingerprint: flap.fingerprint, ackId: flap.ackId, why: 'the hotspot stopped firing' }]);
    assert.deepEqual(await listSuppressions(env.client), []);
    // Its investigation (opened by c2) is resolved: in the cycle's plan and result, the investigation's timeline
    // and outcome, and the loop's status.
    const flapInv = `alert/proactive-${flap.fingerprint}`;
    assert.deepEqual(c7.plan.resolve?.find((r) => r.fingerprint === flap.fingerprint),
      { fingerprint: flap.fingerprint, ackId: flap.ackId, rule: FLAP, workflowId: flapInv, why: `the hotspot stopped firing (rule ${FLAP} found it no more)` });
    assert.deepEqual(c7.result.resolved?.find((r) => r.fingerprint === flap.fingerprint), { fingerprint: flap.fingerprint, workflowId: flapInv, action: 'signalled' });
    const closed = await env.client.workflow.getHandle(flapInv).result() as { outcome: string };
    assert.equal(closed.outcome, 'resolved');
    const timeline = (await env.client.workflow.getHandle(flapInv).query(alertStateQuery)).timeline;
    assert.match(timeline.at(-1)?.detail ?? '', new RegExp(`proactive cycle ${c7.workflowId}: the hotspot stopped firing`));
    const resolvedInv = (await getProactiveStatus(env.client, cfg())).investigations.find((i) => i.workflowId === flapInv);
    assert.deepEqual([resolvedInv?.status, resolvedInv?.resolvedWhy], ['resolved', `the hotspot stopped firing (rule ${FLAP} found it no more)`]);
    assert.match(String(lastDigest().embeds?.[0]?.description ?? '').replace(/\\/g, ''), new RegExp(`Investigations resolved \\(the hotspot stopped firing\\): .*${flapInv}`));
    await recordHistory(env.client, c7.workflowId, 'resolve-stopped');
    await recordHistory(env.client, flapInv, 'proactive-resolved');

    exporter.setFlapping(true);
    await promHas(flapQuery, true);
    const c8 = await cycle('c8');
    const back = one(c8.plan, FLAP);
    assert.notEqual(back.verdict, 'muted');
    assert.ok(JSON.stringify(lastDigest().embeds).includes(`ack id ${flap.ackId}`), 'reported again in the digest');
  });

  void test('shadow mode scans and reports but never investigates', async () => {
    const before = (await getProactiveStatus(env.client, cfg())).ledger.investigations;
    exporter.fill('/home', true);
    await promHas(fillQuery('/home'), true);
    const c9 = await cycle('c9', { mode: 'shadow', budgets: { investigationsPerDay: 100, usdPerDay: 1000, investigationsPerCycle: 5 } });
    assert.ok(c9.plan.decisions.length >= 4);
    assert.ok(c9.plan.decisions.every((d) => d.verdict !== 'investigated'));
    const home = one(c9.plan, DISK, '/home');
    assert.deepEqual([home.verdict, home.why], ['reported', 'shadow mode: scan and report only, never investigate']);
    assert.deepEqual(c9.result.investigations, []);
    assert.equal((await getProactiveStatus(env.client, cfg())).ledger.investigations, before);
    await recordHistory(env.client, c9.result.cycleId, 'shadow');
  });

  void test('a Schedule starts the cycles; paused cycles skip, resumed ones scan', async () => {
    const config = cfg({ mode: 'shadow', everyMinutes: 0.05 });
    const paused = await pauseProactive(env.client, config, { operator: 'ana', channel: 'test', reason: 'maintenance window' });
    assert.equal(paused.paused?.operator, 'ana');
    await ensureSchedules(env.client, config);
    const schedule = env.client.schedule.getHandle(PROACTIVE_SCHEDULE_ID);
    const nextScheduled = async (after: Set<string>) => {
      for (let i = 0; i < 100; i++) {
        const ids = (await schedule.describe()).info.recentActions.map((a) => a.action.workflow.workflowId).filter((id) => !after.has(id));
        if (ids.length > 0) return ids[0];
        await sleep(300);
      }
      throw new Error('no scheduled cycle');
    };
    const seen = new Set<string>();
    const first = await nextScheduled(seen);
    seen.add(first);
    const skipped = await env.client.workflow.getHandle(first).result() as ProactiveCycleResult;
    assert.match(skipped.skipped ?? '', /^paused by ana \(test\) at .*: maintenance window$/);
    await recordHistory(env.client, first, 'paused');

    await resumeProactive(env.client, config, { operator: 'ana', channel: 'test' });
    let ran: ProactiveCycleResult | undefined;
    for (let i = 0; i < 5 && !ran; i++) {
      const id = await nextScheduled(seen);
      seen.add(id);
      const r = await env.client.workflow.getHandle(id).result() as ProactiveCycleResult;
      if (!r.skipped) ran = r;
    }
    assert.ok(ran && ran.hotspots >= 4, 'a resumed scheduled cycle scans');
    const off = await ensureSchedules(env.client, cfg({ mode: 'off' }));
    assert.equal(off.schedules.find((s) => s.scheduleId === PROACTIVE_SCHEDULE_ID)?.change, 'deleted');
    await recordHistory(env.client, PROACTIVE_STATE_WORKFLOW_ID, 'budgets-acks-pause');
  });
});
