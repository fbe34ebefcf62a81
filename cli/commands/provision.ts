// `palisade provision`: fetch or build the Temporal dev server (embedded mode) and the time-skipping test server.
import type { Command } from 'commander';
import { provisionAll } from '../../runtime/temporal-servers';

export function registerProvisionCommand(program: Command) {
  program
    .command('provision')
    .description('provision the Temporal CLI dev server and the time-skipping test server into the local cache')
    .action(async () => {
      const results = await provisionAll();
      for (const r of results) process.stdout.write(`${r.kind}: ${r.via}${r.path ? ` ${r.path}` : ''}\n`);
    });
}
