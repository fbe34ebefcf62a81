// What every command shares: global options, configuration loading, the Temporal client, errors and exit codes.
import { Client, Connection } from '@temporalio/client';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { Command } from 'commander';
import type { PalisadeConfig } from '../domain/config';
import { ConfigError, loadConfig, type DeepPartial } from '../runtime/config';
import { OperatorActionError } from '../runtime/operator-actions';
import { readSecret } from '../runtime/secrets';

export interface GlobalOptions {
  config?: string;
  address?: string;
  namespace?: string;
  debug?: boolean;
}

/** Exit codes: 1 unexpected, 2 bad input or configuration, 3 not found, 4 refused in this state, 5 Temporal unavailable. */
export const EXIT = { error: 1, usage: 2, notFound: 3, invalidState: 4, unavailable: 5 } as const;

export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.error) {
    super(message);
    this.name = 'CliError';
  }
}

/** Exit with this code and print nothing: what went wrong was already said (by the relaunched `palisade start`). */
export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export const globals = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions>();

/** Loads the configuration with the global --config/--address/--namespace flags applied on top. */
export function loadCliConfig(g: GlobalOptions, overrides: DeepPartial<PalisadeConfig> = {}): PalisadeConfig {
  const temporal: DeepPartial<PalisadeConfig['temporal']> = { ...(overrides.temporal ?? {}) };
  if (g.address) temporal.address = g.address;
  if (g.namespace) temporal.namespace = g.namespace;
  return loadConfig({ file: g.config, overrides: { ...overrides, temporal } });
}

/** Where a client should connect: the configured cluster, else the embedded dev server `palisade start` runs. */
export function clientAddress(config: PalisadeConfig): string {
  const e = config.temporal.embedded;
  return config.temporal.address ?? `${e.ip.includes(':') ? `[${e.ip}]` : e.ip}:${e.port}`;
}

export interface Connected {
  client: Client;
  config: PalisadeConfig;
  address: string;
  close(): Promise<void>;
}

/** Connects a Temporal client for one command (no workers, no embedded server). */
export async function connect(g: GlobalOptions): Promise<Connected> {
  const config = loadCliConfig(g);
  const address = clientAddress(config);
  const t = config.temporal;
  const apiKey = await readSecret(t.apiKey);
  const file = (p?: string) => (p ? readFileSync(p) : undefined);
  let connection: Connection;
  try {
    connection = await Connection.connect({
      address,
      connectTimeout: '5 seconds',
      apiKey,
      tls: t.tls.enabled || apiKey
        ? {
            serverNameOverride: t.tls.serverName,
            serverRootCACertificate: file(t.tls.caFile),
            clientCertPair: t.tls.certFile && t.tls.keyFile ? { crt: file(t.tls.certFile)!, key: file(t.tls.keyFile)! } : undefined,
          }
        : undefined,
    });
  } catch (err) {
    const hint = t.address ? '' : ' (no temporal.address is configured, so this is the embedded server: is `palisade start` running?)';
    throw new CliError(`cannot reach Temporal at ${address}${hint}: ${(err as Error).message.split('\n')[0]}`, EXIT.unavailable);
  }
  const client = new Client({ connection, namespace: t.namespace });
  return { client, config, address, close: () => connection.close() };
}

/** Runs `fn` with a connected client and always closes the connection. */
export async function withClient<T>(g: GlobalOptions, fn: (c: Connected) => Promise<T>): Promise<T> {
  const c = await connect(g);
  try {
    return await fn(c);
  } finally {
    await c.close().catch(() => undefined);
  }
}

/** Maps any error to a message and an exit code; stack traces only with --debug. */
export function reportError(err: unknown, debug: boolean): number {
  let code: number = EXIT.error;
  let message: string;
  if (err instanceof CliExit) return err.exitCode;
  if (err instanceof CliError) {
    code = err.exitCode;
    message = err.message;
  } else if (err instanceof ConfigError) {
    code = EXIT.usage;
    message = err.message;
  } else if (err instanceof OperatorActionError) {
    code = { invalid_input: EXIT.usage, not_found: EXIT.notFound, invalid_state: EXIT.invalidState, unavailable: EXIT.unavailable }[err.code];
    message = err.message;
  } else {
    message = err instanceof Error ? err.message : String(err);
  }
  process.stderr.write(`palisade: ${message}\n`);
  if (debug && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return code;
}

export const printJson = (v: unknown): void => void process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);

/** Parses a positive number of hours from a flag. */
export function parseHours(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`not a positive number of hours: ${JSON.stringify(v)}`, EXIT.usage);
  return n;
}

/** The --operator option of every command that acts: who acts, recorded in the history (default: the login name). */
export function operatorOption(c: Command, who = 'who acts'): Command {
  return c.option('--operator <name>', `${who} (recorded in the audit trail; default: your login name)`);
}

/** --operator, else the login name: over SSH that is who is deciding (recorded as the approver). */
export function operatorName(given: string | undefined): string {
  if (given !== undefined) return given;
  let login = process.env.USER || process.env.LOGNAME;
  try {
    login ||= os.userInfo().username;
  } catch {
    // no passwd entry (some containers)
  }
  if (!login) throw new CliError('name who decides with --operator (no login name is known)', EXIT.usage);
  return login;
}
