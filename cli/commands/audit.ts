// `palisade audit <ip>`: the readable timeline of every run of threat/<ip>, from Temporal or from exported files.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { buildTimeline, fetchThreatHistories, formatTimeline, runHistoryFromJSON, type RunHistory } from '../../runtime/audit';
import { normaliseThreatIp } from '../../runtime/operator-actions';
import { CliError, EXIT, globals, printJson, withClient } from '../context';

export function readHistoryFile(file: string): RunHistory {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CliError(`cannot read history ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, EXIT.usage);
  }
  try {
    return runHistoryFromJSON(json, path.basename(file, '.json'));
  } catch (err) {
    throw new CliError(`${file} is not a Temporal history: ${(err as Error).message}`, EXIT.usage);
  }
}

export function registerAuditCommand(program: Command) {
  program
    .command('audit <ip>')
    .description('the audit timeline of an IP: sightings, intel, model prompt and answer, policy, approvals, firewall')
    .option('--history <files...>', 'read exported history JSON files instead of asking Temporal')
    .option('--json', 'machine-readable output')
    .action(async (ip: string, opts: { history?: string[]; json?: boolean }, cmd: Command) => {
      const normalised = normaliseThreatIp(ip);
      const workflowId = `threat/${normalised}`;
      let runs: RunHistory[];
      if (opts.history?.length) {
        runs = opts.history.map(readHistoryFile);
        const other = runs.find((r) => r.workflowId !== workflowId && r.workflowId.startsWith('threat/'));
        if (other) throw new CliError(`the history ${other.runId} is of ${other.workflowId}, not ${workflowId}`, EXIT.usage);
      } else {
        runs = await withClient(globals(cmd), ({ client }) => fetchThreatHistories(client, normalised));
      }
      const entries = buildTimeline(runs);
      if (opts.json) return printJson({ workflowId, runs: runs.map((r) => r.runId), entries });
      process.stdout.write(formatTimeline(entries, { workflowId }));
    });
}
