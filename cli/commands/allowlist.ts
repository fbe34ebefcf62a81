// The runtime allowlist (a durable workflow): entries added here are never blocked, on top of the configured ones.
import type { Command } from 'commander';
import { protectedCidrProblem } from '../../domain/never-block';
import { addAllowlistEntry, listAllowlist, removeAllowlistEntry } from '../../runtime/allowlist';
import { CliError, EXIT, globals, operatorName, operatorOption, printJson, withClient } from '../context';
import { table } from './threats';

export function registerAllowlistCommands(program: Command) {
  const allowlist = program.command('allowlist').description('the runtime allowlist (CIDRs that are never blocked)');

  operatorOption(allowlist
    .command('add <cidr>')
    .description('add an IP or CIDR'), 'who adds it')
    .option('--description <text>', 'why', '')
    .option('--expires <iso>', 'ISO timestamp after which the entry stops applying')
    .option('--hours <hours>', 'expire after this many hours')
    .action(async (cidr: string, opts: { operator?: string; description: string; expires?: string; hours?: string }, cmd: Command) => {
      let expiresAt = opts.expires;
      if (opts.hours !== undefined) {
        const h = Number(opts.hours);
        if (!Number.isFinite(h) || h <= 0) throw new CliError(`not a positive number of hours: ${opts.hours}`, EXIT.usage);
        expiresAt = new Date(Date.now() + h * 3_600_000).toISOString();
      }
      if (expiresAt !== undefined && Number.isNaN(Date.parse(expiresAt))) throw new CliError(`not an ISO timestamp: ${expiresAt}`, EXIT.usage);
      // The config's rule for never-block lists, checked before connecting (the API applies the same one).
      const problem = protectedCidrProblem(cidr);
      if (problem) throw new CliError(`refused: ${problem}`, EXIT.usage);
      const operator = operatorName(opts.operator);
      const entries = await withClient(globals(cmd), ({ client, config }) =>
        addAllowlistEntry(client, config, { cidr, description: opts.description, ...(expiresAt ? { expiresAt } : {}) }, operator));
      process.stdout.write(`added ${cidr}; the allowlist has ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}\n`);
    });

  operatorOption(allowlist
    .command('remove <cidr>')
    .description('remove an entry'), 'who removes it')
    .action(async (cidr: string, opts: { operator?: string }, cmd: Command) => {
      const operator = operatorName(opts.operator);
      const entries = await withClient(globals(cmd), ({ client, config }) => removeAllowlistEntry(client, config, cidr, operator));
      process.stdout.write(`removed ${cidr}; the allowlist has ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}\n`);
    });

  allowlist
    .command('list')
    .description('list the runtime entries')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const entries = await withClient(globals(cmd), ({ client }) => listAllowlist(client));
      if (opts.json) return printJson(entries);
      if (entries.length === 0) return void process.stdout.write('the runtime allowlist is empty\n');
      process.stdout.write(table(['CIDR', 'EXPIRES', 'DESCRIPTION'], entries.map((e) => [e.cidr, e.expiresAt ?? 'never', e.description])));
    });
}
