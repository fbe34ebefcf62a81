// `palisade make-permanent <ip>`: the held block of an IP never expires. The same `hold` operator action as extend and
// release (runtime/operator-actions, channel 'cli'); the workflow's validator refuses it when no block is held, the
// block is being released or is already permanent, and that refusal is the CLI's error (exit 4).
import type { Command } from 'commander';
import { submitHoldAction } from '../../runtime/operator-actions';
import { globals, operatorName, operatorOption, withClient } from '../context';

export function registerMakePermanentCommand(program: Command) {
  operatorOption(program
    .command('make-permanent <ip>')
    .description('make an active block permanent (it no longer expires; release still lifts it)'), 'who decides')
    .option('--reason <text>', 'why')
    .action(async (ip: string, opts: { operator?: string; reason?: string }, cmd: Command) => {
      const by = operatorName(opts.operator);
      const block = await withClient(globals(cmd), ({ client }) => submitHoldAction(client, ip, {
        action: 'make_permanent', by, channel: 'cli', ...(opts.reason ? { reason: opts.reason } : {}),
      }));
      process.stdout.write(`${block?.target ?? ip} is now blocked permanently (recorded as ${by} via cli); \`palisade release ${ip}\` lifts it\n`);
    });
}
