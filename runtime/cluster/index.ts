// `palisade cluster`: a local, production-shaped Temporal (the real server on PostgreSQL, as temporal-compose.yml
// deploys it) in one directory:
//   <dir>/postgres/        private PostgreSQL cluster (initdb), loopback only
//   <dir>/config/          the server's configuration, rendered on every start (domain/cluster.ts)
//   <dir>/logs/server.log  the server's output;  <dir>/server.pid;  <dir>/cluster.json (shards, namespaces)
// Start is idempotent (it brings whatever is missing up: build, initdb, databases, schema upgrades, namespace,
// search attributes) and says what it does at each step; stop ends the server, then PostgreSQL.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import {
  clusterOptionsSchema, clusterPorts, clusterStateSchema, incompatibility, serverConfig, TEMPORAL_SERVER_VERSION,
  type ClusterOptions, type ClusterPorts, type ClusterState,
} from '../../domain/cluster';
import { ProvisioningError } from '../temporal-servers';
import { resolveClusterBinaries, type ClusterBinaries } from './binaries';
import { postgresCluster } from './postgres';
import { applySchemas } from './schema';
import { ensureNamespace, waitForFrontend } from './setup';

export type Say = (line: string) => void;

/** Compose's dynamic configuration: the local cluster runs with exactly what the deployment runs with. */
export const DYNAMIC_CONFIG = path.resolve(__dirname, '../../config/compose/dynamicconfig/development-sql.yaml');

export interface ClusterInfo {
  dir: string;
  address: string;
  namespace: string;
  ports: ClusterPorts;
  shards: number;
  serverPid: number;
}

const files = (dir: string) => ({
  state: path.join(dir, 'cluster.json'),
  pid: path.join(dir, 'server.pid'),
  log: path.join(dir, 'logs', 'server.log'),
  configDir: path.join(dir, 'config'),
  postgres: path.join(dir, 'postgres'),
});

interface SavedState extends ClusterState {
  port?: number;
}

async function readState(dir: string): Promise<SavedState | undefined> {
  try {
    const raw = JSON.parse(await fs.readFile(files(dir).state, 'utf8'));
    return { ...clusterStateSchema.parse(raw), port: typeof raw.port === 'number' ? raw.port : undefined };
  } catch {
    return undefined;
  }
}

/** Provisions (when needed) and starts the cluster; resolves once the namespace and search attributes are ready. */
export async function startCluster(dir: string, input: Partial<ClusterOptions>, say: Say): Promise<ClusterInfo> {
  const opts = clusterOptionsSchema.parse(input);
  dir = path.resolve(dir);
  const f = files(dir);
  const ports = clusterPorts(opts.port);
  const previous = await readState(dir);
  if (previous) {
    const why = incompatibility(previous, opts);
    if (why) throw new ProvisioningError(why);
  }
  await fs.mkdir(path.dirname(f.log), { recursive: true });
  // PostgreSQL runs as another user (when we are root) and must traverse the cluster directory to its data.
  await fs.chmod(dir, 0o755);

  say(`Temporal server v${TEMPORAL_SERVER_VERSION}: resolving the server and SQL tool binaries`);
  const bin = await resolveClusterBinaries((line) => say(`  ${line}`));
  say(`  server ${bin.server} (${bin.via})`);

  const pgc = postgresCluster(f.postgres, ports.postgres);
  say(`PostgreSQL: ${(await pgc.init()) ? 'created a private cluster' : 'using the existing cluster'} in ${f.postgres}`);
  await pgc.start();
  say(`PostgreSQL: running on 127.0.0.1:${ports.postgres} (log ${pgc.logFile})`);

  await applySchemas(bin, ports.postgres, say);
  const state: SavedState = { version: TEMPORAL_SERVER_VERSION, shards: opts.shards, namespaces: previous?.namespaces ?? [], port: opts.port };
  await fs.writeFile(f.state, `${JSON.stringify(state, null, 2)}\n`);

  const serverPid = await startServer(dir, bin, ports, opts.shards, say);
  const address = `127.0.0.1:${ports.frontend}`;
  await ensureNamespace(address, opts.namespace, opts.retentionDays, say);
  if (!state.namespaces.includes(opts.namespace)) {
    state.namespaces.push(opts.namespace);
    await fs.writeFile(f.state, `${JSON.stringify(state, null, 2)}\n`);
  }
  say(`Temporal cluster ready: TEMPORAL_ADDRESS=${address} TEMPORAL_NAMESPACE=${opts.namespace} (${opts.shards} history shards)`);
  return { dir, address, namespace: opts.namespace, ports, shards: opts.shards, serverPid };
}

