// `npm run chaos [-- --targets dev,cluster] [--scenarios R1,R2,R3,R7] [--threats 200] [--kills 20]
//   [--outage-minutes 10] [--json]`
// Faults survived, counted: for each target (the dev server; `palisade cluster`, Temporal on PostgreSQL) Palisade runs
// as the compose topology (API, two workers, one enforcement worker, as processes) in front of a pfSense REST fake,
// and each scenario (bench/chaos/scenarios.ts) ends with an audit of every threat and of the firewall: lost,
// duplicated and orphaned must all be 0. Prints a table per target, or with --json one JSON line; exits 1 when any
// of the three is not 0. Outside `npm test`: a full run takes about 20 minutes per target (R3 alone is the outage).
import { Command, InvalidArgumentError } from 'commander';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runScenario, SCENARIOS, type ScenarioName, type ScenarioResult } from './scenarios';
import { startTopology, type TargetKind } from './topology';

const list = <T extends string>(allowed: readonly T[], what: string) => (v: string): T[] => {
  const xs = v.split(',').map((x) => x.trim()).filter(Boolean);
  const bad = xs.filter((x) => !(allowed as readonly string[]).includes(x));
  if (bad.length || xs.length === 0) throw new InvalidArgumentError(`${what}: one or more of ${allowed.join(', ')}`);
  return xs as T[];
};
const positive = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${what} must be a positive number`);
  return n;
};

interface Options {
  targets: TargetKind[];
  scenarios: ScenarioName[];
  threats: number;
  kills: number;
  outageMinutes: number;
  settleMinutes: number;
  json: boolean;
  keep: boolean;
}

const COLUMNS: [string, (r: ScenarioResult) => string | number][] = [
  ['scenario', (r) => r.scenario], ['target', (r) => r.target], ['threats', (r) => r.threats], ['faults', (r) => r.faults],
  ['held', (r) => r.held], ['expired+lifted', (r) => r.expired], ['rejected', (r) => r.rejected],
  ['lost', (r) => r.lost], ['duplicated', (r) => r.duplicated], ['orphaned', (r) => r.orphaned],
  ['recovery s', (r) => r.recoverySeconds ?? '-'], ['run s', (r) => r.seconds],
];

function table(rows: ScenarioResult[]): string {
  const cells = [COLUMNS.map(([h]) => h), ...rows.map((r) => COLUMNS.map(([, f]) => String(f(r))))];
  const widths = COLUMNS.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(cells[0]!), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

async function main() {
  const opts = new Command('chaos')
    .description('fault-injection runs against the dev server and palisade cluster, with an audit of every threat')
    .option('--targets <list>', 'dev, cluster', list(['dev', 'cluster'] as const, '--targets'), ['dev', 'cluster'])
    .option('--scenarios <list>', 'R1, R2, R3, R7', list(SCENARIOS, '--scenarios'), [...SCENARIOS])
    .option('--threats <n>', 'threats in R1 (R2 half, R3 a quarter, R7 a fifth)', positive('--threats'), 200)
    .option('--kills <n>', 'worker SIGKILLs in R1', positive('--kills'), 20)
    .option('--outage-minutes <m>', 'how long the firewall is unreachable in R3 (real time)', positive('--outage-minutes'), 10)
    .option('--settle-minutes <m>', 'how long a scenario may take to settle after its fault (R3: after the outage)', positive('--settle-minutes'), 12)
    .option('--json', 'one JSON line instead of the tables', false)
    .option('--keep', 'keep the run directories (logs of every process)', false)
    .parse()
    .opts<Options>();
  const log = (line: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`);
  let current: Awaited<ReturnType<typeof startTopology>> | undefined;
  // Interrupted: stop what this run started (role processes, the Temporal server, PostgreSQL) before leaving.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void (current?.stop() ?? Promise.resolve()).finally(() => process.exit(130)));
  // Every block lasts 3 minutes (the maximum, which a strong first block gets) unless the operator makes it
  // permanent (the "held" cases); R3's approvals as long as the auto blocks.
  const autoBlockHours = 0.05;
  const results: ScenarioResult[] = [];
  for (const kind of opts.targets) {
    const dir = await mkdtemp(path.join(os.tmpdir(), `palisade-chaos-${kind}-`));
    await chmod(dir, 0o755); // PostgreSQL runs as the postgres user when we are root
    const topo = await startTopology(kind, dir, { autoBlockHours, reconcileMinutes: 0.5 }, log);
    current = topo;
    let held: string[] = [];
    try {
      for (const [i, name] of opts.scenarios.entries()) {
        const { result, held: now } = await runScenario(name, topo, {
          threats: opts.threats, kills: opts.kills, outageMinutes: opts.outageMinutes, shortHours: autoBlockHours,
          settleTimeoutMs: opts.settleMinutes * 60_000 + (name === 'R3' ? opts.outageMinutes * 60_000 : 0), log,
        }, held, 1000 * (i + 1));
        held = now;
        results.push(result);
        log(table([result]));
      }
    } finally {
      await topo.stop();
      if (opts.keep) log(`${kind}: run directory ${dir}`);
      else await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    }
  }
  const failed = results.filter((r) => r.lost + r.duplicated + r.orphaned > 0);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ bench: 'chaos', machine: { cpus: os.cpus().length, memGiB: Math.round(os.totalmem() / 2 ** 30) }, results: results.map(({ problems, ...r }) => ({ ...r, problems: problems.slice(0, 20) })) })}\n`);
  } else {
    process.stdout.write(`\n${table(results)}\n`);
  }
  process.exit(failed.length ? 1 : 0);
}

main().catch((err: unknown) => {
  process.stderr.write(`chaos: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exit(1);
});
