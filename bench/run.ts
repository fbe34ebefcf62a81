// `npm run bench [-- N]`: N distinct IPs through the threat workflow's auto path on the Temporal dev server
// (SQLite file, so every step is durable) with the in-memory enforcer, and the same N through a no-op
// one-activity workflow on the same server in the same run, for comparison.
// Prints IPs/s, p50/p99 sighting→enforced latency, history events and billable actions per IP, process RSS.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { createEnforcementActivities } from '../activities/enforcement';
import { MemoryEnforcer } from '../activities/enforcers/memory';
import { createNotifyActivities } from '../activities/notify';
import { createThreatActivities } from '../activities/threat';
import { loadConfig } from '../runtime/config';
import { submitSighting } from '../runtime/sightings';
import { stateQuery, threatWorkflowId } from '../workflows/messages';
import { createDevServerEnv, workflowBundle } from '../test/helpers/temporal-env';
import { billableActions } from './history-actions';

const N = Number(process.argv[2] ?? process.env.BENCH_N ?? 200);
const CONCURRENCY = 20;

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const mb = () => Math.round(process.memoryUsage().rss / 1024 / 1024);

async function pool<T>(items: T[], fn: (x: T) => Promise<void>) {
  let i = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

async function until<T>(fn: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function perIpHistory(client: Client, ids: string[], startedBySignalWithStart: boolean) {
  let events = 0;
  let actions = 0;
  const sample = ids.slice(0, Math.min(ids.length, 50));
  for (const id of sample) {
    const h = await client.workflow.getHandle(id).fetchHistory();
    events += h.events!.length;
    actions += billableActions(h.events!, { startedBySignalWithStart });
  }
  return { events: events / sample.length, actions: actions / sample.length };
}

async function main() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'palisade-bench-'));
  const env = await createDevServerEnv({ dbFilename: path.join(dir, 'temporal.sqlite') });
  const bundle = await workflowBundle();
  const client = env.client;
  const rssStart = mb();

  // --- the threat workflow, auto path, through enforced and lifted (1-second blocks) ---
  const config = loadConfig({
    env: {}, file: '/dev/null',
    overrides: {
      temporal: { taskQueue: 'bench', enforceTaskQueue: 'bench-enforce' },
      enforcement: { enforcer: 'memory' },
      policy: {
        mode: 'auto', dryRun: false, verifySettleSeconds: 0, governor: { maxUnattendedActions: N + 10 },
        durations: { minHours: 0.0001, maxHours: 0.0003, ladderHours: [0.0003] },
      },
    },
  });
  // Time the moment each block reaches the firewall from the firewall's side: polling the workflows with queries
  // would load the worker and distort what is measured.
  const appliedAt = new Map<string, number>();
  const lifted = new Set<string>();
  let allLifted!: () => void;
  const allLiftedP = new Promise<void>((r) => (allLifted = r));
  const enforcer = new (class extends MemoryEnforcer {
    override async apply(req: Parameters<MemoryEnforcer['apply']>[0]) {
      const r = await super.apply(req);
      if (!appliedAt.has(req.ip)) appliedAt.set(req.ip, Date.now());
      return r;
    }
    override async remove(req: Parameters<MemoryEnforcer['remove']>[0]) {
      const r = await super.remove(req);
      lifted.add(req.ip);
      if (lifted.size === N) allLifted();
      return r;
    }
  })('memory');
  const main = await Worker.create({
    connection: env.nativeConnection, taskQueue: 'bench', workflowBundle: bundle,
    activities: { ...createThreatActivities({ client, taskQueue: 'bench' }), ...createNotifyActivities({ notifiers: [] }) },
  });
  const enf = await Worker.create({ connection: env.nativeConnection, taskQueue: 'bench-enforce', activities: createEnforcementActivities({ enforcers: { memory: enforcer } }) });
  const ips = Array.from({ length: N }, (_, i) => `45.${150 + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}`);
  const latencies: number[] = [];
  let threatSeconds = 0;
  let rssPeak = rssStart;
  const sentAt = new Map<string, number>();
  await main.runUntil(() => enf.runUntil(async () => {
    const t0 = Date.now();
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, mb())), 250);
    await pool(ips, async (ip) => {
      sentAt.set(ip, Date.now());
      await submitSighting(client, config, ip, { source: 'bench', score: 97, direction: 'inbound', observedAt: new Date().toISOString(), knownBad: true, evidence: {} });
    });
    await until(async () => (appliedAt.size === N ? true : undefined));
    threatSeconds = (Math.max(...appliedAt.values()) - t0) / 1000;
    for (const ip of ips) latencies.push(appliedAt.get(ip)! - sentAt.get(ip)!);
    // Let every block expire and be lifted, so the histories hold one whole case each.
    await allLiftedP;
    clearInterval(sampler);
    for (const ip of ips) {
      await until(async () => ((await client.workflow.getHandle(threatWorkflowId(ip)).query(stateQuery)).status === 'watching' ? true : undefined));
    }
  }));
  const threat = await perIpHistory(client, ips.map(threatWorkflowId), true);

  // --- baseline: a no-op one-activity workflow ---
  const noopWorker = await Worker.create({
    connection: env.nativeConnection, taskQueue: 'bench-noop',
    workflowBundle: await workflowBundle(require.resolve('./fixtures/noop-workflow')), activities: { noop: async () => undefined },
  });
  const noopLat: number[] = [];
  let noopSeconds = 0;
  await noopWorker.runUntil(async () => {
    const t0 = Date.now();
    await pool(ips, async (ip) => {
      const s = Date.now();
      await client.workflow.execute('noopWorkflow', { taskQueue: 'bench-noop', workflowId: `noop/${ip}` });
      noopLat.push(Date.now() - s);
    });
    noopSeconds = (Date.now() - t0) / 1000;
  });
  const noop = await perIpHistory(client, ips.map((ip) => `noop/${ip}`), false);

  const row = (name: string, secs: number, lat: number[], h: { events: number; actions: number }) =>
    `${name.padEnd(30)} ${(N / secs).toFixed(1).padStart(8)} ${String(pct(lat, 50)).padStart(8)} ${String(pct(lat, 99)).padStart(8)} ${h.events.toFixed(1).padStart(10)} ${h.actions.toFixed(1).padStart(10)}`;
  console.log(`\nPalisade threat benchmark: N=${N} IPs, concurrency ${CONCURRENCY}, dev server with SQLite (${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'cpu'})`);
  console.log(`${'workflow'.padEnd(30)} ${'IPs/s'.padStart(8)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'events/IP'.padStart(10)} ${'actions/IP'.padStart(10)}`);
  console.log(row('threat (auto path, to enforced)', threatSeconds, latencies, threat));
  console.log(row('no-op one-activity workflow', noopSeconds, noopLat, noop));
  console.log(`ratio threat/no-op: throughput ${(N / threatSeconds / (N / noopSeconds)).toFixed(2)}x, p50 latency ${(pct(latencies, 50) / pct(noopLat, 50)).toFixed(1)}x, events ${(threat.events / noop.events).toFixed(1)}x, actions ${(threat.actions / noop.actions).toFixed(1)}x`);
  console.log(`threat latency = sighting submitted → block applied (screen, enrich, propose, decide, governor, apply); histories cover the whole case (apply, verify, hold, lift, verify removal)`);
  console.log(`worker + client process RSS: start ${rssStart} MB, peak during threat run ${rssPeak} MB, end ${mb()} MB`);
  const perThousand = (pricePerMillion: number) => ((threat.actions * 1000 * pricePerMillion) / 1e6).toFixed(2);
  console.log(`Temporal Cloud cost of the threat workflow at $25–$50 per million actions: $${perThousand(25)}–$${perThousand(50)} per 1,000 IPs`);
  await env.teardown();
}

main().then(() => process.exit(0), (err) => {
  console.error(err);
  process.exit(1);
});
