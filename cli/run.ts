// Runs the parts of Palisade for one `palisade start --role` (see cli/commands/start.ts), and stops them in order.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { createApiServer, type RunningApiServer } from '../api/server';
import { loadApiSecrets } from '../api/secrets';
import { startDiscordBot, type DiscordBot } from '../api/discord/bot';
import { discordNotifiersFromConfig } from '../api/discord/notifiers';
import type { PalisadeConfig } from '../domain/config';
import { createLogger } from '../runtime/logger';
import { collectProcessMetrics, installTemporalMetrics, serveMetrics, type MetricsServer } from '../runtime/metrics';
import { ensureSchedules } from '../runtime/schedules';
import { startTemporal, type TemporalHandle } from '../runtime/temporal';
import { createWorkers, type Workers } from '../workers';
import type { StartRole } from './commands/start';
import { CliError, EXIT } from './context';
import { RELAUNCHED_ENV } from './relaunch';

/** Reads the locally generated control token, creating it (mode 0600) on first start. */
async function localControlToken(file: string): Promise<string> {
  try {
    const existing = (await fs.readFile(file, 'utf8')).trim();
    if (existing.length >= 32) return existing;
  } catch {
    // first start
  }
  await fs.mkdir(path.dirname(file), { recursive: true });
  const token = randomBytes(32).toString('hex');
  await fs.writeFile(file, `${token}\n`, { mode: 0o600 });
  return token;
}

/** Signals this close together are one signal delivered twice (cli/relaunch.ts). */
const DUPLICATE_SIGNAL_MS = 1_000;

