// `palisade approve|reject --all [--filter …] --expected-count N` and the count `palisade pending` prints for it.
// Decisions go through runtime/bulk-decisions (each IP through the same `decide` update as a single decision).
import type { Command } from 'commander';
import { parseFilterSpec, type BulkFilter } from '../../domain/bulk-selection';
import type { HumanDecision } from '../../domain/types';
import { decideInBulk } from '../../runtime/bulk-decisions';
import { CliError, EXIT, globals, printJson, withClient } from '../context';

export interface BulkCliOptions { all?: boolean; filter?: string; expectedCount?: number; case?: string; json?: boolean }

export function parseFilterOption(spec: string): BulkFilter {
  const parsed = parseFilterSpec(spec);
  if (!parsed.ok) throw new CliError(`--filter: ${parsed.reason}`, EXIT.usage);
  return parsed.value;
}

export function parseCount(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0) throw new CliError(`--expected-count: not a whole number ≥ 0: ${JSON.stringify(v)}`, EXIT.usage);
  return n;
}

/** The count an operator passes as --expected-count, and the command that decides exactly those. */
export function pendingFooter(count: number, filterSpec: string | undefined, limitReached: boolean): string {
  if (limitReached) return `\nshowing the first ${count}; there may be more (--limit)\n`;
  const filter = filterSpec !== undefined ? ` --filter '${filterSpec.replace(/'/g, '')}'` : '';
  return `\n${count} pending review(s)${filterSpec !== undefined ? ' match' : ''}; to decide exactly these: palisade approve|reject --all${filter} --expected-count ${count}\n`;
}

/** Every pending review matching the filter (all without one), or nothing when another number matches now. */
export async function decideAll(d: HumanDecision, ip: string | undefined, opts: BulkCliOptions, cmd: Command): Promise<void> {
  const verb = d.decision === 'approve' ? 'approve' : 'reject';
  const done = d.decision === 'approve' ? 'approved' : 'rejected';
  if (ip !== undefined) throw new CliError('give an IP or --all, not both', EXIT.usage);
  if (!opts.all) throw new CliError(`${verb} needs an IP, or --all --expected-count <n> for every pending review`, EXIT.usage);
  if (opts.case !== undefined) throw new CliError('--case names one case: it does not go with --all', EXIT.usage);
  const filter: BulkFilter = opts.filter !== undefined ? parseFilterOption(opts.filter) : { all: true };
  if (opts.expectedCount === undefined) {
    throw new CliError('--expected-count is required with --all: the number of pending reviews you looked at (palisade pending lists them)', EXIT.usage);
  }
  const expectedCount = opts.expectedCount;
  const outcome = await withClient(globals(cmd), ({ client }) => decideInBulk(client, d, { kind: 'filter', filter, expectedCount }));
  if (opts.json) printJson(outcome);
  else {
    process.stdout.write(`${done} ${outcome.accepted} of ${outcome.matched} (${outcome.filter}) as ${d.approver}\n`);
    for (const r of outcome.results) {
      process.stdout.write(r.ok
        ? `  ${r.ip}${r.result.decision.case ? ` (case ${r.result.decision.case})` : ''}: ${done}\n`
        : `  ${r.ip}: NOT ${done} (${r.code}): ${r.error}\n`);
    }
  }
  // Some cases were decided elsewhere in between (or are unreachable): reported above, and a non-zero exit.
  if (outcome.refused > 0) throw new CliError(`${outcome.refused} of ${outcome.matched} were not ${done} (listed above)`, EXIT.invalidState);
}
