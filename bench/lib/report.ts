// The benchmarks' results: one JSON object per run (printed with --json), and the same object rendered as the
// markdown tables the README shows, so README figures can be regenerated from saved JSON (bench/report.ts).
import type { WorkersConfig } from '../../domain/config/workers';
import type { machine as machineInfo } from './server';
import { describeServer, type ServerInfo } from './server';

export interface PathFigures {
  ipsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  eventsPerIp: number;
  actionsPerIp: number;
  sampled: number;
  workerPeakRssMb: number;
}

interface Common {
  date: string;
  command: string;
  n: number;
  concurrency: number;
  machine: ReturnType<typeof machineInfo>;
  server: ServerInfo;
  workers: WorkersConfig;
  /** The worker process's --max-old-space-size, when set. */
  maxOldSpaceMb?: number;
}

export interface RunResult extends Common {
  bench: 'threat';
  /** Auto path: p50/p99 are sighting → block applied. */
  threat: PathFigures;
  /** Review path: p50/p99 are decision submitted → block applied. */
  review: PathFigures & { sightingToReviewP50Ms: number; sightingToReviewP99Ms: number };
  /** No-op one-activity workflow: p50/p99 are start → completed. */
  noop: PathFigures;
  /** threat / no-op. */
  ratio: { throughput: number; events: number; actions: number; p50Latency: number };
  /** The Palisade worker process's peak RSS over the auto and review passes (VmHWM). */
  workerPeakRssMb: number;
}

export interface ScaleResult extends Common {
  bench: 'scale';
  holdSeconds: number;
  /** Seconds from the first sighting until all N were blocked (status `blocked` in visibility). */
  rampSeconds: number;
  blocked: number;
  /** The most blocks on the firewall at one moment. */
  heldAtOnce: number;
  lifted: number;
  lost: number;
  leftOnFirewall: number;
  /** Worker process RSS: when all N were held, and the peak of its whole life (VmHWM). */
  workerRssAllHeldMb: number;
  workerPeakRssMb: number;
  stateQuery: { samples: number; p50Ms: number; p99Ms: number };
  pendingReviews: { started: number; listed: number; listMs: number };
}

const ms = (x: number) => (x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : `${Math.round(x)} ms`);
const header = (r: Common) =>
  `${r.date.slice(0, 10)}, ${r.machine.cpus} vCPU ${r.machine.cpuModel} / ${r.machine.memGiB} GiB, Node ${r.machine.node}; ${describeServer(r.server)}\n` +
  `worker options: ${JSON.stringify(r.workers)}${r.maxOldSpaceMb ? `, --max-old-space-size=${r.maxOldSpaceMb}` : ''}\ncommand: ${r.command}\n`;

export function renderRun(r: RunResult): string {
  const row = (name: string, f: PathFigures, lat: string) =>
    `| ${name} | ${f.ipsPerSecond} | ${lat} | ${f.eventsPerIp} | ${f.actionsPerIp} | ${f.workerPeakRssMb} MB |`;
  return [
    '',
    `Palisade threat benchmark: N=${r.n} IPs, ${r.concurrency} sightings at a time`,
    header(r),
    '| workflow | IPs/s | p50 / p99 latency | history events / IP | billable actions / IP | worker peak RSS |',
    '|---|---|---|---|---|---|',
    row('threat, auto path (sighting → block applied; history = whole case)', r.threat, `${ms(r.threat.p50Ms)} / ${ms(r.threat.p99Ms)}`),
    row('threat, review path (approval → block applied)', r.review, `${ms(r.review.p50Ms)} / ${ms(r.review.p99Ms)}`),
    row('no-op one-activity workflow (baseline, same server, same run)', r.noop, `${ms(r.noop.p50Ms)} / ${ms(r.noop.p99Ms)}`),
    `| ratio threat auto / no-op | ${r.ratio.throughput}× | ${r.ratio.p50Latency}× (p50) | ${r.ratio.events}× | ${r.ratio.actions}× | |`,
    '',
    `review path: sighting → review requested p50 ${ms(r.review.sightingToReviewP50Ms)}, p99 ${ms(r.review.sightingToReviewP99Ms)}`,
    `Palisade worker process peak RSS (VmHWM, auto + review passes): ${r.workerPeakRssMb} MB`,
    `Temporal Cloud cost of the auto path at $25–$50 per million actions: $${((r.threat.actionsPerIp * 1000 * 25) / 1e6).toFixed(2)}–$${((r.threat.actionsPerIp * 1000 * 50) / 1e6).toFixed(2)} per 1,000 IPs`,
    '',
  ].join('\n');
}

export function renderScale(r: ScaleResult): string {
  return [
    '',
    `Palisade scale benchmark: N=${r.n} held blocks of ${r.holdSeconds} s, ${r.concurrency} sightings at a time`,
    header(r),
    '| figure | value |',
    '|---|---|',
    `| reached \`blocked\` | ${r.blocked} of ${r.n} in ${r.rampSeconds} s |`,
    `| held on the firewall at once (peak) | ${r.heldAtOnce} |`,
    `| lifted on expiry / lost / left on the firewall | ${r.lifted} / ${r.lost} / ${r.leftOnFirewall} |`,
    `| worker RSS with all held / peak (VmHWM) | ${r.workerRssAllHeldMb} MB / ${r.workerPeakRssMb} MB |`,
    `| \`state\` query while all held, p50 / p99 (${r.stateQuery.samples} samples) | ${ms(r.stateQuery.p50Ms)} / ${ms(r.stateQuery.p99Ms)} |`,
    `| list pending reviews through visibility (${r.pendingReviews.listed} of ${r.pendingReviews.started} listed) | ${ms(r.pendingReviews.listMs)} |`,
    '',
  ].join('\n');
}

export function render(r: RunResult | ScaleResult): string {
  return r.bench === 'scale' ? renderScale(r) : renderRun(r);
}
