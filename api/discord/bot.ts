// The thin discord.js glue: log in, register the slash commands, turn each interaction into the narrow input the
// handlers take, and send their answer back. All decisions and authorisation live in handlers.ts / authz.ts.
import {
  Client as DiscordClient, Events, GatewayIntentBits, MessageFlags,
  type ButtonInteraction, type ChatInputCommandInteraction, type Interaction,
} from 'discord.js';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { PalisadeConfig } from '../../domain/config';
import { requireSecret } from '../../runtime/secrets';
import type { DiscordActor } from './authz';
import { registerCommands } from './commands';
import { threatUiLink } from '../../domain/temporal-ui';
import { handleButton, handleCommand, operatorOpsFor, type HandlerDeps } from './handlers';
import type { BotMessage } from './messages';
import { proactiveOpsFor } from './proactive';

/** The member shapes Discord hands us: a cached GuildMember (roles.cache) or the raw API member (roles: string[]). */
export interface InteractionLike {
  user: { id: string; username: string };
  guildId: string | null;
  channelId: string | null;
  member: null | { roles: string[] | { cache: { keys(): Iterable<string> } } };
}

export function actorFromInteraction(i: InteractionLike): DiscordActor {
  const roles = i.member?.roles;
  const roleIds = !roles ? [] : Array.isArray(roles) ? [...roles] : [...roles.cache.keys()];
  return { userId: i.user.id, username: i.user.username, guildId: i.guildId, channelId: i.channelId, roleIds };
}

/** Slash-command options as a flat record (the commands have no subcommands). */
export function optionsRecord(data: readonly { name: string; value?: string | number | boolean }[]): Record<string, string | number | boolean | undefined> {
  return Object.fromEntries(data.map((o) => [o.name, o.value]));
}

const toDiscordJs = (m: BotMessage) => ({
  content: m.content ?? '',
  embeds: m.embeds ?? [],
  components: m.components ?? [],
  allowedMentions: { parse: [] },
});

export interface DiscordBot {
  stop(): Promise<void>;
}

export async function startDiscordBot(opts: { temporal: Client; config: PalisadeConfig; logger: Logger; api?: string }): Promise<DiscordBot> {
  const { config, logger } = opts;
  const token = await requireSecret(config.discord.botToken, 'discord.botToken');
  const log = logger.child({ component: 'discord' });

  if (config.discord.applicationId && config.discord.guildIds.length > 0) {
    const counts = await registerCommands({ token, applicationId: config.discord.applicationId, guildIds: config.discord.guildIds, api: opts.api });
    log.info({ counts }, 'registered Discord slash commands');
  } else {
    log.warn('discord.applicationId or discord.guildIds unset: slash commands not registered');
  }

  const deps: HandlerDeps = {
    ops: operatorOpsFor(opts.temporal),
    proactive: proactiveOpsFor(opts.temporal, config),
    access: config.discord,
    workflowLink: (workflowId) => threatUiLink(config.temporal, workflowId),
    onEvent: (e) => {
      if (e.type === 'denied') log.warn({ user: e.actor.userId, guild: e.actor.guildId, channel: e.actor.channelId, reason: e.verdict.ok ? undefined : e.verdict.reason }, 'Discord interaction refused');
      else log.error({ user: e.actor.userId, err: e.error }, 'Discord interaction failed');
    },
  };

  const discord = new DiscordClient({ intents: [GatewayIntentBits.Guilds], ...(opts.api ? { rest: { api: opts.api } } : {}) });
  discord.on(Events.InteractionCreate, (i: Interaction) => {
    void dispatch(i, deps).catch((err: unknown) => log.error({ err }, 'Discord interaction could not be answered'));
  });
  const ready = new Promise<void>((resolve) => discord.once(Events.ClientReady, () => resolve()));
  await discord.login(token);
  await ready;
  log.info({ user: discord.user?.tag }, 'Discord bot connected');
  return {
    async stop() {
      await discord.destroy();
    },
  };
}

async function dispatch(i: Interaction, deps: HandlerDeps) {
  if (i.isChatInputCommand()) return onCommand(i, deps);
  if (i.isButton() && i.customId.startsWith('palisade:')) return onButton(i, deps);
}

async function onCommand(i: ChatInputCommandInteraction, deps: HandlerDeps) {
  // Discord needs an answer within 3 s; the decision may take longer (it waits for the workflow to accept).
  await i.deferReply({ flags: MessageFlags.Ephemeral });
  const reply = await handleCommand({ actor: actorFromInteraction(i as InteractionLike), commandName: i.commandName, options: optionsRecord(i.options.data) }, deps);
  await i.editReply(toDiscordJs(reply));
}

async function onButton(i: ButtonInteraction, deps: HandlerDeps) {
  // Acknowledge as an update of the review message: editReply then edits that message (no channel cache needed),
  // and the outcome goes to the clicker alone as an ephemeral follow-up.
  await i.deferUpdate();
  const result = await handleButton({ actor: actorFromInteraction(i as InteractionLike), customId: i.customId }, deps);
  if (result.resolved) {
    // The review message's buttons are spent; remove them so nobody clicks a stale one.
    await i.editReply({ components: [] });
  }
  await i.followUp({ ...toDiscordJs(result.reply), flags: MessageFlags.Ephemeral });
}
