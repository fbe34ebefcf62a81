// The benchmarks' worker, in a process of its own so that its memory is measured alone (the parent reads
// /proc/<pid>/status). Configured by the JSON in PALISADE_BENCH_WORKER (see lib/worker-child.ts). Two roles:
//   palisade  the Palisade workers exactly as `palisade start` builds them (workers/index.ts, configured worker
//             options), with the in-memory firewall; it reports each block applied and removed and each review
//             request to the parent over IPC, so the parent times them without querying the workflows
//   noop      the baseline: a one-activity workflow, with the same configured worker options
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { MemoryEnforcer } from '../activities/enforcers/memory';
import type { Notifier } from '../activities/notify';
import type { BlockRequest } from '../domain/types';
import { loadConfig } from '../runtime/config';
import { createLogger } from '../runtime/logger';
import { createWorkers } from '../workers';
import { limitWorkflowThreadHeap, mainWorkerOptions } from '../workers/options';
import type { ChildMessage, ParentMessage, WorkerProcessConfig } from './lib/worker-child';

const send = (m: ChildMessage) => {
  if (process.connected) process.send!(m);
};
// The parent measures this process; without it there is nothing to run for.
process.on('disconnect', () => process.exit(0));

/** The in-memory firewall, reporting to the parent. Its call log is not kept: it would grow with every block. */
class ReportingFirewall extends MemoryEnforcer {
  override async apply(req: BlockRequest) {
    const had = this.entries.has(req.target);
    const r = await super.apply(req);
    if (!had) send({ t: 'applied', ip: req.ip, at: Date.now() });
    this.calls.length = 0;
    return r;
  }
  override async verify(req: BlockRequest) {
    const r = await super.verify(req);
    this.calls.length = 0;
    return r;
  }
  override async remove(req: BlockRequest) {
    const had = this.entries.has(req.target);
    const r = await super.remove(req);
    if (had) send({ t: 'removed', ip: req.ip, at: Date.now() });
    this.calls.length = 0;
    return r;
  }
}

async function main() {
  const cfg = JSON.parse(process.env.PALISADE_BENCH_WORKER ?? '{}') as WorkerProcessConfig;
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig({ env: {}, file: '/dev/null', overrides: cfg.overrides });
  const logger = createLogger({ logLevel: 'warn' });
  const connection = await NativeConnection.connect({ address: cfg.address });
  const client = new Client({ connection: await Connection.connect({ address: cfg.address }), namespace: config.temporal.namespace });
  const firewall = new ReportingFirewall('memory');
  let worker: { run(): Promise<void>; shutdown(): void };
  if (cfg.role === 'noop') {
    limitWorkflowThreadHeap(config.workers);
    const w = await Worker.create({
      connection, namespace: config.temporal.namespace, taskQueue: config.temporal.taskQueue,
      ...mainWorkerOptions(config.workers),
      workflowBundle: { codePath: cfg.bundlePath }, activities: { noop: async () => undefined },
    });
    worker = { run: () => w.run(), shutdown: () => w.shutdown() };
  } else {
    const reviews: Notifier = {
      name: 'bench',
      async send(n) {
        if ((n.kind === 'review_needed' || n.kind === 'review_escalated') && n.ip) send({ t: 'review', ip: n.ip, at: Date.now() });
      },
    };
    worker = await createWorkers({
      config, connection, client, logger, roles: 'all', enforcers: { memory: firewall }, notifiers: [reviews],
      workflowBundle: { codePath: cfg.bundlePath },
    });
  }
  process.on('message', (m: ParentMessage) => {
    if (m.t === 'firewall?') send({ t: 'firewall', size: firewall.entries.size });
    if (m.t === 'stop') worker.shutdown();
  });
  send({ t: 'ready' });
  await worker.run();
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`${err?.stack ?? err}\n`);
  process.exit(1);
});
