// The Temporal server a benchmark runs against: the embedded dev server exactly as `palisade start` runs it (a SQLite
// file, the configured pragmas, Palisade's search attributes), or any server given with --address.
import { mkdtempSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../runtime/config';
import { createLogger } from '../../runtime/logger';
import { startTemporal, type TemporalHandle } from '../../runtime/temporal';
import { DEV_SERVER_SQLITE_ARGS, TEMPORAL_CLI_VERSION } from '../../runtime/temporal-servers';

export interface ServerInfo {
  address: string;
  namespace: string;
  kind: 'embedded-dev-server' | 'external';
  /** The server's own version (GetSystemInfo). */
  version: string;
  /** Persistence and visibility stores as the server reports them (GetClusterInfo), when it does. */
  persistence?: string;
  visibility?: string;
  /** Extra dev-server arguments (the SQLite pragmas), embedded only. */
  devServerArgs?: string[];
  cliVersion?: string;
}

export interface BenchServer {
  temporal: TemporalHandle;
  /** A fresh directory for the run's data (the embedded server's SQLite file, the worker's state). */
  dataDir: string;
  info: ServerInfo;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const open = new Set<BenchServer>();

/** Stops every server still open (a benchmark that fails must not leave a dev server running). */
export async function stopOpenServers(): Promise<void> {
  await Promise.all([...open].map((s) => s.stop().catch(() => undefined)));
}

export async function openServer(opts: { address?: string; namespace: string }): Promise<BenchServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'palisade-bench-'));
  const config = loadConfig({
    env: {}, file: '/dev/null',
    overrides: {
      dataDir, logLevel: 'warn',
      temporal: {
        namespace: opts.namespace,
        ...(opts.address ? { address: opts.address } : { embedded: { port: await freePort(), uiPort: await freePort() } }),
      },
    },
  });
  const temporal = await startTemporal(config, createLogger(config));
  const ws = temporal.client.workflowService;
  const system = await ws.getSystemInfo({});
  const cluster = await ws.getClusterInfo({}).catch(() => undefined);
  const info: ServerInfo = {
    address: temporal.address,
    namespace: opts.namespace,
    kind: temporal.embedded ? 'embedded-dev-server' : 'external',
    version: system.serverVersion || cluster?.serverVersion || 'unknown',
    ...(cluster?.persistenceStore ? { persistence: cluster.persistenceStore } : {}),
    ...(cluster?.visibilityStore ? { visibility: cluster.visibilityStore } : {}),
    ...(temporal.embedded ? { devServerArgs: [...DEV_SERVER_SQLITE_ARGS], cliVersion: TEMPORAL_CLI_VERSION } : {}),
  };
  const server: BenchServer = {
    temporal, info, dataDir,
    stop: async () => {
      if (open.delete(server)) await temporal.stop();
    },
  };
  open.add(server);
  return server;
}

export function describeServer(s: ServerInfo): string {
  const stores = s.persistence ? `, ${s.persistence}${s.visibility && s.visibility !== s.persistence ? ` / ${s.visibility}` : ''}` : '';
  const kind = s.kind === 'embedded-dev-server' ? `embedded dev server (Temporal CLI ${s.cliVersion}, ${s.devServerArgs?.join(' ') || 'no extra args'})` : 'external server';
  return `${kind}, server ${s.version}${stores}, ${s.address}, namespace ${s.namespace}`;
}

export function machine() {
  return {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model?.trim() ?? 'unknown',
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
  };
}
