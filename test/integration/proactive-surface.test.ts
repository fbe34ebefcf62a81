// The proactive loop's operator surfaces end to end: the real API (express on 127.0.0.1), the real `palisade` CLI
// (spawned) and the Discord bot (discord.js against the local Discord API + gateway fake), all on a Temporal dev server
// running the real proactive workflows, scanning a real Prometheus (Debian's package) that scrapes an exporter this
// test controls. Each busy client of the exporter is one hotspot (a rule added in the config), so the test decides
// what the cycle finds. Pause, resume and run-once go through the API and the CLI; acks by short id prefix through
// all three channels; refusals start and record nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import { cleanLabels, hotspotFingerprint } from '../../activities/proactive/hotspot';
import { startDiscordBot, type DiscordBot } from '../../api/discord/bot';
import { createApiServer, type RunningApiServer } from '../../api/server';
import type { HotspotDecision, ProactiveCycleResult, ProactiveStatus } from '../../domain/proactive/types';
import { proactiveSettings } from '../../runtime/proactive';
import { PROACTIVE_CYCLE_WORKFLOW_TYPE, PROACTIVE_STATE_WORKFLOW_ID } from '../../workflows/proactive-messages';
import { FAKE_APPLICATION_ID, startFakeDiscord, type FakeDiscord } from '../fakes/discord-webhook';
import { startApiStack, waitUntil, type ApiStack } from '../helpers/api-stack';
import { startPrometheus, startTrafficExporter, type RealPrometheus, type TrafficExporter } from '../helpers/prometheus';
import { runCli, type CliResult } from '../helpers/run-cli';
import { createDevServerEnv } from '../helpers/temporal-env';
import { readRulePackFile, SHIPPED_RULE_PACK } from '../../runtime/proactive-rules';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'palisade-proactive-'));
const GUILD = '100000000000000001';
const CHANNEL = '200000000000000002';
const ROLE = '300000000000000003';
const BOT_TOKEN = 'MTIzNDU2.fake.proactive-token';
const RULE = 'busy-client';

/**
 * Two client names whose hotspots' fingerprints share their first 4 hex digits but not the 5th: a 4-digit ack id is
 * then ambiguous and a 5-digit one is not. Found with the scanner's own fingerprint over the labels Prometheus adds.
 */
function collidingClients(instance: string): [string, string] {
  const fp = (client: string) => hotspotFingerprint('prometheus', RULE, cleanLabels({ client, instance, job: 'traffic' }));
  const byPrefix = new Map<string, string>();
  for (let i = 0; i < 4000; i++) byPrefix.set(fp(`alpha-${i}`).slice(0, 4), `alpha-${i}`);
  for (let j = 0; ; j++) {
    const b = `bravo-${j}`;
    const a = byPrefix.get(fp(b).slice(0, 4));
    if (a && fp(a)[4] !== fp(b)[4]) return [a, b];
  }
}

let env: TestWorkflowEnvironment;
let alphaClient: string;
let bravoClient: string;
let stack: ApiStack;
let prometheus: RealPrometheus;
let exporter: TrafficExporter;

/** The proactive section every part of this test uses (API, workers, CLI through PALISADE__ variables). */
const proactiveConfig = (prometheusUrl: string) => ({
  mode: 'shadow' as const,
  prometheusUrl,
  everyMinutes: 60,
  // Only this test's rule: the shipped pack's rules are left out (its scrape checks would see this Prometheus too).
  disabledRules: readRulePackFile(SHIPPED_RULE_PACK).map((r) => r.name),
  rules: [{ name: RULE, severity: 'high' as const, query: 'traefik_requests_by_client_total > 0', explanation: 'a client is sending requests', title: 'busy client {{client}}', probes: [] }],
});

