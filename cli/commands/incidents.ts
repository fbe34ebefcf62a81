// `palisade incidents pending|show|decide`: the incidents (alert investigations) an on-call operator decides over
// SSH. The decision goes through runtime/operator-actions (channel 'cli'), the same path as every other channel.
import type { Command } from 'commander';
import { ALERT_INVESTIGATION_STATUSES, type AlertDecisionKind, type AlertInvestigationState } from '../../domain/alerts';
import { threatUiLink } from '../../domain/temporal-ui';
import { getIncident, INCIDENT_PENDING_STATUS, listIncidents, requireUndecided, type IncidentDetail } from '../../runtime/incidents';
import { normaliseIncidentId, submitIncidentDecision } from '../../runtime/operator-actions';
import { signIncidentLink } from '../../runtime/signed-links';
import { CliError, EXIT, globals, loadCliConfig, operatorName, operatorOption, printJson, withClient } from '../context';
import { linkSigning } from './sign';
import { table } from './threats';

/** The words the noc-agent's CLI took (approved, rejected) and the API's (approve, reject), plus acknowledge(d). */
const DECISION_WORDS: Record<string, AlertDecisionKind> = {
  approved: 'approve', approve: 'approve', rejected: 'reject', reject: 'reject', acknowledged: 'acknowledge', acknowledge: 'acknowledge',
};

export function parseIncidentDecision(word: string): AlertDecisionKind {
  const d = DECISION_WORDS[word.trim().toLowerCase()];
  if (!d) throw new CliError(`the decision must be approved, rejected or acknowledged, not ${JSON.stringify(word.slice(0, 40))}`, EXIT.usage);
  return d;
}

export function registerIncidentCommands(program: Command) {
  const incidents = program.command('incidents').description('alert investigations (Alertmanager, Icinga): list, show, decide');

  incidents
    .command('pending')
    .description('list incidents waiting for an operator decision')
    .option('--status <status>', `list incidents with this status instead (${['open', ...ALERT_INVESTIGATION_STATUSES].join(', ')})`, INCIDENT_PENDING_STATUS)
    .option('--limit <n>', 'at most this many', '200')
    .option('--json', 'machine-readable output')
    .action(async (opts: { status: string; limit: string; json?: boolean }, cmd: Command) => {
      const status = opts.status === 'open' ? undefined : opts.status;
      const list = await withClient(globals(cmd), ({ client }) => listIncidents(client, { status, limit: Number(opts.limit) || 200 }));
      if (opts.json) return printJson(list);
      if (list.length === 0) return void process.stdout.write(`no incidents with status ${opts.status}\n`);
      const rows = list.map((i) => [i.id, i.severity ?? '', i.source ?? '', i.status ?? '', i.startTime.slice(0, 19).replace('T', ' '), oneLine(i.name ?? '', 40), oneLine(i.summary ?? '', 60)]);
      process.stdout.write(table(['ID', 'SEVERITY', 'SOURCE', 'STATUS', 'SINCE (UTC)', 'ALERT', 'SUMMARY'], rows));
    });

  incidents
    .command('show <id>')
    .description('show one incident: alert, diagnostics, diagnosis, decision and timeline')
    .option('--json', 'machine-readable output')
    .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
      const { detail, link } = await withClient(globals(cmd), async ({ client, config }) => {
        const detail = await getIncident(client, id);
        return { detail, link: threatUiLink(config.temporal, detail.execution.workflowId) };
      });
      if (opts.json) return printJson({ ...detail, links: { temporalUi: link } });
      process.stdout.write(describeIncident(detail, link));
    });

  operatorOption(incidents
    .command('decide <id> <decision>')
    .description('record a decision (approved, rejected or acknowledged); it is recorded, never executed'), 'who decides')
    .option('--comment <text>', 'why (recorded in the audit trail)')
    .action(async (id: string, word: string, opts: { operator?: string; comment?: string }, cmd: Command) => {
      const decision = parseIncidentDecision(word);
      const approver = operatorName(opts.operator);
      const r = await withClient(globals(cmd), ({ client }) => submitIncidentDecision(client, id, {
        decision, approver, channel: 'cli', ...(opts.comment ? { comment: opts.comment } : {}),
      }));
      process.stdout.write(`${DECIDED[r.decision.decision]} incident ${r.id} as ${r.decision.operator} at ${r.decision.decidedAt}; execution: ${r.decision.execution}\n`);
    });

  incidents
    .command('sign <id>')
    .description('mint a signed, expiring, single-use link that records a decision on an incident (channel signed-link)')
    .requiredOption('--approver <name>', 'who the link is issued to (recorded as the operator)')
    .option('--decision <decision>', 'approved, rejected or acknowledged', 'approved')
    .option('--ttl <seconds>', 'link lifetime in seconds (default api.signedLinkTtlSeconds)')
    .option('--no-check', 'do not read the incident from Temporal (offline)')
    .action(async (idArg: string, opts: { approver: string; decision: string; ttl?: string; check: boolean }, cmd: Command) => {
      const decision = parseIncidentDecision(opts.decision);
      const id = normaliseIncidentId(idArg);
      const g = globals(cmd);
      const config = loadCliConfig(g);
      const { key, ttlSeconds } = await linkSigning(config, opts.ttl);
      if (opts.check) await withClient(g, async ({ client }) => requireUndecided(await getIncident(client, id)));
      const { token, claims } = signIncidentLink(key, { incident: id, decision, approver: opts.approver }, { ttlSeconds });
      process.stdout.write(`${config.api.publicUrl.replace(/\/+$/, '')}/approve/${token}\n`);
      process.stderr.write(`${claims.decision} incident ${id} as ${claims.approver}; expires ${new Date(claims.exp * 1000).toISOString()}; single use\n`);
    });
}

