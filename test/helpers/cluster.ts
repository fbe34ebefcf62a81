// The compose topology as processes on one machine, for the [cluster] tests and `npm run chaos`: a `palisade cluster`
// started through the real CLI, and `palisade start --role …` processes (bin/palisade.js) against it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import YAML from 'yaml';
import { allPorts, clusterPorts } from '../../domain/cluster';
import { PALISADE_BIN, runCli } from './run-cli';

const ROOT = path.resolve(__dirname, '../..');

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A frontend port whose whole derived range (clusterPorts) is free on loopback now. */
export async function freeClusterPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below MAX_FRONTEND_PORT (membership ports are a smallint in the server's schema).
    const candidate = 20_000 + 1000 * Math.floor(Math.random() * 12) + 10 * Math.floor(Math.random() * 60);
    const free = await Promise.all(allPorts(clusterPorts(candidate)).map(portFree));
    if (free.every(Boolean)) return candidate;
  }
  throw new Error('no free port range for a cluster');
}

export async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

export interface TestCluster {
  dir: string;
  address: string;
  namespace: string;
  port: number;
  /** What `palisade cluster start` printed (its step-by-step account). */
  startOutput: string;
  cli(args: string[]): ReturnType<typeof runCli>;
  stop(): Promise<void>;
}

/** `palisade cluster start` through the real CLI; fails with its output if it exits non-zero. */
export async function startTestCluster(dir: string, opts: { shards?: number; namespace?: string } = {}): Promise<TestCluster> {
  const port = await freeClusterPort();
  const namespace = opts.namespace ?? 'palisade';
  const cli = (args: string[]) => runCli([...args, '--dir', dir], { cwd: ROOT, env: { ...process.env } });
  const r = await cli(['cluster', 'start', '--port', String(port), '--shards', String(opts.shards ?? 2), '--namespace', namespace]);
  if (r.code !== 0) throw new Error(`palisade cluster start exited ${r.code}:\n${r.stdout}\n${r.stderr}`);
  return {
    dir, port, namespace, address: `127.0.0.1:${port}`, startOutput: r.stdout, cli,
    async stop() {
      const s = await cli(['cluster', 'stop']);
      if (s.code !== 0) throw new Error(`palisade cluster stop exited ${s.code}: ${s.stderr}`);
    },
  };
}

export type Role = 'api' | 'worker' | 'enforce-worker';

export interface RoleProcess {
  role: Role;
  name: string;
  child: ChildProcess;
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Writes a Palisade configuration file for the topology. */
export async function writeConfig(file: string, config: Record<string, unknown>): Promise<string> {
  // Several worker processes share this file on one machine: each serves its /metrics on a free port.
  const workers = { metricsPort: 0, ...(config.workers as Record<string, unknown> | undefined) };
  await fs.writeFile(file, YAML.stringify({ ...config, workers }));
  return file;
}

/**
 * `palisade start --role <role>` in its own process, output in <logDir>/<name>.log; resolves once it says it runs.
 * The child is in its own process group, so a SIGKILL takes its whole tree (as a container runtime would).
 */
export function startRole(role: Role, name: string, opts: { configFile: string; env: NodeJS.ProcessEnv; logDir: string; timeoutMs?: number }): Promise<RoleProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PALISADE_BIN, 'start', '--role', role, '--config', opts.configFile], {
      cwd: ROOT, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    });
    const log = createWriteStream(path.join(opts.logDir, `${name}.log`), { flags: 'a' });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    let out = '';
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const timer = setTimeout(() => reject(new Error(`${name} did not start within ${(opts.timeoutMs ?? 180_000) / 1000} s`)), opts.timeoutMs ?? 180_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Palisade is running')) {
        clearTimeout(timer);
        resolve(proc);
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before it ran; see ${path.join(opts.logDir, `${name}.log`)}`));
    });
    const proc: RoleProcess = {
      role, name, child, exited,
      async kill(signal: NodeJS.Signals = 'SIGKILL') {
        if (child.exitCode !== null || child.signalCode !== null) return;
        try {
          process.kill(-child.pid!, signal);
        } catch {
          return;
        }
        await exited;
      },
    };
  });
}
