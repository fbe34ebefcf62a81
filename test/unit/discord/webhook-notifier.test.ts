import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { startFakeDiscord, validateMessageBody, type FakeDiscord } from '../../fakes/discord-webhook';
import {
  buildWebhookPayload, createDiscordWebhookNotifier, DiscordWebhookError, EMBED_LIMITS, embedTextLength,
} from '../../../activities/notify/discord-webhook';
import type { Notification } from '../../../domain/types';

const baseNotification: Notification = {
  kind: 'outcome',
  workflowId: 'threat/203.0.113.9',
  ip: '203.0.113.9',
  title: 'Blocked 203.0.113.9',
  body: 'Scanner hit /.env 62 times in 60 s',
  outcome: 'expired',
  blockCount: 3,
  fields: [{ name: 'AbuseIPDB', value: 'score 100' }],
};

void describe('Discord webhook notifier against a Discord-compatible server', () => {
  let discord: FakeDiscord;
  let waits: number[];
  const recordingSleep = async (ms: number) => {
    waits.push(ms);
    await new Promise((r) => setTimeout(r, ms));
  };
  const notifier = (over: Partial<Parameters<typeof createDiscordWebhookNotifier>[0]> = {}) =>
    createDiscordWebhookNotifier({ webhookUrl: async () => discord.webhookUrl(), username: 'Palisade', sleep: recordingSleep, ...over });

  before(async () => {
    discord = await startFakeDiscord();
  });
  after(async () => {
    await discord.close();
  });
  beforeEach(() => {
    discord.webhookMessages.length = 0;
    discord.requests.length = 0;
    discord.rateLimitNext(0, 0);
    discord.failNext(0, 500);
    waits = [];
  });

  void it('posts with wait=true, no mentions allowed, and the block count in the footer', async () => {
    await notifier().send(baseNotification);
    assert.equal(discord.webhookMessages.length, 1);
    const msg = discord.webhookMessages[0]!;
    assert.equal(msg.wait, true);
    assert.deepEqual(msg.body.allowed_mentions, { parse: [] });
    assert.equal(msg.body.username, 'Palisade');
    const embed = msg.body.embeds[0];
    assert.equal(embed.title, 'Blocked 203.0.113.9');
    assert.match(embed.footer.text, /3x blocked total/);
    assert.deepEqual(embed.fields.map((f: any) => f.name), ['IP', 'Outcome', 'AbuseIPDB']);
    assert.equal(discord.requests[0]!.status, 200);
  });

  void it('neutralises @everyone, @here and mention syntax in attacker-controlled text', async () => {
    await notifier().send({
      ...baseNotification,
      title: 'UA @everyone',
      body: 'path /<@123456789012345678> and @here and <@&987654321098765432>',
      fields: [{ name: '@everyone', value: 'ua: <#111111111111111111> @HERE' }],
    });
    const text = JSON.stringify(discord.webhookMessages[0]!.body.embeds);
    assert.doesNotMatch(text, /@everyone|@here/i);
    assert.doesNotMatch(text, /<@\d|<@&\d|<#\d/);
    assert.match(text, /@\u200beveryone/);
    assert.deepEqual(discord.webhookMessages[0]!.body.allowed_mentions, { parse: [] });
  });

  void it('escapes Markdown in attacker-controlled text: no masked link beside the real buttons, mentions stay off', async () => {
    const planted = '[✅ Approve here](https://evil.example/approve) **urgent** ||hidden|| `code` > quote # heading';
    await notifier().send({ ...baseNotification, title: `UA ${planted}`, body: `user agent: ${planted}`, fields: [{ name: 'User agents', value: planted }] });
    const [embed] = discord.webhookMessages[0]!.body.embeds as { title: string; description: string; fields: { value: string }[] }[];
    for (const text of [embed.title, embed.description, embed.fields.find((f) => f.value.includes('Approve'))!.value]) {
      assert.ok(text.includes('\\[✅ Approve here\\]\\(https://evil.example/approve\\)'), text);
      assert.doesNotMatch(text, /(^|[^\\])\]\(/, 'no unescaped "](" (a masked link)');
      assert.ok(text.includes('\\*\\*urgent\\*\\*') && text.includes('\\|\\|hidden\\|\\|') && text.includes('\\`code\\`'), text);
    }
    assert.deepEqual(discord.webhookMessages[0]!.body.allowed_mentions, { parse: [] });
  });

  void it('keeps an oversized notification inside every embed limit, and the server accepts it', async () => {
    const huge: Notification = {
      ...baseNotification,
      title: 'T'.repeat(1000),
      body: 'line\n'.repeat(5000),
      fields: Array.from({ length: 40 }, (_, i) => ({ name: `field ${i} `.repeat(60), value: 'v'.repeat(3000) })),
    };
    // The same content without limits would be refused by Discord.
    const naive = { allowed_mentions: { parse: [] }, embeds: [{ title: huge.title, description: huge.body, fields: huge.fields }] };
    assert.ok(validateMessageBody(naive).length >= 4);

    await notifier().send(huge);
    assert.equal(discord.requests.at(-1)!.status, 200);
    const embed = discord.webhookMessages[0]!.body.embeds[0];
    assert.ok(embed.title.length <= EMBED_LIMITS.title);
    assert.ok(embed.description.length <= EMBED_LIMITS.description);
    assert.ok(embed.fields.length <= EMBED_LIMITS.fields);
    for (const f of embed.fields) {
      assert.ok(f.name.length <= EMBED_LIMITS.fieldName);
      assert.ok(f.value.length <= EMBED_LIMITS.fieldValue);
    }
    assert.ok(embedTextLength(embed) <= EMBED_LIMITS.total, `total ${embedTextLength(embed)}`);
  });

  void it('stays within limits for every combination of long title, body and many fields', () => {
    for (const titleLen of [0, 255, 256, 300]) {
      for (const bodyLen of [0, 4096, 7000]) {
        for (const nFields of [0, 5, 25, 30]) {
          const payload = buildWebhookPayload({
            ...baseNotification,
            title: 'x'.repeat(titleLen),
            body: 'b'.repeat(bodyLen),
            fields: Array.from({ length: nFields }, () => ({ name: 'n'.repeat(300), value: 'v'.repeat(1100) })),
          });
          assert.deepEqual(validateMessageBody(payload), [], `title ${titleLen} body ${bodyLen} fields ${nFields}`);
        }
      }
    }
  });

  void it('honours retry_after from a 429 body, then succeeds', async () => {
    discord.rateLimitNext(2, 0.05);
    await notifier().send(baseNotification);
    assert.deepEqual(waits, [50, 50]);
    assert.deepEqual(discord.requests.map((r) => r.status), [429, 429, 200]);
    assert.equal(discord.webhookMessages.length, 1);
  });

  void it('falls back to the Retry-After header when the 429 has no body', async () => {
    discord.rateLimitNext(1, 0.02, { headerOnly: true });
    await notifier().send(baseNotification);
    assert.deepEqual(waits, [20]);
    assert.deepEqual(discord.requests.map((r) => r.status), [429, 200]);
  });

  void it('does not wait longer than the bound: a long retry_after fails the attempt (retryable by Temporal)', async () => {
    discord.rateLimitNext(1, 120, { global: true });
    await assert.rejects(notifier({ maxRetryWaitMs: 1000 }).send(baseNotification), (err: unknown) => {
      assert.ok(err instanceof DiscordWebhookError);
      assert.equal(err.status, 429);
      return true;
    });
    assert.deepEqual(waits, []);
  });

  void it('gives up after maxAttempts consecutive 429s', async () => {
    discord.rateLimitNext(10, 0.001);
    await assert.rejects(notifier({ maxAttempts: 3 }).send(baseNotification), DiscordWebhookError);
    assert.equal(discord.requests.length, 3);
    assert.equal(discord.webhookMessages.length, 0);
  });

  void it('retries a 5xx and then succeeds', async () => {
    discord.failNext(1, 502);
    await notifier().send(baseNotification);
    assert.deepEqual(discord.requests.map((r) => r.status), [502, 200]);
  });

  void it('treats 4xx as non-retryable and never echoes the webhook token', async () => {
    const wrongToken = createDiscordWebhookNotifier({ webhookUrl: async () => discord.webhookUrl(undefined, 'secret-wrong-token'), sleep: recordingSleep });
    await assert.rejects(wrongToken.send(baseNotification), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, true);
      assert.equal(err.type, 'DiscordWebhookRejected');
      assert.match(err.message, /401 Invalid Webhook Token/);
      assert.doesNotMatch(err.message, /secret-wrong-token/);
      return true;
    });
    const unknown = createDiscordWebhookNotifier({ webhookUrl: async () => discord.webhookUrl('999', 'x'), sleep: recordingSleep });
    await assert.rejects(unknown.send(baseNotification), /404 Unknown Webhook/);
    assert.equal(discord.requests.length, 2, 'no retries on 4xx');
  });

  void it('fails clearly when the webhook URL is unset', async () => {
    await assert.rejects(notifier({ webhookUrl: async () => undefined }).send(baseNotification), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure && err.nonRetryable);
      assert.match((err as Error).message, /not set/);
      return true;
    });
  });
});
