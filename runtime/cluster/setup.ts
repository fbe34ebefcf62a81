// After the server answers: the namespace and Palisade's search attributes (the same registration `palisade start`
// does against any cluster, runtime/temporal.ts), each idempotent.
import { Client, Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { readFileSync } from 'node:fs';
import { ALL_SEARCH_ATTRIBUTES } from '../../domain/search-attributes';
import { registerSearchAttributes } from '../temporal';
import { ProvisioningError } from '../temporal-servers';

type Say = (line: string) => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GRPC_ALREADY_EXISTS = 6;

/** Waits until the frontend serves requests; fails early with the log's tail if the server process dies. */
export async function waitForFrontend(address: string, pid: number, logFile: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      throw new ProvisioningError(`the Temporal server exited during start-up; the end of ${logFile}:\n${tail(logFile)}`);
    }
    let connection: Connection | undefined;
    try {
      connection = await Connection.connect({ address, connectTimeout: '2 seconds' });
      await connection.workflowService.getSystemInfo({});
      return;
    } catch (err) {
      last = (err as Error).message.split('\n')[0]!;
    } finally {
      await connection?.close().catch(() => undefined);
    }
    await sleep(500);
  }
  throw new ProvisioningError(`the Temporal server did not answer on ${address} within ${timeoutMs / 1000} s (${last}); the end of ${logFile}:\n${tail(logFile)}`);
}

function tail(file: string) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-25).join('\n');
  } catch {
    return '(no log)';
  }
}

export async function ensureNamespace(address: string, namespace: string, retentionDays: number, say: Say, timeoutMs = 90_000): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    try {
      await connection.workflowService.registerNamespace({
        namespace, workflowExecutionRetentionPeriod: msToTs(`${retentionDays} days`),
        description: 'Palisade (created by palisade cluster start)',
      });
      say(`namespace ${namespace}: created (retention ${retentionDays} days)`);
    } catch (err) {
      if ((err as { code?: number }).code !== GRPC_ALREADY_EXISTS) throw err;
      say(`namespace ${namespace}: exists`);
    }
    // A new namespace reaches every service through the namespace cache, a few seconds later: retry until the
    // search attributes are in place (they need the namespace), then check that every one is there.
    const client = new Client({ connection, namespace });
    const deadline = Date.now() + timeoutMs;
    let missing: string[] = ALL_SEARCH_ATTRIBUTES.map((a) => a.name);
    while (Date.now() < deadline) {
      await registerSearchAttributes(client, namespace, { info: () => undefined, warn: () => undefined });
      missing = await missingSearchAttributes(connection, namespace);
      if (missing.length === 0) break;
      await sleep(1000);
    }
    if (missing.length > 0) throw new ProvisioningError(`search attributes ${missing.join(', ')} could not be registered in namespace ${namespace}`);
    say(`namespace ${namespace}: search attributes ${ALL_SEARCH_ATTRIBUTES.map((a) => a.name).join(', ')} registered`);
  } finally {
    await connection.close();
  }
}

async function missingSearchAttributes(connection: Connection, namespace: string): Promise<string[]> {
  try {
    const existing = await connection.operatorService.listSearchAttributes({ namespace });
    const have = new Set(Object.keys(existing.customAttributes ?? {}));
    return ALL_SEARCH_ATTRIBUTES.map((a) => a.name).filter((n) => !have.has(n));
  } catch {
    return ALL_SEARCH_ATTRIBUTES.map((a) => a.name);
  }
}
