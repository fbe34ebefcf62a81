// `palisade history export` writes a run's history as proto3 JSON (the format of historyToJSON and `temporal workflow
// show -o json`); `palisade replay` replays such files against the current workflow code, as a pre-deploy check.
import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import type * as WorkerModule from '@temporalio/worker';
import type * as WorkflowModule from '@temporalio/workflow';
import { historyToJson } from '../../runtime/audit';
import { normaliseThreatIp } from '../../runtime/operator-actions';
import { CliError, EXIT, globals, withClient } from '../context';
import { readHistoryFile } from './audit';

export function registerHistoryCommands(program: Command) {
  const history = program.command('history').description('workflow histories');
  history
    .command('export <ip>')
    .description('export the history of threat/<ip> (latest run unless --run) as JSON')
    .option('--run <runId>', 'a specific run')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (ip: string, opts: { run?: string; out?: string }, cmd: Command) => {
      const workflowId = `threat/${normaliseThreatIp(ip)}`;
      const json = await withClient(globals(cmd), async ({ client }) => historyToJson(await client.workflow.getHandle(workflowId, opts.run).fetchHistory()));
      if (opts.out) {
        await fs.writeFile(opts.out, `${json}\n`);
        process.stderr.write(`wrote ${workflowId}${opts.run ? ` run ${opts.run}` : ''} to ${opts.out}\n`);
      } else {
        process.stdout.write(`${json}\n`);
      }
    });

  program
    .command('replay <files...>')
    .description('replay exported histories against the current workflow code; non-zero exit on any failure')
    .action(async (files: string[]) => {
      const ok = await replayFiles(files);
      if (!ok) throw new CliError('replay failed for at least one history', EXIT.error);
    });
}

export async function replayFiles(files: string[]): Promise<boolean> {
  const runs = files.map((file) => ({ file, ...readHistoryFile(file) }));
  // The worker package is loaded only here: it takes seconds, and no other command needs it.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { DefaultLogger, Runtime, Worker } = require('@temporalio/worker') as typeof WorkerModule;
  const { DeterminismViolationError } = require('@temporalio/workflow') as typeof WorkflowModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // a runtime is already installed in this process
  }
  // The same bundle options as the production worker (workers/index.ts): workflowsPath only. The histories are History
  // objects already (runtime/audit's historyFromJson), so the worker does not re-parse JSON.
  const results = Worker.runReplayHistories(
    { workflowsPath: require.resolve('../../workflows'), replayName: 'palisade-replay' },
    runs.map((r) => ({ workflowId: r.workflowId, history: r.history })),
  );
  let failures = 0;
  let i = 0;
  for await (const r of results) {
    const file = runs[i++]?.file ?? r.workflowId;
    if (!r.error) {
      process.stdout.write(`OK                 ${file} (${r.workflowId})\n`);
      continue;
    }
    failures++;
    const kind = r.error instanceof DeterminismViolationError ? 'NON-DETERMINISTIC ' : 'FAILED            ';
    process.stdout.write(`${kind} ${file} (${r.workflowId}): ${r.error.message.split('\n')[0]}\n`);
  }
  process.stdout.write(`${runs.length - failures} of ${runs.length} histories replayed cleanly\n`);
  return failures === 0;
}
