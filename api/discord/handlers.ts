// Slash-command and button handlers, as functions over a narrow view of an interaction so tests can drive them with
// constructed interactions. Every approval goes through runtime/operator-actions (channel 'discord', the Discord user
// as approver): the same code path as the API, review page and CLI, so nothing bypasses the audit trail.
import type { Client } from '@temporalio/client';
import type { PalisadeConfig } from '../../domain/config';
import type { HumanDecision } from '../../domain/types';
import { decideInBulk, type BulkSelection } from '../../runtime/bulk-decisions';
import {
  getThreat, listThreats, OperatorActionError, pendingCaseOf, submitDecision, submitHoldAction, submitIncidentDecision,
  type IncidentDecision, type OperatorCallOptions,
} from '../../runtime/operator-actions';
import { INCIDENT_PENDING_STATUS, listIncidents } from '../../runtime/incidents';
import { discordLine } from '../../activities/notify/discord-webhook';
import { approverName, checkAccess, type AccessVerdict, type DiscordActor } from './authz';
import {
  incidentListMessage, parseButtonCustomId, parseIncidentButtonCustomId, pendingListMessage, statusMessage, type BotMessage,
} from './messages';
import { isProactiveCommand, proactiveCommand, type ProactiveOps } from './proactive';

/** The operator actions the bot uses, bound to one Temporal client. */
export interface OperatorOps {
  submitDecision(ip: string, d: HumanDecision, opts?: Pick<OperatorCallOptions, 'bindToPendingCase'>): ReturnType<typeof submitDecision>;
  decideInBulk(d: HumanDecision, selection: BulkSelection): ReturnType<typeof decideInBulk>;
  submitHoldAction(ip: string, a: Parameters<typeof submitHoldAction>[2]): ReturnType<typeof submitHoldAction>;
  getThreat(ip: string): ReturnType<typeof getThreat>;
  listThreats(opts: { status?: string; limit?: number }): ReturnType<typeof listThreats>;
  listIncidents(opts: { status?: string; limit?: number }): ReturnType<typeof listIncidents>;
  submitIncidentDecision(id: string, d: IncidentDecision): ReturnType<typeof submitIncidentDecision>;
}

export function operatorOpsFor(client: Client): OperatorOps {
  return {
    submitDecision: (ip, d, opts) => submitDecision(client, ip, d, opts),
    decideInBulk: (d, selection) => decideInBulk(client, d, selection),
    submitHoldAction: (ip, a) => submitHoldAction(client, ip, a),
    getThreat: (ip) => getThreat(client, ip),
    listThreats: (opts) => listThreats(client, opts),
    listIncidents: (opts) => listIncidents(client, opts),
    submitIncidentDecision: (id, d) => submitIncidentDecision(client, id, d),
  };
}

export interface HandlerDeps {
  ops: OperatorOps;
  /** The proactive loop's acks (/ack, /unack, /acks); without it those commands answer that it is not wired. */
  proactive?: ProactiveOps;
  access: Pick<PalisadeConfig['discord'], 'guildIds' | 'channelIds' | 'roleIds'>;
  /** The threat's page in the Temporal UI (embed title link), when a UI is known. */
  workflowLink?: (workflowId: string) => string | undefined;
  /** Called for every refused interaction and every unexpected error (logging, metrics). */
  onEvent?: (e: { type: 'denied'; actor: DiscordActor; verdict: AccessVerdict } | { type: 'error'; actor: DiscordActor; error: unknown }) => void;
}

export interface CommandInput {
  actor: DiscordActor;
  commandName: string;
  options: Record<string, string | number | boolean | undefined>;
}

export interface ButtonInput {
  actor: DiscordActor;
  customId: string;
}

export interface ButtonResult {
  reply: BotMessage;
  /** True when the threat has been decided: the review message's buttons should be removed. */
  resolved: boolean;
}

const text = (content: string): BotMessage => ({ content: content.slice(0, 2000), allowed_mentions: { parse: [] } });