/** Starts the parts of `role`, then waits for SIGINT/SIGTERM (or a fatal worker error) and stops them in order. */
export async function runPalisade(config: PalisadeConfig, role: StartRole): Promise<void> {
  if (role !== 'all' && !config.temporal.address) {
    throw new CliError(`--role ${role} is part of a split deployment and needs a shared cluster: set temporal.address or TEMPORAL_ADDRESS`, EXIT.usage);
  }
  const logger = createLogger(config);
  const has = (r: StartRole) => role === 'all' || role === r;
  let temporal: TemporalHandle | undefined;
  let workers: Workers | undefined;
  let workersDone: Promise<void> | undefined;
  let api: RunningApiServer | undefined;
  let discord: DiscordBot | undefined;
  let metrics: MetricsServer | undefined;

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    logger.info('shutting down');
    await api?.close().catch((err: unknown) => logger.warn({ err }, 'API close failed'));
    await metrics?.close();
    await discord?.stop().catch((err: unknown) => logger.warn({ err }, 'Discord stop failed'));
    workers?.shutdown();
    await workersDone?.catch(() => undefined);
    await temporal?.stop().catch((err: unknown) => logger.warn({ err }, 'Temporal stop failed'));
    logger.info('stopped');
  })());

  let signalled = 0;
  let firstSignalAt = 0;
  let resolveSignal!: () => void;
  const signalled$ = new Promise<void>((r) => (resolveSignal = r));
  // A relaunched process (cli/relaunch.ts) gets a terminal Ctrl-C twice: from the terminal and relayed by its parent.
  const relaunched = process.env[RELAUNCHED_ENV] === '1';
  const onSignal = (sig: NodeJS.Signals) => {
    if (relaunched && signalled === 1 && Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return;
    signalled++;
    firstSignalAt ||= Date.now();
    if (signalled > 1) {
      process.stderr.write(`palisade: second ${sig}, exiting without waiting\n`);
      process.exit(130);
    }
    logger.info({ signal: sig }, 'signal received');
    resolveSignal();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The parent that relaunched this process is gone (killed): nobody relays signals any more, so stop in order.
  const onParentGone = () => onSignal('SIGTERM');
  if (relaunched) process.once('disconnect', onParentGone);

  try {
    // The SDK's own metrics exporter is part of the core runtime: it must exist before the first connection.
    const sdkMetricsAddress = config.temporal.metricsAddress ?? config.api.temporalMetricsAddress;
    if (sdkMetricsAddress) installTemporalMetrics(sdkMetricsAddress);
    collectProcessMetrics();
    // A worker-only process has no API to serve its metrics: it gets a listener of its own (all-in-one: the API's),
    // opened first so that a busy port stops the start before anything runs.
    if (!has('api')) metrics = await serveMetrics(config.workers.metricsHost, config.workers.metricsPort);
    temporal = await startTemporal(config, logger);
    if (has('worker') || has('enforce-worker')) {
      const workerRole = role === 'all' ? 'all' : role === 'worker' ? 'worker' : 'enforce-worker';
      workers = await createWorkers({
        config, connection: temporal.connection, client: temporal.client, logger, roles: workerRole,
        notifiers: has('worker') ? discordNotifiersFromConfig(config) : [],
      });
      workersDone = workers.run();
    }
    if (has('worker')) {
      const report = await ensureSchedules(temporal.client, config);
      logger.info({ schedules: report }, 'schedules ensured');
    }
    let generatedTokenFile: string | undefined;
    if (has('api')) {
      const secrets = await loadApiSecrets(config);
      if (!secrets.controlToken) {
        // A newcomer has no token yet: make one, readable only by this user, and say where it is (never print it).
        generatedTokenFile = path.join(config.dataDir, 'control-token');
        secrets.controlToken = await localControlToken(generatedTokenFile);
      }
      api = await createApiServer({ config, client: temporal.client, logger, secrets }).listen();
      if (config.discord.enabled) discord = await startDiscordBot({ temporal: temporal.client, config, logger });
    }
    const lines = [`Palisade is running (role ${role}, mode ${config.policy.mode}${config.policy.dryRun ? ', dry-run' : ''}, namespace ${config.temporal.namespace})`];
    lines.push(`  Temporal:     ${temporal.address}${temporal.embedded ? ' (embedded dev server)' : ''}`);
    if (temporal.uiUrl) lines.push(`  Temporal UI:  ${temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows`);
    if (api) lines.push(`  Review page:  ${config.api.serveReviewPage ? `${api.url}/` : 'not served (--no-serve-spa)'}`, `  API:          ${api.url}/api (bearer token: ${generatedTokenFile ? `generated, in ${generatedTokenFile}` : 'api.controlToken'})`);
    if (discord) lines.push('  Discord bot:  connected');
    lines.push(`  Metrics:      ${api ? `${api.url}/metrics` : metrics!.url}${sdkMetricsAddress ? `; Temporal SDK: http://${sdkMetricsAddress}/metrics` : ''}`);
    if (workers && has('enforce-worker') && config.enforcement.enforcer === 'memory') {
      lines.push('  Enforcer:     memory (an in-process block set for trials and benchmarks: nothing is blocked on the network)');
    }
    if (workers) lines.push(`  Workers:      ${workers.workers.length} (${role === 'enforce-worker' ? config.temporal.enforceTaskQueue : role === 'worker' ? config.temporal.taskQueue : `${config.temporal.taskQueue}, ${config.temporal.enforceTaskQueue}`})`);
    process.stdout.write(`${lines.join('\n')}\nPress Ctrl-C to stop.\n`);

    // Run until a signal, or until the workers stop on their own (a fatal error).
    const workerExit = workersDone?.then(
      () => { throw new CliError('the workers stopped unexpectedly'); },
      (err: unknown) => { throw new CliError(`a worker failed: ${err instanceof Error ? err.message : String(err)}`); },
    );
    await Promise.race([signalled$, ...(workerExit ? [workerExit] : [])]);
  } finally {
    await stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('disconnect', onParentGone);
    // Let this process exit: an open IPC channel to the parent would keep it alive.
    if (relaunched && process.connected) process.disconnect();
  }
}
