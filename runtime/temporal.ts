// Connects to Temporal: an existing cluster when `temporal.address` (or TEMPORAL_ADDRESS) is set, otherwise the
// embedded dev server (Temporal CLI) with a SQLite file under dataDir and the Web UI. Registers search attributes.
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection, type NativeConnectionOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import type { PalisadeConfig } from '../domain/config';
import { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
import { ALL_SEARCH_ATTRIBUTES } from '../domain/search-attributes';
import { temporalUiBase } from '../domain/temporal-ui';
import { readSecret } from './secrets';
import { DEV_SERVER_SQLITE_ARGS, resolveTemporalServer } from './temporal-servers';

export interface TemporalHandle {
  client: Client;
  connection: NativeConnection;
  address: string;
  namespace: string;
  /** Base URL of the Temporal Web UI (embedded, or `temporal.uiUrl`). */
  uiUrl?: string;
  embedded: boolean;
  stop(): Promise<void>;
}

async function connectionOptions(config: PalisadeConfig): Promise<Pick<ConnectionOptions, 'tls' | 'apiKey'>> {
  const t = config.temporal;
  const apiKey = await readSecret(t.apiKey);
  const read = (p?: string) => (p ? readFileSync(p) : undefined);
  const tls = t.tls.enabled || apiKey
    ? {
        serverNameOverride: t.tls.serverName,
        serverRootCACertificate: read(t.tls.caFile),
        clientCertPair: t.tls.certFile && t.tls.keyFile ? { crt: read(t.tls.certFile)!, key: read(t.tls.keyFile)! } : undefined,
      }
    : undefined;
  return { tls, apiKey };
}

export async function startTemporal(config: PalisadeConfig, logger: Logger): Promise<TemporalHandle> {
  const t = config.temporal;
  let env: TestWorkflowEnvironment | undefined;
  let address = t.address;
  if (!address) {
    await fs.mkdir(config.dataDir, { recursive: true });
    const dbFilename = path.isAbsolute(t.embedded.dbFile) ? t.embedded.dbFile : path.join(config.dataDir, t.embedded.dbFile);
    const { executable, via } = await resolveTemporalServer('cli', (line) => logger.info(line));
    logger.info({ dbFilename, via }, 'starting the embedded Temporal dev server');
    env = await TestWorkflowEnvironment.createLocal({
      server: {
        executable, dbFilename, ip: t.embedded.ip, port: t.embedded.port, ui: true, uiPort: t.embedded.uiPort,
        namespace: t.namespace, searchAttributes: ALL_SEARCH_ATTRIBUTES, extraArgs: [...DEV_SERVER_SQLITE_ARGS],
      },
    });
    address = env.address;
  }
  const uiUrl = temporalUiBase(t);
  const opts = await connectionOptions(config);
  const connection = await NativeConnection.connect({ address, ...(opts as Partial<NativeConnectionOptions>) });
  const clientConnection = await Connection.connect({ address, ...opts });
  const client = new Client({ connection: clientConnection, namespace: t.namespace });
  if (!env) await registerSearchAttributes(client, t.namespace, logger);
  return {
    client, connection, address, namespace: t.namespace, uiUrl, embedded: Boolean(env),
    async stop() {
      await clientConnection.close().catch(() => undefined);
      await connection.close().catch(() => undefined);
      await env?.teardown();
    },
  };
}

/** Idempotent: adds the search attributes an existing cluster does not have yet. */
export async function registerSearchAttributes(client: Client, namespace: string, logger?: Pick<Logger, 'info' | 'warn'>) {
  let have = new Set<string>();
  try {
    const existing = await client.connection.operatorService.listSearchAttributes({ namespace });
    have = new Set(Object.keys(existing.customAttributes ?? {}));
  } catch {
    // The Java test server implements only AddSearchAttributes: add them all.
  }
  const missing = ALL_SEARCH_ATTRIBUTES.filter((k) => !have.has(k.name));
  if (missing.length === 0) return;
  try {
    await client.connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((k) => [k.name, encodeSearchAttributeIndexedValueType(k.type)!])),
    });
    logger?.info({ added: missing.map((k) => k.name) }, 'registered Palisade search attributes');
  } catch (err) {
    // Temporal Cloud registers search attributes through its control plane, not the operator service.
    logger?.warn({ err: (err as Error).message, missing: missing.map((k) => k.name) }, 'could not register search attributes; add them to the namespace');
  }
}
