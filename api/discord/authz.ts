// Who may use Palisade from Discord. Checked on every interaction, server-side: a slash command's
// default_member_permissions is only a UI hint that guild admins can override.
// Fail closed: with no guild or no role configured, nobody is authorised.
import type { PalisadeConfig } from '../../domain/config';

/** The authorisation-relevant facts of one interaction, as Discord sent them. */
export interface DiscordActor {
  userId: string;
  username: string;
  /** null in DMs. */
  guildId: string | null;
  channelId: string | null;
  /** Role ids of the member in that guild (empty in DMs). */
  roleIds: string[];
}

export type DiscordAccessConfig = Pick<PalisadeConfig['discord'], 'guildIds' | 'channelIds' | 'roleIds'>;

export type AccessVerdict = { ok: true } | { ok: false; reason: 'not_configured' | 'wrong_guild' | 'wrong_channel' | 'missing_role'; message: string };

export function checkAccess(actor: DiscordActor, cfg: DiscordAccessConfig): AccessVerdict {
  if (cfg.guildIds.length === 0 || cfg.roleIds.length === 0) {
    return { ok: false, reason: 'not_configured', message: 'Palisade is not configured for Discord approvals here (discord.guildIds and discord.roleIds must be set).' };
  }
  if (!actor.guildId || !cfg.guildIds.includes(actor.guildId)) {
    return { ok: false, reason: 'wrong_guild', message: 'Palisade does not accept commands from this server.' };
  }
  if (cfg.channelIds.length > 0 && (!actor.channelId || !cfg.channelIds.includes(actor.channelId))) {
    return { ok: false, reason: 'wrong_channel', message: 'Palisade does not accept commands in this channel.' };
  }
  if (!actor.roleIds.some((r) => cfg.roleIds.includes(r))) {
    return { ok: false, reason: 'missing_role', message: 'You do not have a role that may act on Palisade threats.' };
  }
  return { ok: true };
}

/** The approver name recorded in the workflow history: readable and traceable to one Discord account. */
export function approverName(actor: DiscordActor): string {
  const name = actor.username.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').slice(0, 60) || 'unknown';
  return `${name} (discord:${actor.userId.slice(0, 25)})`;
}