/** Starts the server process alone (PostgreSQL and schemas ready), detached so it outlives this command. */
export async function startServer(dir: string, bin: ClusterBinaries, ports: ClusterPorts, shards: number, say: Say): Promise<number> {
  const f = files(dir);
  const running = serverPid(dir);
  if (running) {
    say(`Temporal server: already running (pid ${running})`);
    await waitForFrontend(`127.0.0.1:${ports.frontend}`, running, f.log);
    return running;
  }
  await fs.mkdir(path.join(f.configDir, 'dynamicconfig'), { recursive: true });
  await fs.copyFile(DYNAMIC_CONFIG, path.join(f.configDir, 'dynamicconfig', 'palisade.yaml'));
  const config = serverConfig({ ports, shards, dynamicConfigFile: path.join(f.configDir, 'dynamicconfig', 'palisade.yaml') });
  await fs.writeFile(path.join(f.configDir, 'palisade.yaml'), YAML.stringify(config));
  const log = openSync(f.log, 'a');
  const child = spawn(bin.server, ['--root', dir, '--config', 'config', '--env', 'palisade', '--allow-no-auth', 'start'], {
    cwd: dir, detached: true, stdio: ['ignore', log, log],
  });
  closeSync(log);
  if (!child.pid) throw new ProvisioningError(`could not start ${bin.server}`);
  child.unref();
  await fs.writeFile(f.pid, `${child.pid}\n`);
  say(`Temporal server: started (pid ${child.pid}, frontend 127.0.0.1:${ports.frontend}, log ${f.log}); waiting for it to answer`);
  await waitForFrontend(`127.0.0.1:${ports.frontend}`, child.pid, f.log);
  return child.pid;
}

/** The server's pid when the process in server.pid is alive and is the Temporal server. */
export function serverPid(dir: string): number | undefined {
  const f = files(dir);
  if (!existsSync(f.pid)) return undefined;
  const pid = Number(readFileSync(f.pid, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    // A recycled pid must not be taken for our server.
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.includes('temporal-server') || cmdline.includes(`--root\0${dir}`) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Stops the server (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopServer(dir: string, say: Say, graceMs = 30_000): Promise<void> {
  const pid = serverPid(path.resolve(dir));
  if (!pid) {
    say('Temporal server: not running');
    return;
  }
  say(`Temporal server: stopping (pid ${pid})`);
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && isAlive(pid)) await sleep(200);
  if (isAlive(pid)) {
    say(`Temporal server: still running after ${graceMs / 1000} s; killing it`);
    process.kill(pid, 'SIGKILL');
    while (isAlive(pid)) await sleep(100);
  }
  await fs.rm(files(path.resolve(dir)).pid, { force: true });
  say('Temporal server: stopped');
}

/** Stops the server, then PostgreSQL. Safe when either is already stopped. */
export async function stopCluster(dir: string, say: Say): Promise<void> {
  dir = path.resolve(dir);
  const state = await readState(dir);
  if (!state) throw new ProvisioningError(`${dir} is not a palisade cluster directory (no cluster.json)`);
  await stopServer(dir, say);
  const pgc = postgresCluster(files(dir).postgres, clusterPorts(state.port ?? 7233).postgres);
  if (await pgc.isRunning()) {
    say('PostgreSQL: stopping');
    await pgc.stop();
  }
  say('PostgreSQL: stopped');
}

export interface ClusterStatus {
  dir: string;
  exists: boolean;
  server: { running: boolean; pid?: number };
  postgres: { running: boolean; port?: number };
  address?: string;
  shards?: number;
  namespaces: string[];
}

export async function clusterStatus(dir: string): Promise<ClusterStatus> {
  dir = path.resolve(dir);
  const state = await readState(dir);
  if (!state) return { dir, exists: false, server: { running: false }, postgres: { running: false }, namespaces: [] };
  const ports = clusterPorts(state.port ?? 7233);
  const pid = serverPid(dir);
  const pgRunning = await postgresCluster(files(dir).postgres, ports.postgres).isRunning();
  return {
    dir, exists: true, server: { running: Boolean(pid), pid }, postgres: { running: pgRunning, port: ports.postgres },
    address: `127.0.0.1:${ports.frontend}`, shards: state.shards, namespaces: state.namespaces,
  };
}

/** Whether the process is running (a zombie counts as exited). */
export function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    // A zombie (exited, not yet reaped by us as its parent) is gone for our purposes.
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