async function call(method: string, urlPath: string, opts: { token?: string | null; body?: unknown; base?: string } = {}) {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? stack.secrets.controlToken : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${opts.base ?? stack.url}${urlPath}`, { method, headers, body: opts.body !== undefined ? JSON.stringify(opts.body) : undefined });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}

function assertRefused(r: { status: number; json: any; text: string }, status: number, message: RegExp) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text.slice(0, 300)}`);
  assert.match(r.json?.error ?? r.text, message);
  assert.doesNotMatch(r.text, /\n\s+at /, 'no stack trace in the response');
}

function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['--address', env.address, '--namespace', env.namespace ?? 'default', ...args], {
    cwd: tmp,
    env: {
      PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp, PALISADE_CONFIG: '/dev/null',
      PALISADE__temporal__taskQueue: stack.config.temporal.taskQueue,
      PALISADE__proactive__mode: stack.config.proactive.mode,
      PALISADE__proactive__prometheusUrl: prometheus.url,
      ...extraEnv,
    },
  });
}
const noStack = (r: CliResult) => assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace without --debug');

const status = async (): Promise<ProactiveStatus> => (await call('GET', '/api/proactive/status')).json;
const hotspotsOf = (s: ProactiveStatus): HotspotDecision[] => s.lastCycle?.decisions ?? [];
const byClient = (s: ProactiveStatus, which: 'alpha' | 'bravo') =>
  hotspotsOf(s).find((d) => d.title === `busy client ${which === 'alpha' ? alphaClient : bravoClient}`);

/** A cycle as the schedule starts it (trigger: schedule), run to its result. */
async function scheduledCycle(): Promise<ProactiveCycleResult> {
  const handle = await env.client.workflow.start(PROACTIVE_CYCLE_WORKFLOW_TYPE, {
    workflowId: `palisade-proactive-cycle/test-schedule-${Date.now()}`,
    taskQueue: stack.config.temporal.taskQueue,
    args: [{ settings: proactiveSettings(stack.config), trigger: { kind: 'schedule' } }],
  });
  return handle.result() as Promise<ProactiveCycleResult>;
}

/** The state workflow's history: every operator action is an accepted update there, with who and which channel. */
async function acceptedUpdates(): Promise<{ name: string; input: any }[]> {
  const history = await env.client.workflow.getHandle(PROACTIVE_STATE_WORKFLOW_ID).fetchHistory();
  const { defaultPayloadConverter } = await import('@temporalio/common');
  return (history.events ?? []).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes).map((e) => {
    const req = e.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!;
    return { name: req.name!, input: defaultPayloadConverter.fromPayload(req.args!.payloads![0]!) };
  });
}

