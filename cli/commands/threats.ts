// Threat commands: list, show, and the operator actions. Decisions and hold actions go only through
// runtime/operator-actions (channel 'cli'), the same path as every other approval channel.
import type { Command } from 'commander';
import { threatUiLink } from '../../domain/temporal-ui';
import type { ThreatState } from '../../domain/threat-state';
import { BULK_FILTER_CRITERIA } from '../../domain/bulk-selection';
import type { HumanDecision } from '../../domain/types';
import { getThreat, listThreats, submitDecision, submitHoldAction, type ThreatDetail } from '../../runtime/operator-actions';
import { CliError, EXIT, globals, operatorName, operatorOption, parseHours, printJson, withClient } from '../context';
import { decideAll, parseCount, parseFilterOption, pendingFooter } from './bulk';
import { resolveFilter } from '../../runtime/bulk-decisions';

export function registerThreatCommands(program: Command) {
  program
    .command('pending')
    .description('list threats waiting for a human decision')
    .option('--status <status>', 'list open threats with this status instead (e.g. blocked)', 'pending_review')
    .option('--filter <criteria>', `only the pending reviews that \`approve --all --filter\` would decide: comma-separated ${BULK_FILTER_CRITERIA.map((k) => `${k}=…`).join(',')}`)
    .option('--limit <n>', 'at most this many', '200')
    .option('--json', 'machine-readable output')
    .action(async (opts: { status: string; filter?: string; limit: string; json?: boolean }, cmd: Command) => {
      const filter = opts.filter !== undefined ? parseFilterOption(opts.filter) : undefined;
      if (filter && opts.status !== 'pending_review') throw new CliError('--filter lists pending reviews: it does not go with --status', EXIT.usage);
      const limit = Number(opts.limit) || 200;
      const threats = await withClient(globals(cmd), ({ client }) => (filter ? resolveFilter(client, filter) : listThreats(client, { status: opts.status, limit })));
      if (opts.json) return printJson(threats);
      if (threats.length === 0) return void process.stdout.write(filter ? 'no pending review matches the filter\n' : `no threats with status ${opts.status}\n`);
      const rows = threats.map((t) => [t.ip, String(t.score ?? ''), t.source ?? '', t.mode ?? '', t.status ?? '', t.startTime.slice(0, 19).replace('T', ' ')]);
      process.stdout.write(table(['IP', 'SCORE', 'SOURCE', 'MODE', 'STATUS', 'SINCE (UTC)'], rows));
      if (filter || opts.status === 'pending_review') process.stdout.write(pendingFooter(threats.length, filter ? opts.filter : undefined, !filter && threats.length >= limit));
    });

  program
    .command('show <ip>')
    .description("show one threat: evidence, intel, proposal, policy decision, review and block")
    .option('--json', 'machine-readable output')
    .action(async (ip: string, opts: { json?: boolean }, cmd: Command) => {
      const { t, link } = await withClient(globals(cmd), async ({ client, config }) => {
        const t = await getThreat(client, ip);
        return { t, link: threatUiLink(config.temporal, t.execution.workflowId) };
      });
      if (opts.json) return printJson({ ...t, links: { temporalUi: link } });
      process.stdout.write(describeThreat(t, link));
    });

  const decision = (name: 'approve' | 'reject') =>
    operatorOption(program
      .command(`${name} [ip]`)
      .description(name === 'approve'
        ? 'approve the proposed block of an IP, or with --all of every pending review (a filter narrows it)'
        : 'reject the proposed block of an IP, or with --all every pending review (a filter narrows it)'), 'who decides')
      .option('--comment <text>', 'why (recorded in the audit trail)')
      // Without --case the decision is bound to the case pending at this moment (and says which one it was).
      .option('--case <ref>', 'the case you looked at (<cycle>-<nonce>, as `threats show` prints); refused if another case is pending')
      .option('--all', `${name} every pending review (with --filter: those matching it); needs --expected-count`)
      .option('--filter <criteria>', `with --all: comma-separated ${BULK_FILTER_CRITERIA.map((k) => `${k}=…`).join(',')}`)
      .option('--expected-count <n>', 'with --all: how many reviews you saw pending; refused, with nothing decided, if another number matches now', parseCount)
      .option('--json', 'with --all: machine-readable per-IP results');

  type DecisionOpts = { operator?: string; comment?: string; duration?: number; case?: string; all?: boolean; filter?: string; expectedCount?: number; json?: boolean };
  const decide = (name: 'approve' | 'reject') => async (ip: string | undefined, opts: DecisionOpts, cmd: Command) => {
    const d: HumanDecision = {
      decision: name, approver: operatorName(opts.operator), channel: 'cli', ...(opts.comment !== undefined ? { comment: opts.comment } : {}),
      ...(opts.duration !== undefined ? { durationHours: opts.duration } : {}),
    };
    if (opts.all || ip === undefined) return decideAll(d, ip, opts, cmd);
    if (opts.filter !== undefined || opts.expectedCount !== undefined) throw new CliError('--filter and --expected-count go with --all', EXIT.usage);
    const r = await withClient(globals(cmd), ({ client }) => submitDecision(client, ip, {
      ...d, ...(opts.case !== undefined ? { case: opts.case } : {}),
    }, { bindToPendingCase: true }));
    const verb = name === 'approve' ? 'approved' : 'rejected';
    process.stdout.write(`${verb} ${ip}${caseSuffix(r.decision.case)} as ${r.decision.approver} at ${r.decision.decidedAt}; threat is now ${r.status}\n`);
  };

  decision('approve').option('--duration <hours>', 'block duration in hours (within policy bounds)', parseHours).action(decide('approve'));
  decision('reject').action(decide('reject'));

  operatorOption(program
    .command('release <ip>')
    .description('lift an active block now'), 'who releases')
    .option('--reason <text>', 'why')
    .action(async (ip: string, opts: { operator?: string; reason?: string }, cmd: Command) => {
      const block = await withClient(globals(cmd), ({ client }) => submitHoldAction(client, ip, {
        action: 'release', by: operatorName(opts.operator), channel: 'cli', ...(opts.reason ? { reason: opts.reason } : {}),
      }));
      process.stdout.write(`release of ${ip} recorded${block ? ` (block ${block.target})` : ''}\n`);
    });

  operatorOption(program
    .command('extend <ip>')
    .description('extend an active block')
    .requiredOption('--hours <hours>', 'hours added to the current expiry', parseHours), 'who extends')
    .option('--reason <text>', 'why')
    .action(async (ip: string, opts: { hours: number; operator?: string; reason?: string }, cmd: Command) => {
      const block = await withClient(globals(cmd), ({ client }) => submitHoldAction(client, ip, {
        action: 'extend', hours: opts.hours, by: operatorName(opts.operator), channel: 'cli', ...(opts.reason ? { reason: opts.reason } : {}),
      }));
      process.stdout.write(`extended ${ip} by ${opts.hours} h${block?.expiresAt ? `; now expires ${block.expiresAt}` : ''}\n`);
    });
}

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i]!)).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

