// Starts the benchmark worker (../worker-process.ts) as a child process and measures it: its resident memory from
// /proc/<pid>/status (VmRSS sampled, VmHWM = the kernel's own peak), and the events it reports over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../runtime/config';
import { workerProcessLaunch } from '../../workers/options';

export interface WorkerProcessConfig {
  role: 'palisade' | 'noop';
  address: string;
  /** Configuration overrides (the same shape as palisade.yaml), applied over the defaults. */
  overrides: Record<string, unknown>;
  /** A pre-built workflow bundle: bundling in the measured process would add webpack's peak to its memory. */
  bundlePath: string;
  /** V8 old-space limit of the worker process (--max-old-space-size), MB, instead of config workers.processHeapMb. */
  maxOldSpaceMb?: number;
}

export type ChildMessage =
  | { t: 'ready' }
  | { t: 'applied' | 'removed' | 'review'; ip: string; at: number }
  | { t: 'firewall'; size: number };
export type ParentMessage = { t: 'firewall?' } | { t: 'stop' };

const MB = 1024;
function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined; // not Linux, or the process has exited
  }
}

export class BenchWorker {
  readonly applied = new Map<string, number>();
  readonly removed = new Map<string, number>();
  readonly reviews = new Map<string, number>();
  private readonly listeners = new Set<(m: ChildMessage) => void>();
  private sampler?: NodeJS.Timeout;
  private phasePeakKb = 0;
  private hwmKb = 0;
  private exited?: Promise<void>;

  private constructor(readonly child: ChildProcess) {}

  static async start(cfg: WorkerProcessConfig): Promise<BenchWorker> {
    // Started as `palisade start` starts a worker process (config workers.processHeapMb, cli/relaunch.ts).
    const { workers } = loadConfig({ env: {}, file: '/dev/null', overrides: cfg.overrides });
    const launch = workerProcessLaunch({ ...workers, processHeapMb: cfg.maxOldSpaceMb ?? workers.processHeapMb });
    const child = fork(path.resolve(__dirname, '../worker-process.ts'), [], {
      execArgv: ['--import', 'tsx', ...(launch?.execArgv ?? [])],
      env: { ...launch?.env, ...process.env, PALISADE_BENCH_WORKER: JSON.stringify(cfg) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const w = new BenchWorker(child);
    // A benchmark that fails must not leave its worker running.
    process.once('exit', () => child.kill('SIGKILL'));
    w.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the benchmark worker exited during start-up (code ${code})`));
      child.once('exit', onExit);
      child.on('message', (m: ChildMessage) => {
        if (m.t === 'ready') {
          child.off('exit', onExit);
          resolve();
        } else w.onMessage(m);
      });
    });
    w.sampler = setInterval(() => w.sample(), 200);
    return w;
  }

  private onMessage(m: ChildMessage) {
    if (m.t === 'applied') this.applied.set(m.ip, m.at);
    else if (m.t === 'removed') this.removed.set(m.ip, m.at);
    else if (m.t === 'review') this.reviews.set(m.ip, m.at);
    for (const l of this.listeners) l(m);
  }

  /** Calls fn with every reported event (after recording it) until it returns true. */
  on(fn: (m: ChildMessage) => boolean): void {
    const l = (m: ChildMessage) => {
      if (fn(m)) this.listeners.delete(l);
    };
    this.listeners.add(l);
  }

  private sample() {
    const pid = this.child.pid!;
    this.phasePeakKb = Math.max(this.phasePeakKb, procStatusKb(pid, 'VmRSS') ?? 0);
    this.hwmKb = Math.max(this.hwmKb, procStatusKb(pid, 'VmHWM') ?? 0);
  }

  rssMb(): number {
    return Math.round((procStatusKb(this.child.pid!, 'VmRSS') ?? 0) / MB);
  }

  /** The highest sampled RSS since the last call (or since start), in MB; starts a new phase. */
  phasePeakMb(): number {
    this.sample();
    const v = this.phasePeakKb;
    this.phasePeakKb = 0;
    return Math.round(v / MB);
  }

  /** The kernel's peak RSS of the process over its whole life (VmHWM), in MB. */
  peakMb(): number {
    this.sample();
    return Math.round(this.hwmKb / MB);
  }

  /** Entries left on the worker's in-memory firewall. */
  async firewallSize(): Promise<number> {
    return new Promise((resolve) => {
      const h = (m: ChildMessage) => {
        if (m.t === 'firewall') {
          this.child.off('message', h);
          resolve(m.size);
        }
      };
      this.child.on('message', h);
      this.child.send({ t: 'firewall?' } satisfies ParentMessage);
    });
  }

  async stop(): Promise<void> {
    this.sample();
    if (this.sampler) clearInterval(this.sampler);
    if (this.child.exitCode === null) {
      this.child.send({ t: 'stop' } satisfies ParentMessage);
      const killer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
      await this.exited;
      clearTimeout(killer);
    }
  }
}