function optString(input: CommandInput, name: string): string | undefined {
  const v = input.options[name];
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

function failureMessage(err: unknown, deps: HandlerDeps, actor: DiscordActor): BotMessage {
  if (err instanceof OperatorActionError) return text(`✖ ${discordLine(err.message, 1800)}`);
  deps.onEvent?.({ type: 'error', actor, error: err });
  return text('✖ Palisade could not complete this request; the error has been logged.');
}

function authorise(actor: DiscordActor, deps: HandlerDeps): BotMessage | undefined {
  const verdict = checkAccess(actor, deps.access);
  if (verdict.ok) return undefined;
  deps.onEvent?.({ type: 'denied', actor, verdict });
  return text(`⛔ ${verdict.message}`);
}

function decisionSummary(ip: string, d: HumanDecision): string {
  const dur = d.durationHours ? ` for ${d.durationHours} h` : '';
  return `${d.decision === 'approve' ? '✅ Approved' : '❌ Rejected'} ${ip}${d.case ? ` (case ${d.case})` : ''}${dur} (recorded as ${discordLine(d.approver, 100)} via discord)`;
}

export async function handleCommand(input: CommandInput, deps: HandlerDeps): Promise<BotMessage> {
  const denied = authorise(input.actor, deps);
  if (denied) return denied;
  const approver = approverName(input.actor);
  try {
    if (isProactiveCommand(input.commandName)) return await proactiveCommand(input.commandName, input.options, approver, deps.proactive);
    switch (input.commandName) {
      case 'pending': {
        const pending = await deps.ops.listThreats({ status: 'pending_review' });
        // Buttons are bound to a case: read the pending case of the (at most five) threats that get buttons.
        const cases: Record<string, string> = {};
        await Promise.all(pending.slice(0, 5).map(async ({ ip }) => {
          const detail = await deps.ops.getThreat(ip).catch(() => undefined);
          const c = detail && pendingCaseOf(detail);
          if (c) cases[ip] = c;
        }));
        return pendingListMessage(pending, cases);
      }
      case 'incidents':
        return incidentListMessage(await deps.ops.listIncidents({ status: INCIDENT_PENDING_STATUS, limit: 50 }));
      case 'status': {
        const t = await deps.ops.getThreat(requiredIp(input));
        return statusMessage(t, deps.workflowLink?.(t.execution.workflowId));
      }
      case 'approve':
      case 'reject': {
        const ip = requiredIp(input);
        const hours = input.options.hours;
        const d: HumanDecision = {
          decision: input.commandName,
          approver,
          channel: 'discord',
          ...(optString(input, 'comment') ? { comment: optString(input, 'comment') } : {}),
          ...(input.commandName === 'approve' && typeof hours === 'number' ? { durationHours: hours } : {}),
        };
        // A slash command is typed now, about what is pending now: it is bound to the case pending at this moment.
        const result = await deps.ops.submitDecision(ip, d, { bindToPendingCase: true });
        return text(`${decisionSummary(ip, result.decision)} — threat is now ${result.status}`);
      }
      case 'approve-all':
      case 'reject-all': {
        // The count the operator saw in /pending: a different number pending now refuses the whole decision.
        const expected = input.options.expected;
        if (typeof expected !== 'number' || !Number.isInteger(expected) || expected < 0) {
          throw new OperatorActionError('invalid_input', 'the expected option is required: the number of pending reviews you saw (/pending shows it)');
        }
        const d: HumanDecision = {
          decision: input.commandName === 'approve-all' ? 'approve' : 'reject',
          approver,
          channel: 'discord',
          comment: optString(input, 'comment') ?? `bulk ${input.commandName} from Discord`,
        };
        const outcome = await deps.ops.decideInBulk(d, { kind: 'filter', filter: { all: true }, expectedCount: expected });
        if (outcome.matched === 0) return text('No threats are waiting for review.');
        const results = outcome.results;
        const ok = results.filter((r) => r.ok).map((r) => r.ip);
        const failed = results.filter((r): r is Extract<typeof r, { ok: false }> => !r.ok);
        const lines = [`${d.decision === 'approve' ? '✅ Approved' : '❌ Rejected'} ${ok.length} of ${results.length}: ${ok.slice(0, 30).join(', ')}${ok.length > 30 ? ', …' : ''}`];
        for (const f of failed.slice(0, 10)) lines.push(`✖ ${f.ip}: ${discordLine(f.error, 150)}`);
        if (failed.length > 10) lines.push(`… and ${failed.length - 10} more failures`);
        return text(lines.join('\n'));
      }
      case 'release': {
        const ip = requiredIp(input);
        const block = await deps.ops.submitHoldAction(ip, { action: 'release', by: approver, channel: 'discord', ...(optString(input, 'reason') ? { reason: optString(input, 'reason') } : {}) });
        return text(`🔓 Release of ${ip} recorded${block?.target ? ` (block ${block.target})` : ''}.`);
      }
      default:
        return text(`Unknown command ${discordLine(input.commandName, 40)}.`);
    }
  } catch (err) {
    return failureMessage(err, deps, input.actor);
  }
}

function requiredIp(input: CommandInput): string {
  const ip = optString(input, 'ip');
  if (!ip) throw new OperatorActionError('invalid_input', 'the ip option is required');
  return ip.trim();
}

export async function handleButton(input: ButtonInput, deps: HandlerDeps): Promise<ButtonResult> {
  const denied = authorise(input.actor, deps);
  if (denied) return { reply: denied, resolved: false };
  const incident = parseIncidentButtonCustomId(input.customId);
  if (incident) return incidentButton(incident, input, deps);
  const parsed = parseButtonCustomId(input.customId);
  if (!parsed) return { reply: text('✖ This button is not one of Palisade\'s.'), resolved: false };
  const d: HumanDecision = {
    decision: parsed.action,
    approver: approverName(input.actor),
    channel: 'discord',
    comment: `${parsed.action === 'approve' ? 'approved' : 'rejected'} with the Discord review button`,
    // The case the button was issued for: the workflow refuses it for any other case of the IP.
    ...(parsed.case ? { case: parsed.case } : {}),
  };
  try {
    // submitDecision re-validates the IP from the custom id; a tampered id fails there, before any side effect.
    const result = await deps.ops.submitDecision(parsed.ip, d);
    return { reply: text(`${decisionSummary(parsed.ip, result.decision)} — threat is now ${result.status}`), resolved: true };
  } catch (err) {
    // A threat that is no longer awaiting review has been decided elsewhere: its buttons are stale.
    const stale = err instanceof OperatorActionError && (err.code === 'invalid_state' || err.code === 'not_found');
    return { reply: failureMessage(err, deps, input.actor), resolved: stale };
  }
}

const INCIDENT_VERBS = { approve: '✅ Approved', reject: '❌ Rejected', acknowledge: '👀 Acknowledged' } as const;

/** An incident's button: the same decision path as the API, CLI, review page and signed links (channel discord). */
async function incidentButton(parsed: { action: IncidentDecision['decision']; id: string }, input: ButtonInput, deps: HandlerDeps): Promise<ButtonResult> {
  const d: IncidentDecision = {
    decision: parsed.action,
    approver: approverName(input.actor),
    channel: 'discord',
    comment: `${parsed.action} with the Discord incident button`,
  };
  try {
    const result = await deps.ops.submitIncidentDecision(parsed.id, d);
    return { reply: text(`${INCIDENT_VERBS[parsed.action]} incident ${result.id} (recorded as ${discordLine(d.approver, 100)} via discord; nothing is executed)`), resolved: true };
  } catch (err) {
    // Decided elsewhere, or gone: the message's buttons are stale.
    const stale = err instanceof OperatorActionError && (err.code === 'invalid_state' || err.code === 'not_found');
    return { reply: failureMessage(err, deps, input.actor), resolved: stale };
  }
}
