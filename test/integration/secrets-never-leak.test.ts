// Issue 11, finding 8: secrets never leak. The whole flow runs with distinctive secret values: the HTTP API (control
// token, ingest token, link signing key), the workers with the real threat workflow, intel providers (AbuseIPDB,
// GreyNoise, OTX, IPinfo Lite with its token in the query string) and the LLM (Anthropic) against their local fakes,
// the Discord webhook notifier and review poster against the Discord fake, and the pfSense REST enforcer against the
// pfrest fake. Two cases take both the good path and the failure paths (an LLM 401, an intel provider down, Discord
// answering 500). Then every history of the namespace is exported, every log line (pino at trace, the Temporal
// runtime's logger, anything written to stdout/stderr) and /metrics are collected: none may contain a secret value.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createApiServer, type RunningApiServer } from '../../api/server';
import { loadApiSecrets } from '../../api/secrets';
import { handleButton, handleCommand, operatorOpsFor } from '../../api/discord/handlers';
import { discordNotifiersFromConfig } from '../../api/discord/notifiers';
import type { PalisadeConfig } from '../../domain/config';
import type { ThreatState } from '../../domain/threat-state';
import { loadConfig } from '../../runtime/config';
import { createLogger } from '../../runtime/logger';
import { submitSighting } from '../../runtime/sightings';
import { stateQuery, threatWorkflowId } from '../../workflows/messages';
import { createWorkers, type Workers } from '../../workers';
import REC from '../fixtures/intel/recorded-responses.json';
import { startFakeAbuseIpdb } from '../fakes/abuseipdb';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord-webhook';
import { startFakeGreyNoise, type FakeGreyNoise } from '../fakes/greynoise';
import { startFakeIpinfo } from '../fakes/ipinfo';
import type { ScriptedServer } from '../fakes/scripted-http';
import { startFakeOtx } from '../fakes/otx';
import { aliasBlockRule, FakePfRest } from '../fakes/pfsense-rest';
import { feedSighting, waitUntil } from '../helpers/api-stack';
import { createDevServerEnv, workflowBundle } from '../helpers/temporal-env';

// Everything the Temporal SDK logs in this process (workflow and activity logs, failures, core's own lines) is kept.
// Installed before any helper can install its quiet runtime (the first install wins).
const lines: string[] = [];
const keep = (s: string) => void lines.push(s);
Runtime.install({
  logger: new DefaultLogger('TRACE', (e) => keep(`[sdk ${e.level}] ${e.message} ${inspect(e.meta, { depth: 12, breakLength: Infinity })}`)),
  telemetryOptions: { logging: { filter: 'DEBUG', forward: {} } },
});

const tag = randomUUID().slice(0, 8);
/** Distinctive secret values, each under its own environment variable, as an operator would provide them. */
const SECRETS = {
  PALISADE_LEAKTEST_CONTROL: `ctl-S3CRET-${tag}-control-token-0123456789`,
  PALISADE_LEAKTEST_INGEST: `ing-S3CRET-${tag}-ingest-token-0123456789`,
  PALISADE_LEAKTEST_LINKKEY: `lnk-S3CRET-${tag}-link-signing-key-0123`,
  PALISADE_LEAKTEST_ANTHROPIC: `sk-ant-S3CRET-${tag}-anthropic-key`,
  PALISADE_LEAKTEST_ABUSEIPDB: `abuse-S3CRET-${tag}-abuseipdb-key`,
  PALISADE_LEAKTEST_GREYNOISE: `gn-S3CRET-${tag}-greynoise-key`,
  PALISADE_LEAKTEST_OTX: `otx-S3CRET-${tag}-otx-key`,
  PALISADE_LEAKTEST_IPINFO: `ipi-S3CRET-${tag}-ipinfo-token`,
  PALISADE_LEAKTEST_PFSENSE: `pf-S3CRET-${tag}-pfrest-api-key`,
  PALISADE_LEAKTEST_DISCORD_BOT: `bot-S3CRET-${tag}-discord-bot-token`,
  PALISADE_LEAKTEST_DISCORD_WEBHOOK_TOKEN: `whk-S3CRET-${tag}-webhook-token`,
} as const;

const IP_A = '45.155.205.233'; // in the recorded intel: AbuseIPDB 100, GreyNoise malicious
const IP_B = '45.155.205.77'; // unknown to intel; a source reports it at 92 (known bad)
const GUILD = '100000000000000001';
const CHANNEL = '200000000000000002';
const ROLE = '300000000000000003';
const actor = { userId: '400000000000000004', username: 'alice', guildId: GUILD, channelId: CHANNEL, roleIds: [ROLE] };

