// `palisade start`: runs Palisade. One process can hold every role (`all`, the default: embedded Temporal dev server
// + Web UI, workers, API, Discord bot, schedules) or one role of a split deployment against a shared cluster:
//   worker          workflows and every non-enforcement activity (task queue temporal.taskQueue); schedules
//   enforce-worker  enforcement activities only (temporal.enforceTaskQueue), near the firewall, with its secrets
//   api             HTTP API, review page, webhooks, signed links, and the Discord bot
import type { Command } from 'commander';
import { Option } from 'commander';
import type { PalisadeConfig } from '../../domain/config';
import type { DeepPartial } from '../../runtime/config';
import { workerProcessLaunch } from '../../workers/options';
import { CliExit, globals, loadCliConfig } from '../context';
import { relaunch, shouldRelaunch } from '../relaunch';
import type * as RunModule from '../run';

export const START_ROLES = ['all', 'worker', 'enforce-worker', 'api'] as const;
export type StartRole = (typeof START_ROLES)[number];

interface StartOptions {
  role: StartRole;
  mode?: string;
  dryRun?: boolean;
  llmProvider?: string;
  llmUrl?: string;
  llmModel?: string;
  serveSpa?: boolean;
}

/** The configuration overrides the start flags stand for (secrets are never flags: cli/secret-flags.ts). */
export function startOverrides(o: StartOptions): DeepPartial<PalisadeConfig> {
  const out: DeepPartial<PalisadeConfig> = {};
  if (o.mode !== undefined || o.dryRun !== undefined) {
    out.policy = { ...(o.mode !== undefined ? { mode: o.mode as PalisadeConfig['policy']['mode'] } : {}), ...(o.dryRun !== undefined ? { dryRun: o.dryRun } : {}) };
  }
  if (o.llmProvider !== undefined || o.llmUrl !== undefined || o.llmModel !== undefined) {
    out.llm = {
      ...(o.llmProvider !== undefined ? { provider: o.llmProvider as PalisadeConfig['llm']['provider'] } : {}),
      ...(o.llmUrl !== undefined ? { baseUrl: o.llmUrl } : {}),
      ...(o.llmModel !== undefined ? { model: o.llmModel } : {}),
    };
  }
  if (o.serveSpa !== undefined) out.api = { serveReviewPage: o.serveSpa };
  return out;
}

export function registerStartCommand(program: Command) {
  program
    .command('start')
    .description('run Palisade (embedded Temporal unless temporal.address / TEMPORAL_ADDRESS is set)')
    .addOption(new Option('--role <role>', 'which part of Palisade this process runs').choices(START_ROLES).default('all'))
    .addOption(new Option('--mode <mode>', 'policy mode').choices(['disabled', 'review', 'auto']))
    .option('--dry-run', 'simulate enforcement (the default)')
    .option('--no-dry-run', 'enforce for real')
    .option('--llm-provider <provider>', 'none, anthropic, openai, openai-compatible or ollama')
    .option('--llm-url <url>', 'base URL for openai-compatible servers and Ollama')
    .option('--llm-model <model>', 'model name')
    .option('--serve-spa', 'serve the review page at / (the default; api.serveReviewPage)')
    .option('--no-serve-spa', 'do not serve the review page (the API, webhooks and signed links stay)')
    .addHelpText('after', '\nSecrets (API keys, tokens, passwords) are never flags: flags are visible in `ps`. Set them in the environment or\nreference them in the configuration file ({ env: NAME } or { file: /path }); see `palisade config check`.')
    .action(async (opts: StartOptions, cmd: Command) => {
      const config = loadCliConfig(globals(cmd), startOverrides(opts));
      const launch = opts.role === 'api' ? undefined : workerProcessLaunch(config.workers);
      if (shouldRelaunch(launch)) {
        const code = await relaunch(launch);
        if (code !== 0) throw new CliExit(code);
        return;
      }
      // Loaded only for `start`: workers, the API and discord.js take seconds to load that other commands need not pay.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { runPalisade } = require('../run') as typeof RunModule;
      await runPalisade(config, opts.role);
    });
}

