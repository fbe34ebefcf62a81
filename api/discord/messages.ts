// Message bodies the bot sends: review requests with Approve/Reject buttons, the pending list, a threat's status.
// Raw Discord API JSON (usable both as an interaction reply and as a REST channel-message body).
// Every untrusted string goes through the webhook notifier's mention-safe helpers.
import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent, type APIEmbed } from 'discord.js';
import { discordBlock, discordLine } from '../../activities/notify/discord-webhook';
import type { ThreatDetail, ThreatSummary } from '../../runtime/operator-actions';
import type { IncidentSummary } from '../../runtime/incidents';

export type ButtonAction = 'approve' | 'reject';
// Bounded input (Discord custom ids are at most 100 characters), and the case part has no character of an IP.
const CUSTOM_ID = /^palisade:(approve|reject):([0-9a-fA-F.:]{2,45})(?::([0-9]{1,9}-[0-9a-z]{8,32}))?$/;

/**
 * Button custom id; carries the IP and the case the review was opened for, so a click is self-contained and an old
 * message's button cannot decide a later case of the IP (domain/case-binding). Validated again when used.
 */
export const buttonCustomId = (action: ButtonAction, ip: string, caseRef: string) => `palisade:${action}:${ip}:${caseRef}`;

/**
 * Parses a button custom id. Returns undefined for anything that is not exactly one of ours; a button from before
 * case binding parses without a case (and the workflow refuses it, naming the case pending now).
 */
export function parseButtonCustomId(customId: string): { action: ButtonAction; ip: string; case?: string } | undefined {
  if (customId.length > 100) return undefined;
  const m = CUSTOM_ID.exec(customId);
  if (!m) return undefined;
  return { action: m[1] as ButtonAction, ip: m[2]!, ...(m[3] ? { case: m[3] } : {}) };
}

export interface BotMessage {
  content?: string;
  embeds?: APIEmbed[];
  components?: APIActionRowComponent<APIButtonComponent>[];
  allowed_mentions: { parse: [] };
}

export function reviewButtons(ip: string, caseRef: string): APIActionRowComponent<APIButtonComponent> {
  return {
    type: ComponentType.ActionRow,
    components: [
      { type: ComponentType.Button, style: ButtonStyle.Success, label: `Approve ${ip}`.slice(0, 80), custom_id: buttonCustomId('approve', ip, caseRef) },
      { type: ComponentType.Button, style: ButtonStyle.Danger, label: `Reject ${ip}`.slice(0, 80), custom_id: buttonCustomId('reject', ip, caseRef) },
    ],
  };
}

/** A review request as the bot posts it (from a review_needed notification); buttons only when it names its case. */
export function reviewRequestMessage(r: { ip: string; title: string; body: string; fields?: { name: string; value: string }[]; workflowId: string; url?: string; case?: string }): BotMessage {
  return {
    allowed_mentions: { parse: [] },
    embeds: [{
      title: discordLine(r.title, 256),
      ...(r.url ? { url: r.url } : {}),
      description: discordBlock(r.body, 3000),
      color: 0x3498db,
      fields: (r.fields ?? []).slice(0, 20).map((f) => ({ name: discordLine(f.name, 256) || '-', value: discordBlock(f.value, 1024) || '-', inline: true })),
      footer: { text: discordLine(r.workflowId, 200) },
    }],
    components: r.case ? [reviewButtons(r.ip, r.case)] : [],
  };
}

/**
 * The /pending answer: a list, with buttons for the first five (Discord allows five action rows) whose pending case
 * is known (`cases`: IP → case reference, read from each workflow's state).
 */
export function pendingListMessage(threats: ThreatSummary[], cases: Record<string, string> = {}, totalShownMax = 20): BotMessage {
  if (threats.length === 0) return { content: 'No threats are waiting for review.', allowed_mentions: { parse: [] } };
  const lines = threats.slice(0, totalShownMax).map((t) =>
    `• ${discordLine(t.ip, 45)} — score ${t.score ?? '?'}, source ${discordLine(t.source ?? '?', 40)}, since ${t.startTime.slice(0, 16).replace('T', ' ')} UTC`);
  if (threats.length > totalShownMax) lines.push(`… and ${threats.length - totalShownMax} more`);
  return {
    allowed_mentions: { parse: [] },
    embeds: [{ title: `${threats.length} threat(s) awaiting review`, description: discordBlock(lines.join('\n'), 4000), color: 0x3498db }],
    components: threats.slice(0, 5).filter((t) => cases[t.ip]).map((t) => reviewButtons(t.ip, cases[t.ip]!)),
  };
}