/** Every string in a value, with byte arrays (payload data) decoded as UTF-8, so nothing hides in base64. */
function textOf(value: unknown, out: string[] = [], seen = new Set<unknown>()): string[] {
  if (value === null || value === undefined) return out;
  if (typeof value === 'string') out.push(value);
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') out.push(String(value));
  else if (value instanceof Uint8Array) out.push(Buffer.from(value).toString('utf8'));
  else if (typeof value === 'object') {
    if (seen.has(value)) return out;
    seen.add(value);
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out.push(k);
      textOf(v, out, seen);
    }
  }
  return out;
}

/** Credentials minted during the run (a signed link is a bearer credential until it is used or expires). */
const minted: Record<string, string> = {};
const secretValues = () => ({ ...SECRETS, ...minted });

function leaks(where: string, text: string): string[] {
  return Object.entries(secretValues()).filter(([, v]) => text.includes(v)).map(([k]) => `${k} in ${where}`);
}

void describe('[dev-server] secrets never leak (issue 11, finding 8)', () => {
  let env: TestWorkflowEnvironment;
  let dataDir: string;
  let workers: Workers | undefined;
  let running: Promise<void> | undefined;
  let api: RunningApiServer | undefined;
  let anthropic: FakeAnthropic;
  let discord: FakeDiscord;
  let pf: FakePfRest;
  let config: PalisadeConfig;
  let ipinfo: ScriptedServer;
  let grey: FakeGreyNoise;
  const closers: (() => Promise<unknown>)[] = [];
  const restoreWrites: (() => void)[] = [];

  before(async () => {
    Object.assign(process.env, SECRETS);
    // Anything written to stdout/stderr by this process is a log line too.
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        keep(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
        return (original as (...a: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write;
      restoreWrites.push(() => void (stream.write = original));
    }
    env = await createDevServerEnv();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'palisade-leaks-'));

    const abuse = await startFakeAbuseIpdb({ apiKey: SECRETS.PALISADE_LEAKTEST_ABUSEIPDB, records: REC.abuseipdb as never });
    grey = await startFakeGreyNoise({ apiKey: SECRETS.PALISADE_LEAKTEST_GREYNOISE, records: REC.greynoise as never });
    const otx = await startFakeOtx({ apiKey: SECRETS.PALISADE_LEAKTEST_OTX, records: REC.otx as never });
    ipinfo = await startFakeIpinfo({ token: SECRETS.PALISADE_LEAKTEST_IPINFO, standard: REC.ipinfo as never, lite: REC.ipinfoLite as never });
    anthropic = await startFakeAnthropic({ apiKey: SECRETS.PALISADE_LEAKTEST_ANTHROPIC });
    discord = await startFakeDiscord({ webhookId: '5550001', webhookToken: SECRETS.PALISADE_LEAKTEST_DISCORD_WEBHOOK_TOKEN, botToken: SECRETS.PALISADE_LEAKTEST_DISCORD_BOT });
    pf = new FakePfRest({ rules: [aliasBlockRule()], apiKey: SECRETS.PALISADE_LEAKTEST_PFSENSE });
    const pfPort = await pf.start();
    closers.push(() => abuse.close(), () => grey.close(), () => otx.close(), () => ipinfo.close(), () => anthropic.close(), () => discord.close(), () => pf.close());
    // The webhook URL is itself a secret (its last segment is the webhook token).
    process.env.PALISADE_LEAKTEST_DISCORD_WEBHOOK = discord.webhookUrl('5550001', SECRETS.PALISADE_LEAKTEST_DISCORD_WEBHOOK_TOKEN);

    const queue = `leaks-${tag}`;
    config = loadConfig({
      env: {},
      file: '/dev/null',
      overrides: {
        dataDir,
        logLevel: 'trace',
        temporal: { taskQueue: queue, enforceTaskQueue: `${queue}-enforce`, namespace: env.namespace ?? 'default' },
        policy: { mode: 'review', dryRun: false, verifySettleSeconds: 0 },
        llm: { provider: 'anthropic', model: 'claude-test', baseUrl: anthropic.url, apiKey: { env: 'PALISADE_LEAKTEST_ANTHROPIC' }, timeoutSeconds: 10 },
        intel: {
          abuseipdb: { enabled: true, baseUrl: abuse.url, apiKey: { env: 'PALISADE_LEAKTEST_ABUSEIPDB' }, timeoutSeconds: 2 },
          greynoise: { enabled: true, baseUrl: grey.url, apiKey: { env: 'PALISADE_LEAKTEST_GREYNOISE' }, timeoutSeconds: 2 },
          otx: { enabled: true, baseUrl: otx.url, apiKey: { env: 'PALISADE_LEAKTEST_OTX' }, timeoutSeconds: 2 },
          ipinfo: { enabled: true, lite: true, baseUrl: ipinfo.url, apiKey: { env: 'PALISADE_LEAKTEST_IPINFO' }, timeoutSeconds: 2 },
        },
        enforcement: {
          enforcer: 'pfsense',
          pfsense: {
            host: '127.0.0.1', transports: ['rest'], createAlias: true, batchWindowMs: 5, timeoutSeconds: 10,
            rest: { scheme: 'http', port: pfPort, auth: 'api-key', apiKey: { env: 'PALISADE_LEAKTEST_PFSENSE' } },
          },
        },
        api: {
          controlToken: { env: 'PALISADE_LEAKTEST_CONTROL' }, ingestToken: { env: 'PALISADE_LEAKTEST_INGEST' },
          linkSigningKey: { env: 'PALISADE_LEAKTEST_LINKKEY' }, port: 0,
        },
        discord: {
          enabled: true, botToken: { env: 'PALISADE_LEAKTEST_DISCORD_BOT' }, webhookUrl: { env: 'PALISADE_LEAKTEST_DISCORD_WEBHOOK' },
          guildIds: [GUILD], channelIds: [CHANNEL], roleIds: [ROLE],
        },
      },
    });
    const logger = createLogger(config, new Writable({ write(chunk: Buffer, _enc, cb) { keep(chunk.toString('utf8')); cb(); } }));
    workers = await createWorkers({
      config, connection: env.nativeConnection, client: env.client, logger, workflowBundle: await workflowBundle(),
      notifiers: discordNotifiersFromConfig(config, process.env, discord.apiBase),
    });
    running = workers.run();
    api = await createApiServer({ config, client: env.client, logger, secrets: await loadApiSecrets(config) }).listen({ host: '127.0.0.1', port: 0 });
  });

  after(async () => {
    await api?.close();
    workers?.shutdown();
    await running?.catch(() => undefined);
    for (const c of closers) await c().catch(() => undefined);
    await env?.teardown();
    for (const r of restoreWrites) r();
    await rm(dataDir, { recursive: true, force: true });
  });

  const call = async (method: string, p: string, body?: unknown, token: string | null = SECRETS.PALISADE_LEAKTEST_CONTROL) => {
    const res = await fetch(`${api!.url}${p}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, text, json: text.startsWith('{') ? JSON.parse(text) : undefined };
  };
  const state = (ip: string) => env.client.workflow.getHandle(threatWorkflowId(ip)).query(stateQuery);
  const waitFor = (ip: string, pred: (s: ThreatState) => boolean, what: string) => waitUntil(() => state(ip), pred, `${what} on ${ip}`);

  void test('the whole flow, good and failing paths, then no secret in any history, log line or metric', async () => {
    // Case A: a manual sighting through the API (ingest token), intel from all four providers, the model proposes a
    // block, the review is posted to Discord with buttons (bot token), a signed link approves it (control token to
    // mint, link key to sign), pfSense applies and verifies it (API key), an operator releases it, the outcome goes
    // to the webhook (which first answers 500 twice).
    anthropic.respond = () => ({ text: JSON.stringify({ action: 'block', target: `${IP_A}/32`, duration_hours: 6, reason: 'secrets scanner', confidence: 0.9, recommend_permanent: false, notes: '' }) });
    const sighted = await call('POST', '/api/sightings', { ip: IP_A, evidence: { paths: ['/.env', '/.git/config'], userAgents: ['gitleaks/8'], requestCount: 60 } }, SECRETS.PALISADE_LEAKTEST_INGEST);
    assert.equal(sighted.status, 202, sighted.text);
    const pendingA = await waitFor(IP_A, (s) => s.status === 'pending_review', 'pending review');
    assert.equal(pendingA.proposal?.origin, 'llm', JSON.stringify(pendingA.proposal));
    assert.ok(pendingA.intel!.providers.every((p) => p.status === 'ok'), JSON.stringify(pendingA.intel!.providers));
    const link = await call('POST', '/api/links', { ip: IP_A, decision: 'approve', approver: 'carol' });
    assert.equal(link.status, 201, link.text);
    minted['signed link token'] = link.json.token;
    minted['signed link signature'] = link.json.token.split('.')[2];
    // Refused uses of the link (a bad body, then after it is used, a reuse) go through the error paths.
    assert.equal((await call('POST', `/approve/${link.json.token}`, { comment: 'x'.repeat(2000) }, null)).status, 400);
    const used = await call('POST', `/approve/${link.json.token}`, { comment: 'confirmed' }, null);
    assert.equal(used.status, 200, used.text);
    assert.equal((await call('POST', `/approve/${link.json.token}`, { comment: 'again' }, null)).status, 410);
    await waitFor(IP_A, (s) => s.status === 'blocked', 'blocked');
    assert.ok(pf.live.some((a) => a.address.includes(`${IP_A}/32`)), 'pfSense enforces the block');
    discord.failNext(2, 500);
    assert.equal((await call('POST', `/api/threats/${IP_A}/hold`, { action: 'release', approver: 'carol', reason: 'done' })).status, 200);
    await waitFor(IP_A, (s) => s.outcome === 'released', 'released');

    // Case B: a source reports a second address; IPinfo and GreyNoise are down, the model answers 401, so the case
    // goes to review with the failure; the Discord review button (from the posted message) approves it; /release
    // from Discord lifts it.
    await ipinfo.close();
    await grey.close();
    anthropic.script.push({ status: 401, type: 'authentication_error', message: 'invalid x-api-key' });
    await submitSighting(env.client, config, IP_B, feedSighting(92));
    const pendingB = await waitFor(IP_B, (s) => s.status === 'pending_review', 'pending review');
    assert.match(pendingB.proposal?.failure ?? '', /HTTP 401/);
    assert.ok(pendingB.intel!.providers.some((p) => p.status === 'error'), JSON.stringify(pendingB.intel!.providers));
    const posted = await waitUntil(async () => discord.channelMessages.find((m) => JSON.stringify(m.body).includes(`:${IP_B}:`)), Boolean, 'the review message of case B');
    const approveId = posted!.body.components[0].components[0].custom_id as string;
    const deps = { ops: operatorOpsFor(env.client), access: { guildIds: [GUILD], channelIds: [CHANNEL], roleIds: [ROLE] } };
    const click = await handleButton({ actor, customId: approveId }, deps);
    assert.equal(click.resolved, true, click.reply.content);
    await waitFor(IP_B, (s) => s.status === 'blocked', 'blocked');
    const rel = await handleCommand({ actor, commandName: 'release', options: { ip: IP_B, reason: 'done' } }, deps);
    assert.match(rel.content ?? '', /Release/);
    await waitFor(IP_B, (s) => s.outcome === 'released', 'released');
    await waitUntil(async () => discord.webhookMessages.length, (n) => n >= 2, 'both outcome notifications');

    // The secrets were really used: every fake authenticated the requests it served.
    assert.ok(anthropic.requests.length >= 2);
    assert.ok(discord.channelMessages.length >= 2, 'review messages posted with the bot token');

    // Collect: every history of the namespace (every run), /metrics, the Discord bodies, the log lines.
    const histories: string[] = [];
    for await (const wf of env.client.workflow.list()) {
      const h = await env.client.workflow.getHandle(wf.workflowId, wf.runId).fetchHistory();
      histories.push(textOf(h).join('\n'));
    }
    assert.ok(histories.length >= 3, `histories: ${histories.length}`); // both threats and the rate governor
    const allHistories = histories.join('\n');
    assert.ok(allHistories.includes(IP_A) && allHistories.includes('signed-link') && allHistories.includes('HTTP 401'), 'the histories hold the flow');
    const metrics = await call('GET', '/metrics', undefined, null);
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /palisade_human_decisions_total\{subject="threat",decision="approve",channel="signed-link",result="accepted"\} 1/);
    const discordBodies = JSON.stringify([discord.webhookMessages, discord.channelMessages]);
    const logText = lines.join('\n');
    assert.ok(lines.length > 50, `log lines captured: ${lines.length}`);
    assert.match(logText, /human decision recorded/);
    assert.ok(lines.some((l) => l.startsWith('[sdk ')), 'the Temporal runtime logger is captured');

    const found = [
      ...leaks('a workflow history', allHistories),
      ...leaks('/metrics', metrics.text),
      ...leaks('a message sent to Discord', discordBodies),
      ...leaks('a log line', logText),
    ];
    const context = found.length
      ? lines.filter((l) => Object.values(secretValues()).some((v) => l.includes(v))).slice(0, 5).map((l) => l.slice(0, 600)).join('\n---\n')
      : '';
    assert.deepEqual(found, [], `secret values leaked:\n${context}`);
  });
});
