// What a chaos run runs against: a Temporal server that can be restarted (the dev server with its SQLite file, or
// `palisade cluster`), Palisade split into role processes (test/helpers/cluster.ts), and one pfSense REST fake that
// every process shares and that can be taken off the network and brought back on the same port.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { clusterPorts } from '../../domain/cluster';
import { resolveClusterBinaries } from '../../runtime/cluster/binaries';
import { startCluster, startServer, stopCluster, stopServer } from '../../runtime/cluster';
import { waitForFrontend } from '../../runtime/cluster/setup';
import { Client, Connection } from '@temporalio/client';
import { registerSearchAttributes } from '../../runtime/temporal';
import { DEV_SERVER_SQLITE_ARGS, resolveTemporalServer } from '../../runtime/temporal-servers';
import { aliasBlockRule, FakePfRest } from '../../test/fakes/pfsense-rest';
import { freeClusterPort, freePort, startRole, writeConfig, type Role, type RoleProcess } from '../../test/helpers/cluster';

export type TargetKind = 'dev' | 'cluster';
export const NAMESPACE = 'palisade';
export const ALIAS = 'PALISADE_BLOCK';
export const OPERATOR_ENTRY = '198.51.100.7/32';
const SECRETS = { PALISADE_CONTROL_TOKEN: 'chaos-control-token-0123456789abcdef0123', PFSENSE_API_KEY: 'chaos-pf-key' };

export interface TemporalTarget {
  kind: TargetKind;
  address: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

const quiet = () => undefined;

async function devTarget(dir: string): Promise<TemporalTarget> {
  const { path: cli } = await resolveTemporalServer('cli');
  if (!cli) throw new Error('the chaos harness needs the Temporal CLI on disk (npm run provision)');
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless', '--namespace', NAMESPACE,
    '--db-filename', path.join(dir, 'temporal.sqlite'), '--log-level', 'error', ...DEV_SERVER_SQLITE_ARGS];
  let child: ChildProcess;
  const start = async () => {
    child = spawn(cli, args, { stdio: 'ignore' });
    const c = child;
    process.once('exit', () => c.kill('SIGKILL'));
    await waitForFrontend(address, child.pid!, path.join(dir, 'dev-server.log'));
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  await start();
  const connection = await Connection.connect({ address });
  await registerSearchAttributes(new Client({ connection, namespace: NAMESPACE }), NAMESPACE);
  await connection.close();
  return { kind: 'dev', address, restart: async () => { await stop(); await start(); }, stop };
}

async function clusterTarget(dir: string): Promise<TemporalTarget> {
  const port = await freeClusterPort();
  const info = await startCluster(dir, { port, shards: 4, namespace: NAMESPACE }, quiet);
  const bin = await resolveClusterBinaries(quiet);
  return {
    kind: 'cluster', address: info.address,
    async restart() {
      await stopServer(dir, quiet);
      await startServer(dir, bin, clusterPorts(port), 4, quiet);
    },
    stop: () => stopCluster(dir, quiet),
  };
}

export interface Topology {
  target: TemporalTarget;
  firewall: FakePfRest;
  firewallPort: number;
  apiUrl: string;
  accessLog: string;
  /** Running role processes by name; a killed one is replaced under the same name. */
  procs: Map<string, RoleProcess>;
  startRole(role: Role, name: string): Promise<RoleProcess>;
  /** Firewall off the network (connection refused) / back on the same port. */
  firewallDown(): Promise<void>;
  firewallUp(): Promise<void>;
  reconcileEveryMs: number;
  api(method: string, p: string, body?: unknown): Promise<{ status: number; json: any }>;
  stop(): Promise<void>;
}

export interface TopologyOptions {
  /** Auto blocks last this long (the first rung of the ladder). */
  autoBlockHours: number;
  reconcileMinutes: number;
}

export async function startTopology(kind: TargetKind, dir: string, opts: TopologyOptions, log: (line: string) => void): Promise<Topology> {
  await mkdir(path.join(dir, 'logs'), { recursive: true });
  log(`${kind}: starting Temporal`);
  const target = kind === 'dev' ? await devTarget(dir) : await clusterTarget(path.join(dir, 'cluster'));
  const firewall = new FakePfRest({ rules: [aliasBlockRule(ALIAS)], apiKey: SECRETS.PFSENSE_API_KEY, applyPolls: 1 });
  firewall.aliases = [{ name: ALIAS, type: 'network', descr: 'Palisade blocks', address: [OPERATOR_ENTRY], detail: ['operator entry'] }];
  const firewallPort = await firewall.start();
  const apiPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const accessLog = path.join(dir, 'access.log');
  const configFile = await writeConfig(path.join(dir, 'palisade.yaml'), {
    dataDir: path.join(dir, 'data'),
    logLevel: 'warn',
    temporal: { address: target.address, namespace: NAMESPACE },
    policy: {
      mode: 'auto', dryRun: false, verifySettleSeconds: 1,
      durations: { minHours: 0.001, maxHours: opts.autoBlockHours, ladderHours: [opts.autoBlockHours] },
      // The cap on unattended actions would hold most auto blocks back; chaos is about durability, not the cap.
      governor: { maxUnattendedActions: 100_000, windowMinutes: 60 },
    },
    enforcement: {
      enforcer: 'pfsense',
      pfsense: { host: '127.0.0.1', transports: ['rest'], alias: ALIAS, batchWindowMs: 100, timeoutSeconds: 5, rest: { scheme: 'http', port: firewallPort, apiKey: { env: 'PFSENSE_API_KEY' } } },
      reconcile: { enabled: true, intervalMinutes: opts.reconcileMinutes, removeOrphans: false },
    },
    detection: { accessLog: { file: accessLog }, scanEveryMinutes: 0.1 },
    api: { host: '127.0.0.1', port: apiPort, publicUrl: apiUrl },
  });
  const procs = new Map<string, RoleProcess>();
  // The role processes have their own process groups (so a SIGKILL takes a whole tree): never leave them behind.
  process.once('exit', () => {
    for (const p of procs.values()) {
      try {
        process.kill(-p.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
  const startOne = async (role: Role, name: string) => {
    const p = await startRole(role, name, { configFile, logDir: path.join(dir, 'logs'), env: SECRETS, timeoutMs: 300_000 });
    procs.set(name, p);
    return p;
  };
  log(`${kind}: starting the API, two workers and the enforcement worker`);
  try {
    await Promise.all([startOne('worker', 'worker-1'), startOne('worker', 'worker-2'), startOne('enforce-worker', 'enforce'), startOne('api', 'api')]);
  } catch (err) {
    // Leave nothing running behind a failed start (the cluster's PostgreSQL and server especially).
    await Promise.all([...procs.values()].map((p) => p.kill('SIGTERM').catch(() => undefined)));
    await firewall.close().catch(() => undefined);
    await target.stop().catch(() => undefined);
    throw err;
  }
  const api = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${p}`, {
      method, headers: { authorization: `Bearer ${SECRETS.PALISADE_CONTROL_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(60_000),
    });
    return { status: res.status, json: await res.json().catch(() => ({})) };
  };
  return {
    target, firewall, firewallPort, apiUrl, accessLog, procs, api, startRole: startOne,
    reconcileEveryMs: opts.reconcileMinutes * 60_000,
    firewallDown: () => firewall.close(),
    firewallUp: async () => void (await firewall.start(firewallPort)),
    async stop() {
      await Promise.all([...procs.values()].map((p) => p.kill('SIGTERM').catch(() => undefined)));
      await firewall.close().catch(() => undefined);
      await target.stop().catch(() => undefined);
    },
  };
}
