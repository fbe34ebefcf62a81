// Incidents control plane (issue 15) on the real stack: Alertmanager webhook → real API → alert investigation
// workflow on a Temporal dev server; decided through the real `palisade` CLI (spawned), the REST API and a signed
// link, each through runtime/operator-actions. The history is the proof: the decideAlert update's input names the
// operator and the channel.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv } from '../helpers/temporal-env';
import { startApiStack, waitUntil, type ApiStack } from '../helpers/api-stack';
import { runCli, type CliResult } from '../helpers/run-cli';
import { decisionsInHistory, postAlert, waitForIncident } from '../helpers/incidents';
import { startFakeDiscord, type FakeDiscord } from '../fakes/discord-webhook';
import { createDiscordReviewPoster } from '../../api/discord/notifiers';
import { recordHistory } from '../helpers/histories';
import { handleButton, handleCommand, operatorOpsFor } from '../../api/discord/handlers';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'palisade-incidents-'));
let env: TestWorkflowEnvironment;
let stack: ApiStack;
let discord: FakeDiscord;
const DISCORD_CHANNEL = '200000000000000002';

function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['--address', env.address, '--namespace', env.namespace ?? 'default', ...args], {
    cwd: tmp, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp, PALISADE_CONFIG: '/dev/null', USER: 'oncall', ...extraEnv },
  });
}

