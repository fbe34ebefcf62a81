// The discord.js glue (api/discord/bot.ts) end to end against a local Discord API + gateway: it registers the
// commands, identifies with the bot token, receives INTERACTION_CREATE dispatches as Discord sends them (raw
// member with role ids), and answers through the interaction callback and webhook endpoints. The cases here are
// decided before any Temporal call (refusals, invalid input); decisions on the real workflow are in
// test/integration/cli.test.ts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Client } from '@temporalio/client';
import pino from 'pino';
import { startDiscordBot, type DiscordBot } from '../../../api/discord/bot';
import { configSchema } from '../../../domain/config';
import { FAKE_APPLICATION_ID, startFakeDiscord, type FakeDiscord } from '../../fakes/discord-webhook';

const GUILD = '100000000000000001';
const CHANNEL = '200000000000000002';
const ROLE = '300000000000000003';
// discord.js strips a leading "Bot"/"Bearer" from tokens, so a test token must not start with either.
const BOT_TOKEN = 'MTIzNDU2.fake.gateway-token';

let seq = 0;
function interaction(type: 2 | 3, over: { roles?: string[]; guildId?: string; data: Record<string, unknown>; message?: boolean }) {
  const n = ++seq;
  return {
    id: `70000000000000000${n}`, application_id: FAKE_APPLICATION_ID, type, token: `interaction-token-${n}`, version: 1,
    guild_id: over.guildId ?? GUILD, channel_id: CHANNEL, channel: { id: CHANNEL, type: 0, guild_id: over.guildId ?? GUILD },
    member: {
      user: { id: '400000000000000004', username: 'alice', discriminator: '0', avatar: null, global_name: null },
      roles: over.roles ?? [ROLE], permissions: '0', joined_at: '2026-01-01T00:00:00.000Z', deaf: false, mute: false, flags: 0,
    },
    data: over.data,
    ...(over.message ? {
      message: {
        id: '600000000000000006', channel_id: CHANNEL, type: 0, content: '', embeds: [], components: [], attachments: [], mentions: [],
        mention_roles: [], mention_everyone: false, pinned: false, tts: false, flags: 0, timestamp: '2026-11-22T16:00:00.000Z', edited_timestamp: null,
        author: { id: FAKE_APPLICATION_ID, username: 'palisade-bot', discriminator: '0', avatar: null, bot: true },
      },
    } : {}),
    app_permissions: '0', locale: 'en-US', guild_locale: 'en-US', entitlements: [], authorizing_integration_owners: {}, context: 0,
  };
}

async function responsesFor(discord: FakeDiscord, token: string, count: number) {
  for (let i = 0; i < 400; i++) {
    const r = discord.interactionResponses.filter((x) => x.interactionToken === token);
    if (r.length >= count) return r;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`no ${count} responses for ${token}: ${JSON.stringify(discord.interactionResponses)}`);
}

void describe('Discord bot glue against a local Discord API and gateway', () => {
  let discord: FakeDiscord;
  let bot: DiscordBot;
  before(async () => {
    discord = await startFakeDiscord({ botToken: BOT_TOKEN });
    process.env.DISCORD_BOT_TOKEN = BOT_TOKEN;
    const config = configSchema.parse({ discord: { enabled: true, applicationId: FAKE_APPLICATION_ID, guildIds: [GUILD], channelIds: [CHANNEL], roleIds: [ROLE] } });
    // The Temporal client is never reached by these interactions (each is settled before any operator action).
    bot = await startDiscordBot({ temporal: {} as Client, config, logger: pino({ level: 'silent' }), api: discord.apiBase });
    await discord.identified();
  });
  after(async () => {
    await bot?.stop();
    await discord?.close();
    delete process.env.DISCORD_BOT_TOKEN;
  });

  void it('registered the commands in the configured guild at start-up', () => {
    assert.equal(discord.registeredCommands.get(`${FAKE_APPLICATION_ID}/guild/${GUILD}`)?.length, 11);
  });

  void it('a slash command from a member without the role is deferred ephemerally and refused', async () => {
    const i = interaction(2, { roles: ['999'], data: { id: 'c1', name: 'approve', type: 1, options: [{ name: 'ip', type: 3, value: '203.0.113.9' }] } });
    discord.dispatchInteraction(i);
    const [defer, edit] = await responsesFor(discord, i.token, 2);
    assert.deepEqual(defer!.body, { type: 5, data: { flags: 64 } });
    assert.equal(edit!.kind, 'edit-original');
    assert.match(edit!.body.content, /^⛔ You do not have a role/);
    assert.deepEqual(edit!.body.allowed_mentions, { parse: [] });
  });

  void it('a command from another guild is refused; an allowed member with a bad IP gets the validation message', async () => {
    const other = interaction(2, { guildId: '555', data: { id: 'c1', name: 'status', type: 1, options: [{ name: 'ip', type: 3, value: '203.0.113.9' }] } });
    discord.dispatchInteraction(other);
    assert.match((await responsesFor(discord, other.token, 2))[1]!.body.content, /does not accept commands from this server/);
    const bad = interaction(2, { data: { id: 'c1', name: 'approve', type: 1, options: [{ name: 'ip', type: 3, value: 'not-an-ip' }, { name: 'comment', type: 3, value: 'x' }] } });
    discord.dispatchInteraction(bad);
    assert.match((await responsesFor(discord, bad.token, 2))[1]!.body.content, /^✖ .*not an IP address/);
  });

  void it('a button click is acknowledged as an update and answered to the clicker only', async () => {
    const i = interaction(3, { data: { custom_id: 'palisade:approve:999.1.1.1', component_type: 2 }, message: true });
    discord.dispatchInteraction(i);
    const [ack, follow] = await responsesFor(discord, i.token, 2);
    assert.deepEqual(ack!.body, { type: 6 });
    assert.equal(follow!.kind, 'followup');
    assert.equal(follow!.body.flags, 64);
    assert.match(follow!.body.content, /^✖ /);
    assert.ok(!discord.interactionResponses.some((r) => r.interactionToken === i.token && r.kind === 'edit-original'), 'the review message keeps its buttons');

    const denied = interaction(3, { roles: [], data: { custom_id: 'palisade:approve:203.0.113.9', component_type: 2 }, message: true });
    discord.dispatchInteraction(denied);
    assert.match((await responsesFor(discord, denied.token, 2))[1]!.body.content, /^⛔/);
  });
});
