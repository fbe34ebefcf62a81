// The `palisade` command line (commander). Each command group lives in cli/commands/.
import { Command, CommanderError } from 'commander';
import { version } from '../package.json';
import { registerAllowlistCommands } from './commands/allowlist';
import { registerAuditCommand } from './commands/audit';
import { registerClusterCommands } from './commands/cluster';
import { registerConfigCommands } from './commands/config';
import { registerDetectCommand } from './commands/detect';
import { registerHistoryCommands } from './commands/history';
import { registerIncidentCommands } from './commands/incidents';
import { registerMakePermanentCommand } from './commands/make-permanent';
import { registerProactiveCommands } from './commands/proactive';
import { registerProvisionCommand } from './commands/provision';
import { registerSignCommand } from './commands/sign';
import { registerStartCommand } from './commands/start';
import { registerThreatCommands } from './commands/threats';
import { CliError, EXIT, reportError } from './context';
import { findSecretFlag, secretFlagRefusal } from './secret-flags';

export function buildProgram(): Command {
  const program = new Command('palisade')
    .description('Durable, human-in-the-loop network threat response on Temporal')
    .version(version)
    .option('--config <file>', 'configuration file (default $PALISADE_CONFIG, else ./palisade.yaml)')
    .option('--address <host:port>', 'Temporal frontend address (overrides temporal.address / TEMPORAL_ADDRESS)')
    .option('--namespace <namespace>', 'Temporal namespace (overrides temporal.namespace / TEMPORAL_NAMESPACE)')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError()
    .exitOverride();
  registerStartCommand(program);
  registerThreatCommands(program);
  registerIncidentCommands(program);
  registerMakePermanentCommand(program);
  registerAllowlistCommands(program);
  registerProactiveCommands(program);
  registerAuditCommand(program);
  registerHistoryCommands(program);
  registerSignCommand(program);
  registerConfigCommands(program);
  registerDetectCommand(program);
  registerProvisionCommand(program);
  registerClusterCommands(program);
  for (const c of program.commands) c.exitOverride();
  return program;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  const secretFlag = findSecretFlag(argv.slice(2));
  if (secretFlag) return reportError(new CliError(secretFlagRefusal(secretFlag), EXIT.usage), false);
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander has already printed the message (and usage); help and version exit 0.
      return err.exitCode === 0 ? 0 : EXIT.usage;
    }
    return reportError(err, argv.includes('--debug'));
  }
}

/** Runs the CLI as this process's program and exits with its code (bin/palisade.js, `tsx cli/main.ts`). */
export function runAsProgram(argv: string[] = process.argv): void {
  // Temporal's native runtime and open sockets must not keep a finished command alive (stdout/stderr writes to
  // pipes and files are synchronous on Linux, so nothing is lost).
  void main(argv).then((code) => process.exit(code));
}

// `tsx cli/main.ts …` (npm start, npm run palisade); the installed command goes through bin/palisade.js.
if (require.main === module) runAsProgram();
