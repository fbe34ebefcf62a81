// `npm run bench:scale [-- N] [--hold-seconds S] [--reviews R] [--json] [--address host:port] [--workers JSON]`
// N threat workflows holding a block at the same time, then every block lifted on its expiry:
//   - all N reach `blocked` (visibility), the most held at once (the worker's in-memory firewall);
//   - the worker's RSS with all N held and its peak (VmHWM), measured on the worker process alone;
//   - the latency of the `state` query while all are held (most workflows are out of the sticky cache then, so
//     this includes the replay a query of an evicted workflow costs);
//   - the time to list pending reviews through visibility, with R review-mode cases waiting;
//   - after expiry: lifted, lost (never lifted) and left on the firewall, which must be N, 0 and 0.
// Blocks last --hold-seconds (default: long enough for the ramp at 4 IPs/s): every block must still be held when
// the last one is applied, or the run reports it and fails.
import { loadConfig } from '../runtime/config';
import { listThreats, submitDecision } from '../runtime/operator-actions';
import { submitSighting } from '../runtime/sightings';
import { SA } from '../domain/search-attributes';
import { stateQuery, THREAT_WORKFLOW_TYPE, threatWorkflowId } from '../workflows/messages';
import { bundleToFile, PALISADE_WORKFLOWS } from './lib/bundle';
import { benchCommand, positiveInt, type CommonOptions } from './lib/cli';
import { renderScale, type ScaleResult } from './lib/report';
import { machine, openServer, stopOpenServers } from './lib/server';
import { benchIps, pct, pool, round, waitFor } from './lib/stats';
import { AUTO_SOURCE, REVIEW_SOURCE, sightingOf } from './lib/threat-run';
import { BenchWorker } from './lib/worker-child';
import { benchOverrides } from './run';

interface ScaleOptions extends CommonOptions {
  holdSeconds?: number;
  reviews: number;
  querySamples: number;
}

