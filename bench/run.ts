// `npm run bench [-- N] [--json] [--address host:port] [--namespace ns] [--workers JSON]`
// N distinct IPs through the threat workflow on one Temporal server (the embedded dev server unless --address):
//   1. the auto path: sighting → screen, enrich, propose, decide, governor → block applied, held 1 s, lifted;
//   2. the review path: the same, each case approved through the `decide` update as soon as it asks for review;
//   3. the baseline: N no-op one-activity workflows, same server, same run.
// The worker runs in a child process with the configured worker options, so its memory is measured alone.
// Prints a table (markdown, ready for the README) or, with --json, one JSON line.
import type { Client } from '@temporalio/client';
import { loadConfig } from '../runtime/config';
import { threatWorkflowId } from '../workflows/messages';
import { bundleToFile, NOOP_WORKFLOW, PALISADE_WORKFLOWS } from './lib/bundle';
import { benchCommand, type CommonOptions } from './lib/cli';
import { renderRun, type RunResult } from './lib/report';
import { machine, openServer, stopOpenServers } from './lib/server';
import { benchIps, historyCost, pool, round } from './lib/stats';
import { latencyFigures, REVIEW_SOURCE, threatPass, waitCasesDone } from './lib/threat-run';
import { BenchWorker } from './lib/worker-child';

const TASK_QUEUE = 'palisade-bench';

/** Palisade's configuration for the run: auto mode, real (in-memory) enforcement, 1-second blocks, no governor cap. */
export function benchOverrides(o: { namespace: string; dataDir: string; workers: CommonOptions['workers']; holdHours: number }) {
  return {
    dataDir: o.dataDir, logLevel: 'warn' as const,
    temporal: { namespace: o.namespace, taskQueue: TASK_QUEUE, enforceTaskQueue: `${TASK_QUEUE}-enforce` },
    workers: o.workers,
    enforcement: { enforcer: 'memory' as const },
    policy: {
      mode: 'auto' as const, dryRun: false, verifySettleSeconds: 0,
      // The cap is tested elsewhere; here it must not turn the auto path into the review path.
      governor: { maxUnattendedActions: 1_000_000_000 },
      durations: { minHours: o.holdHours / 3, maxHours: o.holdHours, ladderHours: [o.holdHours] },
      sources: { [REVIEW_SOURCE]: { mode: 'review' as const } },
    },
  };
}

async function noopPass(client: Client, ids: string[], concurrency: number) {
  const lat: number[] = [];
  const t0 = Date.now();
  await pool(ids, concurrency, async (workflowId) => {
    const s = Date.now();
    await client.workflow.execute('noopWorkflow', { taskQueue: `${TASK_QUEUE}-noop`, workflowId });
    lat.push(Date.now() - s);
  });
  return { seconds: (Date.now() - t0) / 1000, latencies: lat };
}

async function main() {
  const cmd = benchCommand('bench', 'the threat workflow against a no-op baseline, on one Temporal server', 200).parse();
  const n = cmd.processedArgs[0] as number;
  const opts = cmd.opts<CommonOptions>();
  const server = await openServer({ address: opts.address, namespace: opts.namespace });
  const { client } = server.temporal;
  const overrides = benchOverrides({ namespace: opts.namespace, dataDir: server.dataDir, workers: opts.workers, holdHours: 1 / 3600 });
  const config = loadConfig({ env: {}, file: '/dev/null', overrides });
  const seed = Math.floor(Math.random() * 2000);
  const autoIps = benchIps(n, seed);
  const reviewIps = benchIps(n, seed, n);
  const timeoutMs = Math.max(600_000, n * 5000);
  const log = (line: string) => !opts.json && process.stderr.write(`${line}\n`);

  const [palisadeBundle, noopBundle] = await Promise.all([bundleToFile(PALISADE_WORKFLOWS), bundleToFile(NOOP_WORKFLOW)]);
  const worker = await BenchWorker.start({ role: 'palisade', address: server.info.address, overrides, bundlePath: palisadeBundle, maxOldSpaceMb: opts.maxOldSpaceMb });
  log(`worker ready (RSS ${worker.rssMb()} MB); auto path, ${n} IPs`);
  const auto = await threatPass(client, config, worker, autoIps, { review: false, concurrency: opts.concurrency, timeoutMs });
  await waitCasesDone(client, worker, autoIps, timeoutMs);
  const autoRss = worker.phasePeakMb();
  log(`review path, ${n} IPs`);
  const review = await threatPass(client, config, worker, reviewIps, { review: true, concurrency: opts.concurrency, timeoutMs });
  await waitCasesDone(client, worker, reviewIps, timeoutMs);
  const reviewRss = worker.phasePeakMb();
  const palisadePeak = worker.peakMb();
  await worker.stop();
  const autoCost = await historyCost(client, autoIps.map(threatWorkflowId), { startedBySignalWithStart: true });
  const reviewCost = await historyCost(client, reviewIps.map(threatWorkflowId), { startedBySignalWithStart: true });

  log(`no-op baseline, ${n} workflows`);
  const noopWorker = await BenchWorker.start({ role: 'noop', address: server.info.address, overrides: { ...overrides, temporal: { ...overrides.temporal, taskQueue: `${TASK_QUEUE}-noop` } }, bundlePath: noopBundle, maxOldSpaceMb: opts.maxOldSpaceMb });
  const noopIds = autoIps.map((ip) => `bench-noop/${seed}/${ip}`);
  const noop = await noopPass(client, noopIds, opts.concurrency);
  const noopRss = noopWorker.peakMb();
  await noopWorker.stop();
  const noopCost = await historyCost(client, noopIds, { startedBySignalWithStart: false });

  const noopIpsPerSecond = round(n / noop.seconds, 1);
  const result: RunResult = {
    bench: 'threat',
    date: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    n, concurrency: opts.concurrency, machine: machine(), server: server.info, workers: config.workers, maxOldSpaceMb: opts.maxOldSpaceMb,
    threat: { ipsPerSecond: auto.ipsPerSecond, ...latencyFigures(auto.latencies), ...autoCost, workerPeakRssMb: autoRss },
    review: {
      ipsPerSecond: review.ipsPerSecond, ...latencyFigures(review.latencies),
      sightingToReviewP50Ms: latencyFigures(review.toReview).p50Ms, sightingToReviewP99Ms: latencyFigures(review.toReview).p99Ms,
      ...reviewCost, workerPeakRssMb: reviewRss,
    },
    noop: { ipsPerSecond: noopIpsPerSecond, ...latencyFigures(noop.latencies), ...noopCost, workerPeakRssMb: noopRss },
    ratio: {
      throughput: round(auto.ipsPerSecond / noopIpsPerSecond),
      events: round(autoCost.eventsPerIp / noopCost.eventsPerIp, 1),
      actions: round(autoCost.actionsPerIp / noopCost.actionsPerIp, 1),
      p50Latency: round(latencyFigures(auto.latencies).p50Ms / latencyFigures(noop.latencies).p50Ms, 1),
    },
    workerPeakRssMb: palisadePeak,
  };
  await server.stop();
  process.stdout.write(opts.json ? `${JSON.stringify(result)}\n` : renderRun(result));
}

if (require.main === module) {
  main().then(() => process.exit(0), (err) => {
    process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
    void stopOpenServers().finally(() => process.exit(1));
  });
}