function describeThreat(t: ThreatDetail, uiLink?: string): string {
  const out = [`${t.execution.workflowId}  (run ${t.execution.runId}, ${t.execution.executionStatus}, started ${t.execution.startTime}, ${t.execution.historyLength} events)`];
  if (uiLink) out.push(`Temporal UI: ${uiLink}`);
  const s: ThreatState | undefined = t.state;
  if (!s) {
    out.push(`state unavailable: ${t.stateError ?? 'unknown'}`);
    return `${out.join('\n')}\n`;
  }
  const e = s.evidence;
  out.push(`status ${s.status}${s.outcome ? `, outcome ${s.outcome}` : ''}; cycle ${s.cycle}; ${s.priorBlocks} earlier block(s); mode ${s.mode}${s.dryRun ? ' (dry-run)' : ''}`);
  out.push(`evidence: ${e.sightingCount} sighting(s) from ${e.sources.join(', ')}, max score ${e.maxScore}, ${e.direction}, ${e.requestCount} request(s)`);
  if (e.paths.length) out.push(`  paths: ${e.paths.slice(0, 10).join(', ')}`);
  if (e.userAgents.length) out.push(`  user agents: ${e.userAgents.slice(0, 5).join(' | ')}`);
  if (s.intel) out.push(`intel: composite ${s.intel.compositeScore}, ${s.intel.knownBad ? 'known-bad' : 'not known-bad'}, confidence ${s.intel.confidence}${s.intel.org ? `, org ${s.intel.org}` : ''}`);
  if (s.proposal) out.push(`proposal (${s.proposal.origin}): ${s.proposal.action}${s.proposal.action === 'block' ? ` ${s.proposal.durationHours} h` : ''} — ${s.proposal.reason}`);
  if (s.decision) {
    out.push(`policy: ${s.decision.kind}${s.decision.block ? ` → block ${s.decision.block.target} for ${s.decision.block.durationHours} h` : ''}`);
    for (const r of s.decision.reasons) out.push(`  - ${r}`);
  }
  if (s.review) {
    const d = s.review.decision;
    out.push(d ? `review: ${d.decision} by ${d.approver} via ${d.channel} at ${d.decidedAt}${d.comment ? ` — ${d.comment}` : ''}` : `review: waiting until ${s.review.deadline}${s.review.escalated ? ' (escalated)' : ''}`);
    if (s.review.case) out.push(`  case: ${s.review.case} (pass --case ${s.review.case} to approve or reject this case)`);
  }
  if (s.block) out.push(`block: ${s.block.target} on ${s.block.enforcer}${s.block.dryRun ? ' (dry-run)' : ''}, ${s.block.permanent ? 'permanent' : `${s.block.durationHours} h${s.block.expiresAt ? ` until ${s.block.expiresAt}` : ''}`}`);
  for (const st of s.enforcement) out.push(`  ${st.at} ${st.step}: ${st.ok ? 'ok' : 'FAILED'}${st.simulated ? ' (simulated)' : ''} — ${st.detail}`);
  for (const h of s.holdActions) out.push(`hold: ${h.action}${h.hours ? ` ${h.hours} h` : ''} by ${h.by} via ${h.channel} at ${h.at}`);
  return `${out.join('\n')}\n`;
}

const caseSuffix = (c: string | undefined) => (c ? ` (case ${c})` : '');