void describe('[dev-server] proactive loop: API, CLI and Discord', () => {
  before(async () => {
    exporter = await startTrafficExporter();
    [alphaClient, bravoClient] = collidingClients(exporter.url);
    exporter.hit(alphaClient, 5);
    exporter.hit(bravoClient, 5);
    prometheus = await startPrometheus(exporter.url);
    await prometheus.waitForScrape('count(traefik_requests_by_client_total) == 2');
    env = await createDevServerEnv();
    stack = await startApiStack(env, { proactive: proactiveConfig(prometheus.url) }, { operatorTimeoutMs: 5000 });
  });
  after(async () => {
    await stack?.stop();
    await env?.teardown();
    await prometheus?.stop();
    await exporter?.close();
  });

  void test('the API refuses bad input with a 4xx and a message, and records nothing', async () => {
    assertRefused(await call('POST', '/api/proactive/ack', { token: null, body: { ackId: 'abcd', reason: 'x' } }), 401, /authentication required/);
    assertRefused(await call('GET', '/api/proactive/status', { token: 'wrong' }), 403, /not valid/);
    // Before any cycle there is nothing to ack.
    assertRefused(await call('POST', '/api/proactive/ack', { body: { ackId: 'abcd', reason: 'known', ttlHours: 2 } }), 404, /no current hotspot with ack id abcd/);
    assertRefused(await call('POST', '/api/proactive/ack', { body: { ackId: 'abcd', ttlHours: 2 } }), 400, /reason/);
    assertRefused(await call('POST', '/api/proactive/ack', { body: { ackId: 'abcd', reason: '   ', ttlHours: 2 } }), 400, /reason is required/);
    assertRefused(await call('POST', '/api/proactive/ack', { body: { ackId: 'abcd', reason: 'x', ttlHours: 721 } }), 400, /ttlHours/);
    assertRefused(await call('POST', '/api/proactive/ack', { body: { ackId: 'abcd', reason: 'x', ttlHours: 0 } }), 400, /ttlHours/);
    assertRefused(await call('POST', '/api/proactive/ack', { body: { ackId: 'abcd', reason: 'x', ttlHours: '5' } }), 400, /ttlHours/);
    assertRefused(await call('POST', '/api/proactive/ack', { body: { ackId: 'ab', reason: 'x' } }), 400, /at least 4 hex digits/);
    assertRefused(await call('POST', '/api/proactive/ack', { body: { ackId: 'xyz!', reason: 'x' } }), 400, /hexadecimal/);
    assertRefused(await call('POST', '/api/proactive/ack', { body: { reason: 'x' } }), 400, /exactly one of fingerprint or ackId/);
    assertRefused(await call('POST', '/api/proactive/ack', { body: { ackId: 'abcd', fingerprint: '0123456789abcdef', reason: 'x' } }), 400, /exactly one of fingerprint or ackId/);
    assertRefused(await call('POST', '/api/proactive/ack', { body: { ackId: 'abcd', reason: 'x', colour: 'red' } }), 400, /colour/);
    assertRefused(await call('POST', '/api/proactive/ack', { body: { ackId: 'abcd', reason: 'x', channel: 'discord' } }), 400, /channel/);
    assertRefused(await call('POST', '/api/proactive/ack', { body: { ackId: 'abcd', reason: 'x', approver: 'bad\u0007name' } }), 400, /control characters/);
    assertRefused(await call('POST', '/api/proactive/unack', { body: { ackId: 'abcd' } }), 404, /no suppression with ack id abcd/);
    assertRefused(await call('POST', '/api/proactive/pause', { body: { reason: 'x'.repeat(501) } }), 400, /reason/);
    assertRefused(await call('POST', '/api/proactive/run-once', { body: { wait: 'yes' } }), 400, /wait/);
    assertRefused(await call('POST', '/api/proactive/nope', { body: {} }), 404, /no such endpoint/);
    const s = await status();
    assert.deepEqual(s.suppressions, []);
    assert.equal(s.paused, undefined);
    assert.equal(s.cycles, 0, 'no refused request ran a cycle');
  });

  void test('run-once, pause and resume through the API and the CLI', async () => {
    // run-once through the API, waiting for the cycle: both busy clients are hotspots, reported (shadow mode).
    const first = await call('POST', '/api/proactive/run-once', { body: { approver: 'alice', wait: true } });
    assert.equal(first.status, 200, first.text);
    assert.match(first.json.workflowId, /^palisade-proactive-cycle\/run-once-/);
    assert.equal(first.json.result.hotspots, 2, first.text);
    let s = await status();
    assert.equal(s.cycles, 1);
    assert.deepEqual(s.lastCycle!.trigger, { kind: 'run-once', operator: 'alice', channel: 'api' });
    assert.ok(byClient(s, 'alpha') && byClient(s, 'bravo'), JSON.stringify(hotspotsOf(s)));

    // Pause through the API: a scheduled cycle is skipped, recorded, and finds nothing.
    const paused = await call('POST', '/api/proactive/pause', { body: { approver: 'alice', reason: 'maintenance window' } });
    assert.equal(paused.status, 200, paused.text);
    assert.equal(paused.json.paused.operator, 'alice');
    assert.equal(paused.json.paused.channel, 'api');
    const skipped = await scheduledCycle();
    assert.match(skipped.skipped ?? '', /paused/, JSON.stringify(skipped));
    const cli1 = await cli(['proactive', 'status']);
    assert.equal(cli1.code, 0, cli1.stderr);
    assert.match(cli1.stdout, /PAUSED by alice via api/);

    // run-once through the CLI while paused: an explicit operator request runs.
    const once = await cli(['proactive', 'run-once', '--operator', 'bob', '--wait']);
    assert.equal(once.code, 0, once.stderr);
    assert.match(once.stdout, /^started cycle palisade-proactive-cycle\/run-once-/m);
    assert.match(once.stdout, /^2 hotspot\(s\)/m);
    s = await status();
    assert.deepEqual(s.lastCycle!.trigger, { kind: 'run-once', operator: 'bob', channel: 'cli' });

    // Resume through the CLI: scheduled cycles run again.
    const resumed = await cli(['proactive', 'resume', '--operator', 'bob']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stdout, /running/);
    const ran = await scheduledCycle();
    assert.equal(ran.skipped, undefined, JSON.stringify(ran));
    assert.equal(ran.hotspots, 2);

    // Pause through the CLI, resume through the API (a body-less POST: the token holder is the operator).
    const cliPause = await cli(['proactive', 'pause', '--operator', 'carol', '--reason', 'noisy']);
    assert.equal(cliPause.code, 0, cliPause.stderr);
    assert.match(cliPause.stdout, /paused \(by carol via cli/);
    assert.match((await scheduledCycle()).skipped ?? '', /paused/);
    const apiResume = await fetch(`${stack.url}/api/proactive/resume`, { method: 'POST', headers: { authorization: `Bearer ${stack.secrets.controlToken}` } });
    assert.equal(apiResume.status, 200, await apiResume.clone().text());
    assert.equal(((await apiResume.json()) as { paused: unknown }).paused, null);
    assert.equal((await status()).paused, undefined);

    // run-once through the API without waiting: 202 and the cycle's id.
    const started = await call('POST', '/api/proactive/run-once', { body: { approver: 'alice', channel: 'review-page' } });
    assert.equal(started.status, 202, started.text);
    await env.client.workflow.getHandle(started.json.workflowId).result();

    // Each action is an update in the state workflow's history, naming who and through which channel.
    const updates = (await acceptedUpdates()).filter((u) => /Pause|Resume/.test(u.name)).map((u) => `${u.name} ${u.input.operator} ${u.input.channel}`);
    assert.deepEqual(updates, ['proactivePause alice api', 'proactiveResume bob cli', 'proactivePause carol cli', 'proactiveResume control-token holder api']);

    // With the loop off, run-once is refused (409 / exit 4) and nothing starts.
    const offApi: RunningApiServer = await createApiServer({
      config: { ...stack.config, proactive: { ...stack.config.proactive, mode: 'off' } }, client: env.client, logger: pino({ level: 'silent' }), secrets: stack.secrets,
    }).listen({ host: '127.0.0.1', port: 0 });
    try {
      const before = (await status()).cycles;
      assertRefused(await call('POST', '/api/proactive/run-once', { base: offApi.url, body: {} }), 409, /proactive\.mode: off/);
      const offCli = await cli(['proactive', 'run-once'], { PALISADE__proactive__mode: 'off' });
      assert.equal(offCli.code, 4, offCli.stderr);
      assert.match(offCli.stderr, /^palisade: the proactive loop is off/);
      noStack(offCli);
      assert.equal((await status()).cycles, before);
    } finally {
      await offApi.close();
    }
  });

  void test('ack and unack by short id prefix through the API and the CLI; refusals name the problem', async () => {
    await call('POST', '/api/proactive/run-once', { body: { wait: true } });
    const s = await status();
    const alpha = byClient(s, 'alpha')!;
    const bravo = byClient(s, 'bravo')!;
    assert.equal(alpha.ackId, alpha.fingerprint.slice(0, 7));

    // The two hotspots share their first 4 hex digits: that prefix is ambiguous, refused naming both, nothing recorded.
    const shared = alpha.fingerprint.slice(0, 4);
    assert.equal(bravo.fingerprint.slice(0, 4), shared);
    const ambiguous = await call('POST', '/api/proactive/ack', { body: { ackId: shared, reason: 'x' } });
    assertRefused(ambiguous, 400, new RegExp(`ack id ${shared} is ambiguous: it matches 2 current hotspots: .*give more digits`));
    assert.ok(ambiguous.json.error.includes(alpha.ackId) && ambiguous.json.error.includes(bravo.ackId), ambiguous.json.error);
    const cliAmbiguous = await cli(['proactive', 'ack', shared, '--reason', 'x']);
    assert.equal(cliAmbiguous.code, 2, cliAmbiguous.stderr);
    assert.match(cliAmbiguous.stderr, /^palisade: ack id [0-9a-f]{4} is ambiguous/);
    noStack(cliAmbiguous);
    assert.deepEqual((await status()).suppressions, []);

    // API: a 5-digit prefix; the review page names its signed-in operator.
    const acked = await call('POST', '/api/proactive/ack', { body: { ackId: alpha.fingerprint.slice(0, 5), reason: 'known batch job', ttlHours: 2, approver: 'alice', channel: 'review-page' } });
    assert.equal(acked.status, 200, acked.text);
    assert.equal(acked.json.suppression.fingerprint, alpha.fingerprint);
    assert.equal(acked.json.suppression.operator, 'alice');
    assert.equal(acked.json.suppression.channel, 'review-page');
    const ttl = Date.parse(acked.json.suppression.expiresAt) - Date.parse(acked.json.suppression.at);
    assert.equal(ttl, 2 * 3_600_000);

    // CLI: a 5-digit prefix, hours given.
    const cliAck = await cli(['proactive', 'ack', bravo.fingerprint.slice(0, 5), '--reason', 'load test', '--hours', '3', '--operator', 'bob']);
    assert.equal(cliAck.code, 0, cliAck.stderr);
    assert.match(cliAck.stdout, new RegExp(`^acked ${bravo.ackId} \\(busy client ${bravoClient}\\) as bob`));

    const listed = await call('GET', '/api/proactive/suppressions');
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.json.suppressions.map((x: any) => [x.ackId, x.operator, x.channel, x.reason]).sort(), [
      [alpha.ackId, 'alice', 'review-page', 'known batch job'], [bravo.ackId, 'bob', 'cli', 'load test'],
    ].sort());
    const cliList = await cli(['proactive', 'suppressions']);
    assert.equal(cliList.code, 0, cliList.stderr);
    assert.match(cliList.stdout, new RegExp(`${bravo.ackId} +busy client ${bravoClient} +load test +bob via cli`));

    // The next cycle reports them as muted.
    await call('POST', '/api/proactive/run-once', { body: { wait: true } });
    assert.deepEqual(hotspotsOf(await status()).map((d) => d.verdict).sort(), ['muted', 'muted']);

    // CLI refusals: exit codes and messages, nothing changed.
    const tooLong = await cli(['proactive', 'ack', alpha.ackId, '--reason', 'x', '--hours', '1000']);
    assert.equal(tooLong.code, 2, tooLong.stderr);
    assert.match(tooLong.stderr, /ttlHours/);
    noStack(tooLong);
    const noReason = await cli(['proactive', 'ack', alpha.ackId]);
    assert.equal(noReason.code, 2, noReason.stderr);
    assert.match(noReason.stderr, /--reason/);
    const badHours = await cli(['proactive', 'ack', alpha.ackId, '--reason', 'x', '--hours', 'soon']);
    assert.equal(badHours.code, 2, badHours.stderr);
    const unknown = await cli(['proactive', 'unack', 'ffff0000']);
    assert.equal(unknown.code, 3, unknown.stderr);
    assert.match(unknown.stderr, /^palisade: no suppression with ack id ffff0000/);
    noStack(unknown);
    const short = await cli(['proactive', 'unack', 'abc']);
    assert.equal(short.code, 2, short.stderr);
    assert.match(short.stderr, /at least 4 hex digits/);

    // Unack: one through the API (full fingerprint), one through the CLI (short prefix); a second unack is a 404.
    const un = await call('POST', '/api/proactive/unack', { body: { fingerprint: alpha.fingerprint, approver: 'alice' } });
    assert.equal(un.status, 200, un.text);
    assert.equal(un.json.removed.fingerprint, alpha.fingerprint);
    assertRefused(await call('POST', '/api/proactive/unack', { body: { fingerprint: alpha.fingerprint } }), 404, /no suppression with fingerprint/);
    const cliUn = await cli(['proactive', 'unack', bravo.fingerprint.slice(0, 5), '--operator', 'bob']);
    assert.equal(cliUn.code, 0, cliUn.stderr);
    assert.match(cliUn.stdout, new RegExp(`^unacked ${bravo.ackId}`));
    assert.deepEqual((await status()).suppressions, []);
    await call('POST', '/api/proactive/run-once', { body: { wait: true } });
    assert.deepEqual(hotspotsOf(await status()).map((d) => d.verdict).sort(), ['reported', 'reported'], 'unacked hotspots are reported again');

    const acks = (await acceptedUpdates()).filter((u) => /Ack|Unack/.test(u.name)).map((u) => `${u.name} ${u.input.operator} ${u.input.channel}`);
    assert.deepEqual(acks, ['proactiveAck alice review-page', 'proactiveAck bob cli', 'proactiveUnack alice api', 'proactiveUnack bob cli']);
  });

  void test('/ack, /acks and /unack in Discord, through the same authorisation as the threat commands', async () => {
    await call('POST', '/api/proactive/run-once', { body: { wait: true } });
    const alpha = byClient(await status(), 'alpha')!;
    let discord: FakeDiscord | undefined;
    let bot: DiscordBot | undefined;
    try {
      discord = await startFakeDiscord({ botToken: BOT_TOKEN });
      process.env.DISCORD_BOT_TOKEN = BOT_TOKEN;
      const config = { ...stack.config, discord: { ...stack.config.discord, enabled: true, applicationId: FAKE_APPLICATION_ID, guildIds: [GUILD], channelIds: [CHANNEL], roleIds: [ROLE] } };
      bot = await startDiscordBot({ temporal: env.client, config, logger: pino({ level: 'silent' }), api: discord.apiBase });
      await discord.identified();
      const names = discord.registeredCommands.get(`${FAKE_APPLICATION_ID}/guild/${GUILD}`)!.map((c) => c.name);
      assert.ok(['ack', 'unack', 'acks'].every((n) => names.includes(n)), names.join(' '));

      let seq = 0;
      const slash = async (name: string, options: Record<string, string | number>, roles = [ROLE]) => {
        const n = ++seq;
        const token = `proactive-interaction-${n}`;
        discord!.dispatchInteraction({
          id: `71000000000000000${n}`, application_id: FAKE_APPLICATION_ID, type: 2, token, version: 1,
          guild_id: GUILD, channel_id: CHANNEL, channel: { id: CHANNEL, type: 0, guild_id: GUILD },
          member: {
            user: { id: '400000000000000004', username: 'dave', discriminator: '0', avatar: null, global_name: null },
            roles, permissions: '0', joined_at: '2026-01-01T00:00:00.000Z', deaf: false, mute: false, flags: 0,
          },
          data: { id: 'c1', name, type: 1, options: Object.entries(options).map(([k, v]) => ({ name: k, type: typeof v === 'number' ? 10 : 3, value: v })) },
          app_permissions: '0', locale: 'en-US', guild_locale: 'en-US', entitlements: [], authorizing_integration_owners: {}, context: 0,
        });
        const responses = await waitUntil(async () => discord!.interactionResponses.filter((r) => r.interactionToken === token), (r) => r.length >= 2, `${name} answered`);
        assert.deepEqual(responses[0]!.body, { type: 5, data: { flags: 64 } }, 'deferred, ephemeral');
        assert.deepEqual(responses[1]!.body.allowed_mentions, { parse: [] });
        return responses[1]!.body as { content: string; embeds: { title: string; description: string }[] };
      };

      // A member without the role is refused before anything is recorded.
      assert.match((await slash('ack', { id: alpha.ackId, reason: 'x' }, ['999'])).content, /^⛔ You do not have a role/);
      assert.equal((await status()).suppressions.length, 0);
      assert.match((await slash('acks', {})).content, /No proactive hotspot is acked/);
      assert.match((await slash('ack', { id: 'fffe', reason: 'x' })).content, /^✖ no current hotspot with ack id fffe/);
      assert.match((await slash('ack', { id: alpha.ackId, reason: 'x', hours: 5000 })).content, /^✖ .*ttlHours/);

      assert.match((await slash('ack', { id: alpha.fingerprint.slice(0, 4), reason: 'x' })).content, /^✖ ack id [0-9a-f]{4} is ambiguous/);
      const ack = await slash('ack', { id: alpha.fingerprint.slice(0, 5), reason: 'backup job @everyone', hours: 6 });
      assert.match(ack.content, new RegExp(`^🔕 Acked \`${alpha.ackId}\` busy client ${alphaClient} .*recorded as dave \\\\\\(discord:400000000000000004\\\\\\) via discord`));
      const sup = (await status()).suppressions.find((x) => x.fingerprint === alpha.fingerprint)!;
      assert.equal(sup.operator, 'dave (discord:400000000000000004)');
      assert.equal(sup.channel, 'discord');
      assert.equal(Date.parse(sup.expiresAt) - Date.parse(sup.at), 6 * 3_600_000);

      const list = await slash('acks', {});
      assert.equal(list.embeds[0]!.title, '1 acked hotspot(s)');
      assert.match(list.embeds[0]!.description, new RegExp(`\`${alpha.ackId}\` busy client ${alphaClient} — by dave`));
      assert.doesNotMatch(JSON.stringify(list), /@everyone(?!\u200b)/, 'mentions in a reason are neutralised');

      assert.match((await slash('unack', { id: alpha.ackId }, [])).content, /^⛔/);
      assert.equal((await status()).suppressions.length, 1, 'a refused unack changes nothing');
      assert.match((await slash('unack', { id: alpha.ackId, reason: 'job moved' })).content, new RegExp(`^🔔 Unacked \`${alpha.ackId}\``));
      assert.deepEqual((await status()).suppressions, []);
    } finally {
      await bot?.stop();
      await discord?.close();
      delete process.env.DISCORD_BOT_TOKEN;
    }
  });

  void test('metrics: cycles, hotspots by severity, budget left today, suppressions, from the loop\'s state', async () => {
    await call('POST', '/api/proactive/run-once', { body: { wait: true } });
    const s = await status();
    const alpha = byClient(s, 'alpha')!;
    await call('POST', '/api/proactive/ack', { body: { ackId: alpha.ackId, reason: 'metrics test', ttlHours: 1 } });
    const text = await (await fetch(`${stack.url}/metrics`)).text();
    const value = (series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      assert.ok(line, `${series} missing from /metrics`);
      return Number(line.split(' ')[1]);
    };
    assert.equal(value('palisade_proactive_cycles'), (await status()).cycles);
    assert.ok(value('palisade_proactive_cycles') >= 4);
    assert.equal(value('palisade_proactive_hotspots{severity="high"}'), 2, `${JSON.stringify(s.lastCycle)}\n${text}`);
    assert.equal(value('palisade_proactive_hotspots{severity="critical"}'), 0);
    assert.equal(value('palisade_proactive_hotspot_verdicts{verdict="reported"}'), 2);
    assert.equal(value('palisade_proactive_suppressions'), 1);
    assert.equal(value('palisade_proactive_paused'), 0);
    assert.equal(value('palisade_proactive_investigations_today'), 0, 'shadow mode never investigates');
    assert.equal(value('palisade_proactive_budget_left{budget="investigations"}'), 12);
    assert.equal(value('palisade_proactive_budget_left{budget="usd"}'), 10);
  });
});
