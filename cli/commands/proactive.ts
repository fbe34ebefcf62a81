// `palisade proactive …`: the proactive loop's status, its suppressions (acks), and the operator actions. Every action
// goes through runtime/proactive.ts (channel 'cli'), the same code path as the API, the review page and Discord.
import type { Command } from 'commander';
import type { ProactiveStatusView } from '../../runtime/proactive';
import {
  ackHotspot, getProactiveStatus, listSuppressions, pauseProactive, resumeProactive, runProactiveOnce, unackHotspot,
} from '../../runtime/proactive';
import type { Suppression } from '../../domain/proactive/types';
import { globals, operatorName, operatorOption, parseHours, printJson, withClient } from '../context';
import { table } from './threats';

const operatorOf = (o: { operator?: string }) => operatorName(o.operator);

export function registerProactiveCommands(program: Command) {
  const proactive = program.command('proactive').description('the proactive loop: hotspots, acks (suppressions), pause, resume, run a cycle');

  proactive
    .command('status')
    .description('mode, pause, budget left today, the last cycle\'s hotspots with their ack ids and verdicts')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const status = await withClient(globals(cmd), ({ client, config }) => getProactiveStatus(client, config));
      if (opts.json) return printJson(status);
      process.stdout.write(describeStatus(status));
    });

  proactive
    .command('suppressions')
    .description('the acked (muted) hotspots')
    .option('--json', 'machine-readable output')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const list = await withClient(globals(cmd), ({ client }) => listSuppressions(client));
      if (opts.json) return printJson(list);
      process.stdout.write(list.length === 0 ? 'no hotspot is acked\n' : suppressionTable(list));
    });

  operatorOption(proactive
    .command('ack <ackId>')
    .description('mute a hotspot (ack id prefix from `proactive status`) until it stops firing or the hours pass')
    .requiredOption('--reason <text>', 'why it is muted (recorded)')
    .option('--hours <hours>', 'lapse after this many hours even if it keeps firing (default proactive.ackTtlHours)', parseHours))
    .action(async (ackId: string, opts: { reason: string; hours?: number; operator?: string }, cmd: Command) => {
      const s = await withClient(globals(cmd), ({ client, config }) => ackHotspot(client, config, {
        ackId, reason: opts.reason, operator: operatorOf(opts), channel: 'cli', ...(opts.hours !== undefined ? { ttlHours: opts.hours } : {}),
      }));
      process.stdout.write(`acked ${s.ackId} (${s.title}) as ${s.operator} until it stops firing, at most until ${s.expiresAt}\n`);
    });

  operatorOption(proactive
    .command('unack <ackId>')
    .description('remove a suppression: the hotspot is reported (and may be investigated) again')
    .option('--reason <text>', 'why (recorded)'))
    .action(async (ackId: string, opts: { reason?: string; operator?: string }, cmd: Command) => {
      const s = await withClient(globals(cmd), ({ client, config }) => unackHotspot(client, config, {
        ackId, operator: operatorOf(opts), channel: 'cli', ...(opts.reason ? { reason: opts.reason } : {}),
      }));
      process.stdout.write(`unacked ${s.ackId} (${s.title})\n`);
    });

  for (const [name, act, description] of [
    ['pause', pauseProactive, 'stop scheduled cycles until resumed (run-once still works)'],
    ['resume', resumeProactive, 'let scheduled cycles run again'],
  ] as const) {
    operatorOption(proactive.command(name).description(description).option('--reason <text>', 'why (recorded)'))
      .action(async (opts: { reason?: string; operator?: string }, cmd: Command) => {
        const status = await withClient(globals(cmd), ({ client, config }) => act(client, config, {
          operator: operatorOf(opts), channel: 'cli', ...(opts.reason ? { reason: opts.reason } : {}),
        }));
        process.stdout.write(status.paused
          ? `the proactive loop is paused (by ${status.paused.operator} via ${status.paused.channel} at ${status.paused.at})\n`
          : 'the proactive loop is running: scheduled cycles go ahead\n');
      });
  }

  operatorOption(proactive
    .command('run-once')
    .description('run one cycle now (within the budgets, also while paused)')
    .option('--wait', 'wait for the cycle and print its verdicts'))
    .action(async (opts: { wait?: boolean; operator?: string }, cmd: Command) => {
      const run = await withClient(globals(cmd), ({ client, config }) =>
        runProactiveOnce(client, config, { operator: operatorOf(opts), channel: 'cli' }, { wait: opts.wait }));
      process.stdout.write(`started cycle ${run.workflowId}\n`);
      const r = run.result;
      if (!r) return;
      if (r.skipped) return void process.stdout.write(`skipped: ${r.skipped}\n`);
      const verdicts = Object.entries(r.verdicts).map(([v, n]) => `${n} ${v.replace(/_/g, ' ')}`).join(', ');
      process.stdout.write(`${r.hotspots} hotspot(s)${verdicts ? `: ${verdicts}` : ''}; digest ${r.digest}\n`);
      for (const i of r.investigations) process.stdout.write(`  investigation ${i.fingerprint.slice(0, 7)}: ${i.workflowId ?? `not opened: ${i.error ?? 'unknown'}`}${i.merged ? ' (already open: merged, no budget spent)' : ''}\n`);
      for (const x of r.resolved ?? []) process.stdout.write(`  resolved ${x.workflowId}: ${x.error ?? 'the hotspot stopped firing'}\n`);
    });
}