async function call(method: string, p: string, body?: unknown, token: string | null = stack.secrets.controlToken) {
  const res = await fetch(`${stack.url}${p}`, {
    method,
    headers: { ...(token !== null ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() as any };
}

const noStack = (r: CliResult) => assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace without --debug');

void describe('[dev-server] incidents control plane: API, CLI and signed links on the alert investigation workflow', () => {
  before(async () => {
    env = await createDevServerEnv();
    // The workers notify through the real Discord review poster, against a local Discord API.
    discord = await startFakeDiscord({ botToken: 'bot-token-xyz' });
    const poster = createDiscordReviewPoster({ botToken: async () => 'bot-token-xyz', channelIds: [DISCORD_CHANNEL], api: discord.apiBase });
    stack = await startApiStack(env, {}, { notifiers: [poster] });
  });
  after(async () => {
    await stack?.stop();
    await env?.teardown();
    await discord?.close();
  });

  void test('Alertmanager webhook → `incidents pending` lists it → `incidents decide … approved` → the history records operator and channel', async () => {
    const id = 'c0ffee0000000001';
    await postAlert(stack, 'firing', id);
    await waitForIncident(env.client, id, (s) => s.status === 'awaiting_decision', 'awaiting_decision');
    // Awaiting a decision, the investigation notifies: Discord gets the incident message with its decision buttons.
    const buttonsOf = (m: { body: any }): string[] => (m.body.components ?? []).flatMap((row: any) => row.components).map((c: any) => c.custom_id as string);
    const posted = await waitUntil(async () => discord.channelMessages.filter((m) => buttonsOf(m).some((c) => c.endsWith(`:${id}`))), (m) => m.length > 0, 'the Discord incident message');
    assert.equal(posted.length, 1);
    assert.equal(posted[0]!.channelId, DISCORD_CHANNEL);
    assert.deepEqual(buttonsOf(posted[0]!), ['approve', 'reject', 'acknowledge'].map((a) => `palisade:incident:${a}:${id}`));
    assert.match(JSON.stringify(posted[0]!.body.embeds), /Incident awaiting a decision: DiskFull/);

    // The pending list is a visibility query: wait until the status attribute has been indexed.
    const listed = await waitUntil(() => cli(['incidents', 'pending']), (r) => r.stdout.includes(id), 'the CLI pending list');
    assert.equal(listed.code, 0, listed.stderr);
    const row = listed.stdout.split('\n').find((l) => l.startsWith(id))!;
    assert.match(row, /critical\s+alertmanager\s+awaiting_decision/);
    assert.match(row, /DiskFull/);
    const json = JSON.parse((await cli(['incidents', 'pending', '--json'])).stdout) as { id: string; name: string; severity: string }[];
    assert.deepEqual(json.filter((i) => i.id === id).map((i) => [i.name, i.severity]), [['DiskFull', 'critical']]);

    const show = await cli(['incidents', 'show', id]);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, /status awaiting_decision/);
    assert.match(show.stdout, new RegExp(`decision: pending — palisade incidents decide ${id}`));

    const decided = await cli(['incidents', 'decide', id, 'approved', '--comment', 'clean the WAL archive']);
    assert.equal(decided.code, 0, decided.stderr);
    assert.match(decided.stdout, new RegExp(`approved incident ${id} as oncall at .*; execution: execution_disabled`));

    const [d, ...more] = await decisionsInHistory(env.client, id);
    assert.equal(more.length, 0);
    assert.deepEqual(d.input, { decision: 'approve', operator: 'oncall', channel: 'cli', comment: 'clean the WAL archive' });
    assert.equal(d.result?.execution, 'execution_disabled', 'an approval is recorded, nothing is executed');

    // A second decision is refused by the workflow's validator, with who decided first; nothing more is recorded.
    const again = await cli(['incidents', 'decide', id, 'rejected', '--operator', 'bob']);
    assert.equal(again.code, 4, again.stderr);
    assert.match(again.stderr, /^palisade: the investigation of incident c0ffee0000000001 refused the action: this incident was already approved by oncall via cli at .*; the second decision was not applied/);
    noStack(again);
    assert.equal((await decisionsInHistory(env.client, id)).length, 1);

    // The list follows: no longer pending, listed as decided.
    await waitUntil(() => cli(['incidents', 'pending', '--json']), (r) => !r.stdout.includes(id), 'leaves the pending list');
    const decidedList = await waitUntil(() => cli(['incidents', 'pending', '--status', 'decided', '--json']), (r) => r.stdout.includes(id), 'decided list');
    assert.equal(decidedList.code, 0);

    await postAlert(stack, 'resolved', id);
    const result = await env.client.workflow.getHandle(`alert/${id}`).result();
    assert.equal(result.outcome, 'resolved');
    assert.equal(result.decision?.channel, 'cli');
    await recordHistory(env.client, `alert/${id}`, 'cli-approved-resolved');
  });

  void test('the CLI refuses bad input with a message and a non-zero exit, and decides nothing', async () => {
    const id = 'c0ffee0000000002';
    await postAlert(stack, 'firing', id);
    await waitForIncident(env.client, id, (s) => s.status === 'awaiting_decision', 'awaiting_decision');
    const cases: [string[], number, RegExp][] = [
      [['incidents', 'decide', id, 'maybe'], 2, /the decision must be approved, rejected or acknowledged, not "maybe"/],
      [['incidents', 'decide', 'alert/../etc', 'approved'], 2, /not an incident id: "alert\/\.\.\/etc"/],
      [['incidents', 'decide', 'ffffffffffff0000', 'approved'], 3, /no incident ffffffffffff0000/],
      [['incidents', 'show', 'ffffffffffff0000'], 3, /no incident ffffffffffff0000/],
      [['incidents', 'pending', '--status', 'bogus'], 2, /unknown incident status "bogus"; expected one of waiting_for_alert, investigating, awaiting_decision/],
      [['incidents', 'decide', id, 'approved', '--operator', ' '], 2, /approver/],
    ];
    for (const [args, code, message] of cases) {
      const r = await cli(args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
      noStack(r);
    }
    assert.deepEqual(await decisionsInHistory(env.client, id), [], 'nothing was decided');
    await env.client.workflow.getHandle(`alert/${id}`).terminate('test cleanup');
  });

  void test('API: list, show and decide with the control token; 4xx with a message on bad input; approved via the API', async () => {
    const id = 'c0ffee0000000003';
    await postAlert(stack, 'firing', id, 'HighLatency');
    await waitForIncident(env.client, id, (s) => s.status === 'awaiting_decision', 'awaiting_decision');

    const list = await waitUntil(() => call('GET', '/api/incidents?status=awaiting_decision'), (r) => r.body.incidents?.some((i: any) => i.id === id), 'API pending list');
    const item = list.body.incidents.find((i: any) => i.id === id);
    assert.deepEqual([item.workflowId, item.status, item.source, item.name, item.severity], [`alert/${id}`, 'awaiting_decision', 'alertmanager', 'HighLatency', 'critical']);
    const shown = await call('GET', `/api/incidents/${id}`);
    assert.equal(shown.status, 200);
    assert.equal(shown.body.state.alert.name, 'HighLatency');
    assert.equal(shown.body.state.diagnosis.status, 'no_diagnosis');

    const refused: [string, string, unknown, string | null, number, RegExp][] = [
      ['no token', `/api/incidents/${id}/decision`, { decision: 'approve', approver: 'alice' }, null, 401, /./],
      ['ingest token', `/api/incidents/${id}/decision`, { decision: 'approve', approver: 'alice' }, stack.secrets.ingestToken, 403, /./],
      ['unknown decision', `/api/incidents/${id}/decision`, { decision: 'reboot', approver: 'alice' }, undefined as never, 400, /decision: Invalid option/],
      ['no approver', `/api/incidents/${id}/decision`, { decision: 'approve' }, undefined as never, 400, /approver/],
      ['unknown field', `/api/incidents/${id}/decision`, { decision: 'approve', approver: 'alice', durationHours: 4 }, undefined as never, 400, /durationHours/],
      ['channel not for the API', `/api/incidents/${id}/decision`, { decision: 'approve', approver: 'alice', channel: 'discord' }, undefined as never, 400, /channel/],
      ['bad id', '/api/incidents/not-an-id/decision', { decision: 'approve', approver: 'alice' }, undefined as never, 400, /not an incident id/],
      ['unknown incident', '/api/incidents/ffffffffffff0001/decision', { decision: 'approve', approver: 'alice' }, undefined as never, 404, /no incident ffffffffffff0001/],
    ];
    for (const [name, p, body, token, status, message] of refused) {
      const r = await call('POST', p, body, token === undefined ? stack.secrets.controlToken : token);
      assert.equal(r.status, status, `${name}: ${JSON.stringify(r.body)}`);
      assert.match(r.body.error, message, name);
    }
    assert.equal((await call('GET', '/api/incidents?status=bogus')).status, 400);
    assert.equal((await call('GET', '/api/incidents/ffffffffffff0001')).status, 404);
    assert.equal((await call('GET', '/api/incidents', undefined, null)).status, 401);
    assert.deepEqual(await decisionsInHistory(env.client, id), [], 'no refused request reached the workflow');

    const ok = await call('POST', `/api/incidents/${id}/decision`, { decision: 'approve', approver: 'alice', comment: 'scale the pool' });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.status, 'decided');
    assert.equal(ok.body.decision.execution, 'execution_disabled');
    const second = await call('POST', `/api/incidents/${id}/decision`, { decision: 'reject', approver: 'bob' });
    assert.equal(second.status, 409);
    assert.match(second.body.error, /already approved by alice via api/);
    assert.deepEqual((await decisionsInHistory(env.client, id)).map((d) => d.input), [{ decision: 'approve', operator: 'alice', channel: 'api', comment: 'scale the pool' }]);

    // Decisions by channel, for incidents too: as submitted (accepted, and the refused second one) and as recorded by
    // the workflow (through its metrics sink; this stack runs API and worker in one process, one registry).
    const metric = (text: string, name: string, labels: string) =>
      Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    const scraped = await waitUntil(async () => (await fetch(`${stack.url}/metrics`)).text(),
      (t) => metric(t, 'palisade_human_decisions_recorded_total', 'subject="incident",decision="approve",channel="api"') === 1, 'the recorded incident decision counted');
    assert.equal(metric(scraped, 'palisade_human_decisions_total', 'subject="incident",decision="approve",channel="api",result="accepted"'), 1);
    assert.equal(metric(scraped, 'palisade_human_decisions_total', 'subject="incident",decision="reject",channel="api",result="invalid_state"'), 1);

    await postAlert(stack, 'resolved', id, 'HighLatency');
    assert.equal((await env.client.workflow.getHandle(`alert/${id}`).result()).decision?.operator, 'alice');
    await recordHistory(env.client, `alert/${id}`, 'api-approved-resolved');
  });

  void test('Discord: /incidents lists it with buttons; the Approve button decides it with the Discord user as operator; a second click is refused', async () => {
    const id = 'c0ffee0000000005';
    await postAlert(stack, 'firing', id, 'DiskFull');
    await waitForIncident(env.client, id, (s) => s.status === 'awaiting_decision', 'awaiting_decision');
    const guild = '100000000000000001';
    const channel = '200000000000000002';
    const role = '300000000000000003';
    const deps = { ops: operatorOpsFor(env.client), access: { guildIds: [guild], channelIds: [channel], roleIds: [role] } };
    const actor = { userId: '400000000000000004', username: 'alice', guildId: guild, channelId: channel, roleIds: [role] };

    const listed = await waitUntil(() => handleCommand({ actor, commandName: 'incidents', options: {} }, deps), (m) => (m.content ?? '').includes(id), '/incidents lists the incident');
    assert.match(listed.content!, /DiskFull/);
    const approveId = listed.components!.flatMap((row) => row.components).map((c) => (c as { custom_id: string }).custom_id).find((c) => c.endsWith(`approve:${id}`))!;
    assert.equal(approveId, `palisade:incident:approve:${id}`);

    // A member without the role is refused before anything reaches the workflow.
    const denied = await handleButton({ actor: { ...actor, roleIds: ['999'] }, customId: approveId }, deps);
    assert.equal(denied.resolved, false);
    assert.deepEqual(await decisionsInHistory(env.client, id), []);

    const clicked = await handleButton({ actor, customId: approveId }, deps);
    assert.match(clicked.reply.content!, new RegExp(`Approved incident ${id} .*via discord; nothing is executed`));
    assert.equal(clicked.resolved, true);
    const again = await handleButton({ actor, customId: approveId }, deps);
    assert.match(again.reply.content!, /already approved by alice \\?\(discord:400000000000000004\\?\) via discord/);
    assert.equal(again.resolved, true, 'the stale buttons are retired');
    assert.deepEqual((await decisionsInHistory(env.client, id)).map((d) => d.input), [
      { decision: 'approve', operator: 'alice (discord:400000000000000004)', channel: 'discord', comment: 'approve with the Discord incident button' },
    ]);
  });

  void test('signed link: minted for a pending incident, opened (records nothing), confirmed once → rejected with operator and channel', async () => {
    const id = 'c0ffee0000000004';
    await postAlert(stack, 'firing', id, 'ErrorBudgetBurn');
    await waitForIncident(env.client, id, (s) => s.status === 'awaiting_decision', 'awaiting_decision');

    const minted = await call('POST', '/api/links', { incident: id, decision: 'reject', approver: 'carol', ttlSeconds: 600 });
    assert.equal(minted.status, 201, JSON.stringify(minted.body));
    assert.equal(minted.body.incident, id);
    const token: string = minted.body.token;
    assert.match(token, /^i1\./);
    assert.equal((await call('POST', '/api/links', { incident: 'ffffffffffff0002', decision: 'reject', approver: 'carol' })).status, 404);
    assert.equal((await call('POST', '/api/links', { incident: id, decision: 'reboot', approver: 'carol' })).status, 400);

    const page = await fetch(`${stack.url}/approve/${token}`, { headers: { accept: 'text/html' } });
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /Reject incident <span class="mono">c0ffee0000000004<\/span>\?/);
    assert.match(html, /ErrorBudgetBurn \(critical\)/);
    assert.deepEqual(await decisionsInHistory(env.client, id), [], 'opening the link records nothing');

    // A link's signature covers its kind: the same body under the threat prefix is not a valid threat link.
    const asThreat = await fetch(`${stack.url}/approve/${token.replace(/^i1\./, 'v1.')}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{}' });
    assert.equal(asThreat.status, 403);

    const used = await fetch(`${stack.url}/approve/${token}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: 'comment=not+our+service' });
    assert.equal(used.status, 200);
    assert.match(await used.text(), /Rejected incident c0ffee0000000004 as carol\. The decision is recorded \(execution: not_applicable\)\./);
    assert.deepEqual((await decisionsInHistory(env.client, id)).map((d) => d.input), [{ decision: 'reject', operator: 'carol', channel: 'signed-link', comment: 'not our service' }]);

    const reuse = await fetch(`${stack.url}/approve/${token}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{}' });
    assert.equal(reuse.status, 410);
    const late = await call('POST', '/api/links', { incident: id, decision: 'approve', approver: 'dave' });
    assert.equal(late.status, 409);
    assert.match(late.body.error, /already decided \(reject by carol via signed-link\)/);

    // The CLI mints the same kind of link (offline here: it needs only the key).
    const signed = await cli(['incidents', 'sign', id, '--approver', 'erin', '--decision', 'acknowledged', '--no-check'], { PALISADE_LINK_SIGNING_KEY: stack.secrets.linkSigningKey });
    assert.equal(signed.code, 0, signed.stderr);
    const cliToken = signed.stdout.trim().split('/approve/')[1]!;
    const refused = await fetch(`${stack.url}/approve/${cliToken}`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: '{}' });
    assert.equal(refused.status, 409, 'the CLI link is genuine, and the workflow refuses a second decision');
    assert.match((await refused.json() as { error: string }).error, /already rejected by carol via signed-link/);

    await postAlert(stack, 'resolved', id, 'ErrorBudgetBurn');
    assert.equal((await env.client.workflow.getHandle(`alert/${id}`).result()).decision?.channel, 'signed-link');
    await recordHistory(env.client, `alert/${id}`, 'signed-link-rejected-resolved');
  });
});