/** The /status answer for one IP. */
export function statusMessage(t: ThreatDetail, url?: string): BotMessage {
  const s = t.state;
  const fields: APIEmbed['fields'] = [
    { name: 'Execution', value: t.execution.executionStatus, inline: true },
  ];
  if (s) {
    fields.push({ name: 'Status', value: s.status, inline: true });
    if (s.outcome) fields.push({ name: 'Outcome', value: s.outcome, inline: true });
    fields.push({ name: 'Score', value: String(s.evidence.maxScore), inline: true });
    fields.push({ name: 'Earlier blocks', value: String(s.priorBlocks), inline: true });
    fields.push({ name: 'Mode', value: `${s.mode}${s.dryRun ? ' (dry-run)' : ''}`, inline: true });
    if (s.proposal) fields.push({ name: 'Proposal', value: discordBlock(`${s.proposal.action} ${s.proposal.durationHours} h (${s.proposal.origin}): ${s.proposal.reason}`, 1024) || '-' });
    if (s.decision) fields.push({ name: 'Policy', value: discordBlock(`${s.decision.kind}: ${s.decision.reasons.join('; ')}`, 1024) || '-' });
    if (s.review?.decision) {
      const d = s.review.decision;
      fields.push({ name: 'Human decision', value: discordBlock(`${d.decision} by ${d.approver} via ${d.channel}${d.comment ? `: ${d.comment}` : ''}`, 1024) });
    } else if (s.review) {
      fields.push({ name: 'Review deadline', value: s.review.deadline, inline: true });
    }
    if (s.block) fields.push({ name: 'Block', value: discordBlock(`${s.block.target} ${s.block.permanent ? 'permanent' : `until ${s.block.expiresAt ?? '?'}`} on ${s.block.enforcer}${s.block.dryRun ? ' (dry-run)' : ''}`, 1024) });
  } else if (t.stateError) {
    fields.push({ name: 'State', value: discordBlock(t.stateError, 1024) || '-' });
  }
  return {
    allowed_mentions: { parse: [] },
    embeds: [{ title: `Threat ${discordLine(t.ip, 45)}`, ...(url ? { url } : {}), color: 0x95a5a6, fields, footer: { text: discordLine(t.execution.workflowId, 200) } }],
    components: s?.status === 'pending_review' && s.review?.case ? [reviewButtons(t.ip, s.review.case)] : [],
  };
}

// Incident buttons: the incident id is the alert fingerprint (hex, optionally `icinga-`), bounded like the IP part.
export type IncidentButtonAction = 'approve' | 'reject' | 'acknowledge';
const INCIDENT_CUSTOM_ID = /^palisade:incident:(approve|reject|acknowledge):((?:icinga-)?[0-9a-f]{1,32})$/;

export const incidentButtonCustomId = (action: IncidentButtonAction, id: string) => `palisade:incident:${action}:${id}`;

/** Parses an incident button's custom id; undefined for anything that is not exactly one of ours. */
export function parseIncidentButtonCustomId(customId: string): { action: IncidentButtonAction; id: string } | undefined {
  if (customId.length > 100) return undefined;
  const m = INCIDENT_CUSTOM_ID.exec(customId);
  return m ? { action: m[1] as IncidentButtonAction, id: m[2]! } : undefined;
}

export function incidentButtons(id: string): APIActionRowComponent<APIButtonComponent> {
  return {
    type: ComponentType.ActionRow,
    components: [
      { type: ComponentType.Button, style: ButtonStyle.Success, label: `Approve ${id}`.slice(0, 80), custom_id: incidentButtonCustomId('approve', id) },
      { type: ComponentType.Button, style: ButtonStyle.Danger, label: `Reject ${id}`.slice(0, 80), custom_id: incidentButtonCustomId('reject', id) },
      { type: ComponentType.Button, style: ButtonStyle.Secondary, label: `Ack ${id}`.slice(0, 80), custom_id: incidentButtonCustomId('acknowledge', id) },
    ],
  };
}

/** An incident awaiting a decision, as the bot posts it (from an alert_investigation notification), with buttons. */
export function incidentMessage(r: { incident: string; title: string; body: string; fields?: { name: string; value: string }[]; workflowId: string; url?: string }): BotMessage {
  return { ...reviewRequestMessage({ ip: r.incident, ...r }), components: [incidentButtons(r.incident)] };
}

/** The /incidents answer: incidents awaiting a decision, with buttons for the first five (five action rows at most). */
export function incidentListMessage(incidents: IncidentSummary[], totalShownMax = 20): BotMessage {
  if (incidents.length === 0) return { content: 'No incidents are awaiting a decision.', allowed_mentions: { parse: [] } };
  const lines = incidents.slice(0, totalShownMax).map((i) => `• \`${i.id}\` ${discordLine(i.name ?? '(unnamed alert)', 80)} — ${discordLine(i.severity ?? 'unknown', 20)}, ${discordLine(i.source ?? '?', 20)}: ${discordLine(i.summary ?? '', 120)}`);
  if (incidents.length > totalShownMax) lines.push(`… and ${incidents.length - totalShownMax} more`);
  return {
    content: `**${incidents.length} incident(s) awaiting a decision** (approving records the decision; nothing is executed)\n${lines.join('\n')}`.slice(0, 2000),
    components: incidents.slice(0, 5).map((i) => incidentButtons(i.id)),
    allowed_mentions: { parse: [] },
  };
}
