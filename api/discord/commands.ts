// Slash-command definitions and their registration (bulk overwrite per guild: guild commands update instantly).
import { InteractionContextType, PermissionFlagsBits, REST, Routes, SlashCommandBuilder, type RESTPostAPIChatInputApplicationCommandsJSONBody } from 'discord.js';

const ipOption = (b: SlashCommandBuilder) => b.addStringOption((o) => o.setName('ip').setDescription('IPv4 or IPv6 address').setRequired(true).setMaxLength(45));

// default_member_permissions hides the commands from ordinary members; authorisation is still re-checked on use.
const base = (name: string, description: string) =>
  new SlashCommandBuilder().setName(name).setDescription(description).setDefaultMemberPermissions(PermissionFlagsBits.ManageGuild).setContexts(InteractionContextType.Guild);

// A bulk decision names the count the operator saw: a different number pending now refuses it (nothing decided).
const bulkOptions = (b: SlashCommandBuilder) => b
  .addIntegerOption((o) => o.setName('expected').setDescription('How many reviews you saw pending (/pending); refused if another number is pending').setRequired(true).setMinValue(0).setMaxValue(1000))
  .addStringOption((o) => o.setName('comment').setDescription('Why (recorded in the audit trail)').setMaxLength(500));

export const COMMAND_NAMES = ['pending', 'incidents', 'approve', 'reject', 'approve-all', 'reject-all', 'status', 'release', 'ack', 'unack', 'acks'] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export function commandDefinitions(): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return [
    base('pending', 'List threats waiting for review'),
    base('incidents', 'List incidents (alert investigations) awaiting a decision, with buttons'),
    ipOption(base('approve', 'Approve the proposed block of an IP'))
      .addStringOption((o) => o.setName('comment').setDescription('Why (recorded in the audit trail)').setMaxLength(500))
      .addNumberOption((o) => o.setName('hours').setDescription('Block duration in hours (within policy bounds)').setMinValue(0.1).setMaxValue(87600)),
    ipOption(base('reject', 'Reject the proposed block of an IP'))
      .addStringOption((o) => o.setName('comment').setDescription('Why (recorded in the audit trail)').setMaxLength(500)),
    bulkOptions(base('approve-all', 'Approve every threat waiting for review')),
    bulkOptions(base('reject-all', 'Reject every threat waiting for review')),
    ipOption(base('status', 'Show the state of one IP')),
    ipOption(base('release', 'Lift an active block now'))
      .addStringOption((o) => o.setName('reason').setDescription('Why (recorded in the audit trail)').setMaxLength(500)),
    // The proactive loop's acks (api/discord/proactive.ts).
    base('ack', 'Mute a proactive hotspot until it stops firing')
      .addStringOption((o) => o.setName('id').setDescription('Ack id from the digest (a prefix of 4+ hex digits)').setRequired(true).setMinLength(4).setMaxLength(16))
      .addStringOption((o) => o.setName('reason').setDescription('Why it is muted (recorded)').setRequired(true).setMaxLength(500))
      .addNumberOption((o) => o.setName('hours').setDescription('Lapse after this many hours even if it keeps firing').setMinValue(0.1).setMaxValue(720)),
    base('unack', 'Unmute a proactive hotspot')
      .addStringOption((o) => o.setName('id').setDescription('Ack id of the suppression').setRequired(true).setMinLength(4).setMaxLength(16))
      .addStringOption((o) => o.setName('reason').setDescription('Why (recorded)').setMaxLength(500)),
    base('acks', 'List the muted proactive hotspots'),
  ].map((b) => b.toJSON());
}

export interface RegisterOptions {
  token: string;
  applicationId: string;
  guildIds: string[];
  /** Discord API base (default https://discord.com/api); tests point it at a local server. */
  api?: string;
}

/** Registers (bulk-overwrites) the commands in each guild; returns the number registered per guild. */
export async function registerCommands(opts: RegisterOptions): Promise<Record<string, number>> {
  if (opts.guildIds.length === 0) throw new Error('discord.guildIds is empty: commands are registered per guild');
  const rest = new REST({ version: '10', ...(opts.api ? { api: opts.api } : {}) }).setToken(opts.token);
  const body = commandDefinitions();
  const out: Record<string, number> = {};
  for (const guildId of opts.guildIds) {
    const res = (await rest.put(Routes.applicationGuildCommands(opts.applicationId, guildId), { body })) as unknown[];
    out[guildId] = res.length;
  }
  return out;
}
