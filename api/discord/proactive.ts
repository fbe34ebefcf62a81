// The proactive loop's slash commands: /ack, /unack, /acks. handlers.ts authorises the interaction first (the same
// guild, channel and role checks as the threat commands); these only translate it into runtime/proactive.ts calls,
// the code path every other channel uses, with the Discord user recorded as the operator.
import type { Client } from '@temporalio/client';
import type { APIEmbed } from 'discord.js';
import type { PalisadeConfig } from '../../domain/config';
import type { Suppression } from '../../domain/proactive/types';
import { ackHotspot, listSuppressions, unackHotspot, type AckRequest, type UnackRequest } from '../../runtime/proactive';
import { OperatorActionError } from '../../runtime/operator-actions';
import { discordLine } from '../../activities/notify/discord-webhook';
import type { BotMessage } from './messages';

export const PROACTIVE_COMMANDS = ['ack', 'unack', 'acks'] as const;
export type ProactiveCommand = (typeof PROACTIVE_COMMANDS)[number];
export const isProactiveCommand = (name: string): name is ProactiveCommand => (PROACTIVE_COMMANDS as readonly string[]).includes(name);

/** The proactive actions the bot uses, bound to one Temporal client and configuration. */
export interface ProactiveOps {
  ack(req: AckRequest): Promise<Suppression>;
  unack(req: UnackRequest): Promise<Suppression>;
  suppressions(): Promise<Suppression[]>;
}

export function proactiveOpsFor(client: Client, config: Pick<PalisadeConfig, 'proactive' | 'temporal'>): ProactiveOps {
  return {
    ack: (req) => ackHotspot(client, config, req),
    unack: (req) => unackHotspot(client, config, req),
    suppressions: () => listSuppressions(client),
  };
}

type Options = Record<string, string | number | boolean | undefined>;
const text = (content: string): BotMessage => ({ content: content.slice(0, 2000), allowed_mentions: { parse: [] } });
const str = (o: Options, name: string) => (typeof o[name] === 'string' && (o[name] as string).trim() !== '' ? (o[name] as string).trim() : undefined);

function requiredId(o: Options): string {
  const id = str(o, 'id');
  if (!id) throw new OperatorActionError('invalid_input', 'the id option is required (an ack id from the digest)');
  return id;
}

/** Runs one proactive command for an authorised operator; errors are thrown for handlers.ts to word. */
export async function proactiveCommand(name: ProactiveCommand, options: Options, operator: string, ops: ProactiveOps | undefined): Promise<BotMessage> {
  if (!ops) throw new OperatorActionError('unavailable', 'the proactive loop is not wired to this bot');
  switch (name) {
    case 'ack': {
      const hours = options.hours;
      const s = await ops.ack({
        ackId: requiredId(options), reason: str(options, 'reason') ?? '', operator, channel: 'discord',
        ...(typeof hours === 'number' ? { ttlHours: hours } : {}),
      });
      return text(`🔕 Acked \`${s.ackId}\` ${discordLine(s.title, 200)} until it stops firing (at most until ${s.expiresAt.slice(0, 16).replace('T', ' ')} UTC), recorded as ${discordLine(s.operator, 100)} via discord.`);
    }
    case 'unack': {
      const reason = str(options, 'reason');
      const s = await ops.unack({ ackId: requiredId(options), operator, channel: 'discord', ...(reason ? { reason } : {}) });
      return text(`🔔 Unacked \`${s.ackId}\` ${discordLine(s.title, 200)}: it is reported again while it fires.`);
    }
    case 'acks':
      return acksMessage(await ops.suppressions());
  }
}

/** The /acks answer: the muted hotspots, who muted them, why, and until when. */
export function acksMessage(list: Suppression[], max = 20): BotMessage {
  if (list.length === 0) return text('No proactive hotspot is acked.');
  // Each untrusted part is escaped on its own (the ack id is hex, the channel from a closed list), so the ack id can
  // stay in code format; lines are added while they fit Discord's 4096-character description.
  const lines: string[] = [];
  let length = 0;
  for (const s of list.slice(0, max)) {
    const line = `• \`${s.ackId}\` ${discordLine(s.title, 80)} — by ${discordLine(s.operator, 60)} via ${s.channel}: ${discordLine(s.reason, 120)} (until ${s.expiresAt.slice(0, 16).replace('T', ' ')} UTC)`;
    if (length + line.length + 1 > 3900) break;
    lines.push(line);
    length += line.length + 1;
  }
  if (list.length > lines.length) lines.push(`… and ${list.length - lines.length} more`);
  const embed: APIEmbed = { title: `${list.length} acked hotspot(s)`, description: lines.join('\n'), color: 0x95a5a6 };
  return { allowed_mentions: { parse: [] }, embeds: [embed] };
}