async function main() {
  const cmd = benchCommand('bench:scale', 'N blocks held at once, then all lifted on expiry', 1000)
    .option('--hold-seconds <s>', 'how long each block is held (default: max(120, N / 4))', positiveInt('--hold-seconds'))
    .option('--reviews <n>', 'review-mode cases left pending, to list through visibility', positiveInt('--reviews'), 50)
    .option('--query-samples <n>', 'state queries while all blocks are held', positiveInt('--query-samples'), 200)
    .parse();
  const n = cmd.processedArgs[0] as number;
  const opts = cmd.opts<ScaleOptions>();
  const holdSeconds = opts.holdSeconds ?? Math.max(120, Math.ceil(n / 4));
  const log = (line: string) => !opts.json && process.stderr.write(`${line}\n`);
  const server = await openServer({ address: opts.address, namespace: opts.namespace });
  const { client } = server.temporal;
  const overrides = benchOverrides({ namespace: opts.namespace, dataDir: server.dataDir, workers: opts.workers, holdHours: holdSeconds / 3600 });
  overrides.policy.durations.minHours = overrides.policy.durations.maxHours;
  const config = loadConfig({ env: {}, file: '/dev/null', overrides });
  const seed = Math.floor(Math.random() * 2000);
  const ips = benchIps(n, seed);
  const reviewIps = benchIps(opts.reviews, seed, n);
  const mine = new Set(ips);

  const worker = await BenchWorker.start({ role: 'palisade', address: server.info.address, overrides, bundlePath: await bundleToFile(PALISADE_WORKFLOWS), maxOldSpaceMb: opts.maxOldSpaceMb });
  log(`worker ready (RSS ${worker.rssMb()} MB); ${n} blocks of ${holdSeconds} s, ${opts.reviews} pending reviews`);
  let heldAtOnce = 0;
  let held = 0;
  worker.on((m) => {
    if (m.t === 'applied' && mine.has(m.ip)) heldAtOnce = Math.max(heldAtOnce, ++held);
    if (m.t === 'removed' && mine.has(m.ip)) held -= 1;
    return false;
  });
  const blockedQuery = `WorkflowType = '${THREAT_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND ${SA.status.name} = 'blocked' AND ${SA.source.name} = '${AUTO_SOURCE}'`;

  const t0 = Date.now();
  await pool([...reviewIps.map((ip) => [ip, REVIEW_SOURCE]), ...ips.map((ip) => [ip, AUTO_SOURCE])], opts.concurrency, async ([ip, source]) => {
    await submitSighting(client, config, ip, sightingOf(source));
  });
  log(`submitted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  let blocked = 0;
  let lastLog = 0;
  await waitFor(`${n} workflows in status blocked`, async () => {
    blocked = (await client.workflow.count(blockedQuery)).count;
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      log(`  ${blocked} blocked, ${held} on the firewall, worker RSS ${worker.rssMb()} MB`);
    }
    return blocked >= n || worker.removed.size > 0;
  }, Math.max(600_000, n * 2000), 1000);
  const rampSeconds = round((Date.now() - t0) / 1000, 1);
  const workerRssAllHeldMb = worker.rssMb();
  log(`ramp done in ${rampSeconds} s: ${blocked} blocked, ${held} held, worker RSS ${workerRssAllHeldMb} MB`);

  // While all are held: state queries against a spread of workflows, then the pending-review list.
  const sample = Array.from({ length: Math.min(opts.querySamples, n) }, (_, i) => ips[Math.floor((i * n) / Math.min(opts.querySamples, n))]);
  const queryMs: number[] = [];
  for (const ip of sample) {
    const s = Date.now();
    await client.workflow.getHandle(threatWorkflowId(ip)).query(stateQuery);
    queryMs.push(Date.now() - s);
  }
  const l0 = Date.now();
  const pending = await listThreats(client, { status: 'pending_review', limit: 5000 });
  const listMs = Date.now() - l0;
  const reviewSet = new Set(reviewIps);
  const listed = pending.filter((t) => reviewSet.has(t.ip)).length;
  log(`state query p99 ${pct(queryMs, 99)} ms; ${listed} pending reviews listed in ${listMs} ms; waiting for expiry`);

  await waitFor(`${n} blocks to be lifted`, () => ips.every((ip) => worker.removed.has(ip)), holdSeconds * 1000 + Math.max(600_000, n * 1000), 1000).catch((err) => log(String(err)));
  const lifted = ips.filter((ip) => worker.removed.has(ip)).length;
  const leftOnFirewall = await worker.firewallSize();
  // Close the review cases the way an operator would.
  await pool(reviewIps, opts.concurrency, async (ip) => {
    await submitDecision(client, ip, { decision: 'reject', approver: 'benchmark', channel: 'api', comment: 'benchmark clean-up' }).catch(() => undefined);
  });
  const workerPeakRssMb = worker.peakMb();
  await worker.stop();
  await server.stop();

  const result: ScaleResult = {
    bench: 'scale',
    date: new Date().toISOString(),
    command: `npm run bench:scale -- ${process.argv.slice(2).join(' ')}`.trim(),
    n, concurrency: opts.concurrency, machine: machine(), server: server.info, workers: config.workers, maxOldSpaceMb: opts.maxOldSpaceMb,
    holdSeconds, rampSeconds, blocked, heldAtOnce, lifted, lost: n - lifted, leftOnFirewall,
    workerRssAllHeldMb, workerPeakRssMb,
    stateQuery: { samples: queryMs.length, p50Ms: pct(queryMs, 50), p99Ms: pct(queryMs, 99) },
    pendingReviews: { started: opts.reviews, listed, listMs },
  };
  process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : renderScale(result));
  const failures = [
    blocked < n && `only ${blocked} of ${n} reached blocked`,
    heldAtOnce < n && `only ${heldAtOnce} of ${n} were held at once: raise --hold-seconds above the ramp time (${rampSeconds} s)`,
    lifted < n && `${n - lifted} blocks were never lifted`,
    leftOnFirewall > 0 && `${leftOnFirewall} entries left on the firewall`,
    listed < opts.reviews && `only ${listed} of ${opts.reviews} pending reviews listed`,
  ].filter(Boolean);
  for (const f of failures) process.stderr.write(`bench:scale: ${f}\n`);
  return failures.length === 0;
}

main().then((ok) => process.exit(ok ? 0 : 1), (err) => {
  process.stderr.write(`bench:scale: ${err instanceof Error ? err.message : String(err)}\n`);
  void stopOpenServers().finally(() => process.exit(1));
});