const DECIDED: Record<AlertDecisionKind, string> = { approve: 'approved', reject: 'rejected', acknowledge: 'acknowledged' };

const oneLine = (s: string, max: number) => {
  const t = s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

function describeIncident(i: IncidentDetail, uiLink?: string): string {
  const out = [`${i.execution.workflowId}  (run ${i.execution.runId}, ${i.execution.executionStatus}, started ${i.execution.startTime}, ${i.execution.historyLength} events)`];
  if (uiLink) out.push(`Temporal UI: ${uiLink}`);
  const s: AlertInvestigationState | undefined = i.state;
  if (!s) {
    out.push(`state unavailable: ${i.stateError ?? 'unknown'}`);
    return `${out.join('\n')}\n`;
  }
  const a = s.alert;
  out.push(`status ${s.status}; ${s.notifications} notification(s)${s.firstSeen ? `, first ${s.firstSeen}` : ''}${s.lastSeen ? `, last ${s.lastSeen}` : ''}${s.resolvedAt ? `, resolved ${s.resolvedAt}` : ''}`);
  if (a) {
    out.push(`alert: ${oneLine(a.name, 200)} (${a.source}, ${a.severity}) — ${oneLine(a.summary, 300)}`);
    const labels = Object.entries(a.labels).slice(0, 20).map(([k, v]) => `${k}=${oneLine(v, 80)}`).join(' ');
    if (labels) out.push(`  labels: ${labels}`);
    if (a.expr) out.push(`  expression (shown, never run): ${oneLine(a.expr, 300)}`);
  }
  if (s.diagnostics) {
    out.push(`diagnostics: prometheus ${s.diagnostics.prometheus}${s.diagnostics.reason ? ` (${oneLine(s.diagnostics.reason, 200)})` : ''}`);
    for (const r of s.diagnostics.results.slice(0, 10)) out.push(`  ${oneLine(r.query, 120)} => ${r.status === 'ok' ? (r.series ?? []).slice(0, 3).map((x) => x.value).join(', ') || 'no series' : `error: ${oneLine(r.error ?? '', 120)}`}`);
  }
  const d = s.diagnosis;
  if (d) {
    out.push(d.status === 'diagnosed' ? `diagnosis (confidence ${Math.round(d.confidence * 100)} %): ${oneLine(d.summary, 500)}` : `no diagnosis: ${oneLine(d.reason ?? '', 300)}`);
    for (const c of d.likelyCauses) out.push(`  likely cause: ${oneLine(c, 200)}`);
    for (const c of d.suggestedChecks) out.push(`  check: ${oneLine(c, 200)}`);
  }
  if (s.threat) out.push(`threat: ${s.threat.workflowId ?? `not opened: ${oneLine(s.threat.rejected ?? '', 200)}`}`);
  const dec = s.decision;
  out.push(dec
    ? `decision: ${dec.decision} by ${dec.operator} via ${dec.channel} at ${dec.decidedAt}${dec.comment ? ` — ${oneLine(dec.comment, 300)}` : ''}; execution: ${dec.execution}`
    : s.decisionTimedOut ? 'decision: none (timed out)' : `decision: pending — palisade incidents decide ${i.id} approved|rejected|acknowledged --comment …`);
  for (const t of s.timeline.slice(-20)) out.push(`  ${t.at} ${t.event}${t.detail ? ` — ${oneLine(t.detail, 200)}` : ''}`);
  return `${out.join('\n')}\n`;
}