function suppressionTable(list: Suppression[]): string {
  return table(['ACK ID', 'TITLE', 'REASON', 'BY', 'EXPIRES (UTC)'],
    list.map((s) => [s.ackId, s.title.slice(0, 60), s.reason.slice(0, 60), `${s.operator} via ${s.channel}`, s.expiresAt.slice(0, 16).replace('T', ' ')]));
}

function describeStatus(s: ProactiveStatusView): string {
  const out = [`mode ${s.mode}${s.paused ? `, PAUSED by ${s.paused.operator} via ${s.paused.channel} at ${s.paused.at}${s.paused.reason ? ` (${s.paused.reason})` : ''}` : ''}; every ${s.everyMinutes} min; ${s.cycles} cycle(s) so far`];
  const left = s.left;
  out.push(`today (${s.ledger.day} UTC): ${s.ledger.investigations} investigation(s), $${s.ledger.costUsd.toFixed(4)} spent${left ? `; left: ${left.investigationsToday} investigation(s), $${left.usdToday.toFixed(4)}` : ''}`);
  const c = s.lastCycle;
  if (!c) out.push('no cycle has run yet');
  else {
    out.push(`last cycle ${c.cycleId} at ${c.at} (${c.trigger.kind}, ${c.mode}): ${c.decisions.length} hotspot(s)`);
    if (c.decisions.length > 0) {
      out.push(table(['ACK ID', 'SEVERITY', 'VERDICT', 'TITLE', 'WHY'],
        c.decisions.map((d) => [d.ackId, d.severity, d.verdict.replace(/_/g, ' '), d.title.slice(0, 60), d.why.slice(0, 80)])).trimEnd());
    }
    const failed = c.rules.filter((r) => r.status === 'error');
    for (const r of failed) out.push(`  rule ${r.rule} failed: ${r.error ?? 'unknown error'}`);
    for (const r of c.resolve ?? []) out.push(`  resolved ${r.workflowId} (${r.ackId}): ${r.why}`);
  }
  const opened = s.investigations.filter((i) => i.workflowId).slice(-5);
  for (const i of opened) out.push(`investigation ${i.ackId} (${i.title.slice(0, 50)}): ${i.workflowId} ${i.status}${i.costUsd !== undefined ? ` $${i.costUsd.toFixed(4)}` : ''}`);
  out.push(s.suppressions.length === 0 ? 'no hotspot is acked' : `acked (${s.suppressions.length}):\n${suppressionTable(s.suppressions).trimEnd()}`);
  return `${out.join('\n')}\n`;
}
