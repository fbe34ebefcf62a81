// `palisade config check`: validates the configuration (file + environment) and prints the effective result with
// secrets shown only as set/unset. Exit 2 with every bad field named when it does not validate.
import type { Command } from 'commander';
import YAML from 'yaml';
import { weakSecretProblems } from '../../api/secrets';
import type { PalisadeConfig } from '../../domain/config';
import { ConfigError, describeConfig } from '../../runtime/config';
import { readSecret } from '../../runtime/secrets';
import { formatLiveReport, liveChecks } from '../../runtime/live-checks';
import { createLogger } from '../../runtime/logger';
import { CliError, EXIT, globals, loadCliConfig } from '../context';

async function apiSecretProblems(config: PalisadeConfig): Promise<string[]> {
  const read = async (ref: Parameters<typeof readSecret>[0]) => readSecret(ref).catch(() => undefined);
  const secrets = { controlToken: await read(config.api.controlToken), ingestToken: await read(config.api.ingestToken), linkSigningKey: await read(config.api.linkSigningKey) };
  return weakSecretProblems(config, secrets);
}

export function registerConfigCommands(program: Command) {
  const config = program.command('config').description('configuration');
  config
    .command('check')
    .description('validate the configuration and print the effective result (secrets redacted)')
    .option('--format <format>', 'yaml or json', 'yaml')
    .option('--live', 'also check the live preconditions: a rule references the pfSense alias / a router uses the Traefik Middleware, effect sources readable')
    .action(async (opts: { format: string; live?: boolean }, cmd: Command) => {
      if (opts.format !== 'yaml' && opts.format !== 'json') throw new CliError('--format must be yaml or json', EXIT.usage);
      let effective;
      try {
        effective = describeConfig(loadCliConfig(globals(cmd)));
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        const lines = err.issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`);
        throw new CliError(`invalid configuration${err.file ? ` in ${err.file}` : ''}:\n${lines.join('\n')}`, EXIT.usage);
      }
      // Tokens and keys are read (never printed) to check their length, as `palisade start` does.
      const weak = await apiSecretProblems(loadCliConfig(globals(cmd)));
      if (weak.length > 0) throw new CliError(`invalid configuration:\n${weak.map((w) => `  ${w}`).join('\n')}`, EXIT.usage);
      if (!opts.live) {
        process.stdout.write(opts.format === 'json' ? `${JSON.stringify(effective, null, 2)}\n` : YAML.stringify(effective));
        process.stderr.write('configuration is valid\n');
        return;
      }
      const config = loadCliConfig(globals(cmd));
      const report = await liveChecks(config, createLogger({ logLevel: 'silent' }));
      process.stdout.write(opts.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatLiveReport(report));
      if (!report.ok) throw new CliError('configuration is valid, but the live checks failed (see above): a block would not take effect', EXIT.invalidState);
      process.stderr.write('configuration is valid and the live checks pass\n');
    });
}
