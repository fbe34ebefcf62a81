// Links into the Temporal UI and the operator list filters (domain/temporal-ui), the `temporal.uiUrl` setting, and the
// links Discord messages carry (sent through the wire-exact fake Discord, which refuses malformed embed URLs).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../../domain/config';
import { temporalUiBase, threatUiLink, uiFilterQueries, workflowUiUrl } from '../../../domain/temporal-ui';
import { ConfigError, loadConfig } from '../../../runtime/config';
import { statusMessage } from '../../../api/discord/messages';
import { discordNotifiersFromConfig } from '../../../api/discord/notifiers';
import { startFakeDiscord, type FakeDiscord } from '../../fakes/discord-webhook';
import type { ThreatDetail } from '../../../runtime/operator-actions';

const temporal = (t: Record<string, unknown>) => configSchema.parse({ temporal: t }).temporal;

void describe('Temporal UI links', () => {
  const cases: [string, Record<string, unknown>, string | undefined][] = [
    ['embedded default', {}, 'http://127.0.0.1:8233'],
    ['embedded on another port', { embedded: { uiPort: 9233 } }, 'http://127.0.0.1:9233'],
    ['embedded on all interfaces: link to loopback', { embedded: { ip: '0.0.0.0' } }, 'http://127.0.0.1:8233'],
    ['embedded on IPv6 loopback', { embedded: { ip: '::1' } }, 'http://[::1]:8233'],
    ['cluster without a UI URL: no link', { address: 'temporal.example.net:7233' }, undefined],
    ['cluster with its UI', { address: 'temporal.example.net:7233', uiUrl: 'https://temporal.example.net/' }, 'https://temporal.example.net'],
    ['UI behind a path prefix', { uiUrl: 'https://ops.example.net/temporal//' }, 'https://ops.example.net/temporal'],
  ];
  for (const [name, t, want] of cases) {
    test(`base: ${name}`, () => assert.equal(temporalUiBase(temporal(t)), want));
  }

  test('a workflow link encodes the id (the slash of threat/<ip>, the colons of IPv6) and the namespace', () => {
    assert.equal(workflowUiUrl('http://127.0.0.1:8233', 'default', 'threat/203.0.113.9'), 'http://127.0.0.1:8233/namespaces/default/workflows/threat%2F203.0.113.9');
    assert.equal(workflowUiUrl('https://t.example', 'sec ops', 'threat/2001:db8::7'), 'https://t.example/namespaces/sec%20ops/workflows/threat%2F2001%3Adb8%3A%3A7');
    assert.equal(threatUiLink(temporal({ namespace: 'palisade', uiUrl: 'https://t.example' }), 'threat/198.51.100.4'), 'https://t.example/namespaces/palisade/workflows/threat%2F198.51.100.4');
    assert.equal(threatUiLink(temporal({ address: 'x:7233' }), 'threat/198.51.100.4'), undefined);
  });

  test('temporal.uiUrl must be an http(s) URL; TEMPORAL_UI_URL sets it', () => {
    for (const bad of ['javascript:alert(1)', 'ftp://t.example', 'not a url']) {
      assert.throws(() => loadConfig({ file: '/dev/null', env: {}, overrides: { temporal: { uiUrl: bad } } }), (e: unknown) =>
        e instanceof ConfigError && e.issues.some((i) => i.path === 'temporal.uiUrl' && /http\(s\) URL/.test(i.message)));
    }
    assert.equal(loadConfig({ file: '/dev/null', env: { TEMPORAL_UI_URL: 'https://t.example' } }).temporal.uiUrl, 'https://t.example');
  });

  test('the operator filters: fixed strings, the failure window ends now and starts 24 h earlier', () => {
    const q = uiFilterQueries(new Date('2026-11-26T12:00:00.000Z'));
    assert.equal(q.pendingReviews, "WorkflowType = 'threatWorkflow' AND ExecutionStatus = 'Running' AND PalisadeStatus = 'pending_review'");
    assert.equal(q.activeBlocks, "WorkflowType = 'threatWorkflow' AND ExecutionStatus = 'Running' AND PalisadeStatus = 'blocked'");
    assert.equal(q.failuresLastDay, "WorkflowType = 'threatWorkflow' AND PalisadeOutcome = 'failed' AND PalisadeOutcomeAt > '2026-11-25T12:00:00.000Z'");
  });
});

void describe('Discord messages link to the threat in the Temporal UI', () => {
  let discord: FakeDiscord;
  const saved = { ...process.env };
  before(async () => {
    discord = await startFakeDiscord();
  });
  after(async () => {
    process.env = saved;
    await discord.close();
  });

  test('webhook notifications and review requests carry the link as the embed URL (accepted by Discord)', async () => {
    process.env.DISCORD_WEBHOOK_URL = discord.webhookUrl();
    process.env.DISCORD_BOT_TOKEN = 'bot-token-xyz';
    const cfg = configSchema.parse({
      temporal: { uiUrl: 'https://temporal.example.net', namespace: 'palisade' },
      discord: { enabled: true, channelIds: ['200000000000000002'], guildIds: ['100000000000000001'], roleIds: ['300000000000000003'] },
    });
    const notifiers = discordNotifiersFromConfig(cfg, process.env, discord.apiBase);
    assert.deepEqual(notifiers.map((n) => n.name), ['discord-webhook', 'discord-review']);
    const n = { kind: 'review_needed' as const, workflowId: 'threat/45.155.205.17', ip: '45.155.205.17', title: 'Review 45.155.205.17', body: 'secrets scan' };
    for (const notifier of notifiers) await notifier.send(n);
    const link = 'https://temporal.example.net/namespaces/palisade/workflows/threat%2F45.155.205.17';
    assert.equal(discord.webhookMessages.at(-1)!.body.embeds[0].url, link);
    assert.equal(discord.channelMessages.at(-1)!.body.embeds[0].url, link);
  });

  test('without a known UI the embeds have no URL', async () => {
    process.env.DISCORD_WEBHOOK_URL = discord.webhookUrl();
    const cfg = configSchema.parse({ temporal: { address: 'temporal.example.net:7233' } });
    const [webhook] = discordNotifiersFromConfig(cfg, process.env, discord.apiBase);
    await webhook!.send({ kind: 'outcome', workflowId: 'threat/45.155.205.18', ip: '45.155.205.18', title: 'Blocked', body: 'x', outcome: 'expired' });
    assert.equal('url' in discord.webhookMessages.at(-1)!.body.embeds[0], false);
  });

  test('the /status answer links to the workflow page', () => {
    const t = { ip: '45.155.205.17', execution: { workflowId: 'threat/45.155.205.17', runId: 'r', executionStatus: 'RUNNING', startTime: '2026-11-26T00:00:00Z', historyLength: 3 } } as ThreatDetail;
    assert.equal(statusMessage(t, 'https://t.example/namespaces/default/workflows/threat%2F45.155.205.17').embeds![0]!.url, 'https://t.example/namespaces/default/workflows/threat%2F45.155.205.17');
    assert.equal(statusMessage(t).embeds![0]!.url, undefined);
  });
});
