// Slash-command and button handlers driven with constructed interactions. The operator actions are replaced by a
// recorder that still validates IPs with the real normaliseThreatIp, so tampered button ids fail as in production;
// the end-to-end path through the real threat workflow is covered in test/integration/cli.test.ts.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkAccess, approverName, type DiscordActor } from '../../../api/discord/authz';
import { handleButton, handleCommand, type HandlerDeps, type OperatorOps } from '../../../api/discord/handlers';
import { buttonCustomId, parseButtonCustomId, parseIncidentButtonCustomId } from '../../../api/discord/messages';
import { actorFromInteraction, optionsRecord } from '../../../api/discord/bot';
import { commandDefinitions, registerCommands } from '../../../api/discord/commands';
import { createDiscordReviewPoster, discordNotifiersFromConfig } from '../../../api/discord/notifiers';
import { normaliseThreatIp, OperatorActionError, type ThreatSummary } from '../../../runtime/operator-actions';
import type { HumanDecision } from '../../../domain/types';
import type { BulkSelection } from '../../../runtime/bulk-decisions';
import type { HoldAction, ThreatState } from '../../../domain/threat-state';
import { configSchema } from '../../../domain/config';
import { startFakeDiscord, type FakeDiscord } from '../../fakes/discord-webhook';

const CASE = '2-9f2c4e1a7b3d';
const GUILD = '100000000000000001';
const CHANNEL = '200000000000000002';
const ROLE = '300000000000000003';
const access = { guildIds: [GUILD], channelIds: [CHANNEL], roleIds: [ROLE] };

const operator: DiscordActor = { userId: '400000000000000004', username: 'alice', guildId: GUILD, channelId: CHANNEL, roleIds: ['999', ROLE] };
const cases: { name: string; actor: DiscordActor; reason: string }[] = [
  { name: 'member without the role', actor: { ...operator, roleIds: ['999'] }, reason: 'missing_role' },
  { name: 'wrong channel', actor: { ...operator, channelId: '777' }, reason: 'wrong_channel' },
  { name: 'wrong guild', actor: { ...operator, guildId: '888' }, reason: 'wrong_guild' },
  { name: 'direct message', actor: { ...operator, guildId: null, roleIds: [] }, reason: 'wrong_guild' },
];

interface Recorded { decisions: { ip: string; d: HumanDecision }[]; bulk: { d: HumanDecision; selection: BulkSelection }[]; holds: { ip: string; a: HoldAction }[]; lists: number }

function recordingOps(rec: Recorded, pending: ThreatSummary[], failFor = new Map<string, OperatorActionError>()): OperatorOps {
  return {
    async submitDecision(ip, d) {
      const n = normaliseThreatIp(ip);
      const f = failFor.get(n);
      if (f) throw f;
      rec.decisions.push({ ip: n, d });
      return { accepted: true, status: d.decision === 'approve' ? 'enforcing' : 'closed', decision: { ...d, decidedAt: '2026-11-22T16:00:00.000Z' } };
    },
    // Resolves {all: true} against the pending list and checks the count, as runtime/bulk-decisions does (its own
    // tests cover it on the dev server).
    async decideInBulk(d, selection) {
      rec.bulk.push({ d, selection });
      const ips = pending.map((t) => t.ip);
      if (selection.kind === 'filter' && selection.expectedCount !== ips.length) throw new OperatorActionError('invalid_state', `match ${ips.length} case(s) now, not the ${selection.expectedCount} expected; nothing was decided`);
      const results = ips.map((ip) => (failFor.has(ip)
        ? { ip, ok: false as const, code: failFor.get(ip)!.code, error: failFor.get(ip)!.message }
        : { ip, ok: true as const, result: { accepted: true as const, status: 'enforcing' as const, decision: { ...d, decidedAt: 'x' } } }));
      const accepted = results.filter((r) => r.ok).length;
      return { matched: ips.length, accepted, refused: ips.length - accepted, results };
    },
    async submitHoldAction(ip, a) {
      rec.holds.push({ ip: normaliseThreatIp(ip), a });
      return { blockId: `${ip}#1`, target: `${ip}/32`, durationHours: 24, permanent: false, dryRun: true, enforcer: 'pfsense' };
    },
    async getThreat(ip) {
      const n = normaliseThreatIp(ip);
      const waiting = pending.some((t) => t.ip === n);
      const state = waiting ? ({ status: 'pending_review', review: { case: CASE, deadline: 'soon' }, evidence: { maxScore: 88 }, priorBlocks: 0, mode: 'review', dryRun: true } as unknown as ThreatState) : undefined;
      return { ip: n, execution: { workflowId: `threat/${n}`, runId: 'r', executionStatus: 'RUNNING', startTime: '2026-11-22T15:00:00.000Z', historyLength: 20 }, ...(state ? { state } : {}) };
    },
    async listThreats() {
      rec.lists++;
      return pending;
    },
    // Incidents are decided end to end on the real workflow in test/integration/incidents.test.ts.
    async listIncidents() {
      return [];
    },
    async submitIncidentDecision() {
      throw new OperatorActionError('unavailable', 'not used by these tests');
    },
  };
}

const pending: ThreatSummary[] = [
  { workflowId: 'threat/203.0.113.9', ip: '203.0.113.9', status: 'pending_review', score: 88, source: 'intel-feed', startTime: '2026-11-22T15:00:00.000Z' },
  { workflowId: 'threat/2001:db8::7', ip: '2001:db8::7', status: 'pending_review', score: 91, source: 'traefik-file @everyone', startTime: '2026-11-22T15:01:00.000Z' },
];

void describe('Discord handlers with constructed interactions', () => {
  let rec: Recorded;
  let events: string[];
  let deps: HandlerDeps;
  const make = (failFor?: Map<string, OperatorActionError>): HandlerDeps => ({
    ops: recordingOps(rec, pending, failFor),
    access,
    onEvent: (e) => events.push(e.type === 'denied' && !e.verdict.ok ? `denied:${e.verdict.reason}` : e.type),
  });
  beforeEach(() => {
    rec = { decisions: [], bulk: [], holds: [], lists: 0 };
    events = [];
    deps = make();
  });

  void it('/approve by an operator with the role records the decision through the discord channel', async () => {
    const reply = await handleCommand({ actor: operator, commandName: 'approve', options: { ip: ' 203.0.113.9 ', comment: 'scanner', hours: 12 } }, deps);
    assert.deepEqual(rec.decisions, [{ ip: '203.0.113.9', d: { decision: 'approve', approver: 'alice (discord:400000000000000004)', channel: 'discord', comment: 'scanner', durationHours: 12 } }]);
    assert.match(reply.content!, /Approved 203\.0\.113\.9 for 12 h/);
    assert.deepEqual(reply.allowed_mentions, { parse: [] });
  });

  void it('/reject records a rejection and ignores hours', async () => {
    await handleCommand({ actor: operator, commandName: 'reject', options: { ip: '2001:DB8:0::7', comment: 'benign', hours: 5 } }, deps);
    assert.deepEqual(rec.decisions[0], { ip: '2001:db8::7', d: { decision: 'reject', approver: 'alice (discord:400000000000000004)', channel: 'discord', comment: 'benign' } });
  });

  for (const c of cases) {
    void it(`refuses every command and button for a ${c.name}`, async () => {
      for (const commandName of ['pending', 'approve', 'reject', 'approve-all', 'reject-all', 'status', 'release']) {
        const reply = await handleCommand({ actor: c.actor, commandName, options: { ip: '203.0.113.9' } }, deps);
        assert.match(reply.content!, /^⛔/, commandName);
      }
      const b = await handleButton({ actor: c.actor, customId: buttonCustomId('approve', '203.0.113.9', CASE) }, deps);
      assert.match(b.reply.content!, /^⛔/);
      assert.equal(b.resolved, false);
      assert.deepEqual(rec, { decisions: [], bulk: [], holds: [], lists: 0 }, 'no operator action was attempted');
      assert.deepEqual(new Set(events), new Set([`denied:${c.reason}`]));
    });
  }

  void it('fails closed when no guild or role allowlist is configured', async () => {
    for (const cfg of [{ ...access, roleIds: [] }, { ...access, guildIds: [] }]) {
      const reply = await handleCommand({ actor: operator, commandName: 'approve', options: { ip: '203.0.113.9' } }, { ...deps, access: cfg });
      assert.match(reply.content!, /not configured/);
    }
    assert.equal(rec.decisions.length, 0);
    // An empty channel list means "any channel of the allowed guilds".
    assert.deepEqual(checkAccess({ ...operator, channelId: 'any' }, { ...access, channelIds: [] }), { ok: true });
  });

  void it('an Approve button click by an operator decides the threat and retires the buttons', async () => {
    const r = await handleButton({ actor: operator, customId: buttonCustomId('approve', '203.0.113.9', CASE) }, deps);
    assert.equal(r.resolved, true);
    assert.equal(rec.decisions[0]!.d.channel, 'discord');
    assert.equal(rec.decisions[0]!.d.decision, 'approve');
    assert.equal(rec.decisions[0]!.d.approver, approverName(operator));
    assert.equal(rec.decisions[0]!.d.case, CASE, 'the button carries the case it was issued for');
    const rj = await handleButton({ actor: operator, customId: buttonCustomId('reject', '2001:db8::7', CASE) }, deps);
    assert.equal(rj.resolved, true);
    assert.equal(rec.decisions[1]!.d.decision, 'reject');
  });

  void it('validates the IP carried in a button id before any action', async () => {
    for (const customId of ['palisade:approve:999.1.1.1', 'palisade:approve:1.2.3.4;rm', 'palisade:approve:1.2.3.4:2-', 'palisade:approve:1.2.3.4:x-9f2c4e1a7b3d', `palisade:approve:1.2.3.4:${CASE}!`, 'palisade:block:1.2.3.4', 'other:approve:1.2.3.4', 'palisade:approve:', 'palisade:approve:127.1']) {
      const r = await handleButton({ actor: operator, customId }, deps);
      assert.match(r.reply.content!, /^✖/, customId);
      assert.equal(r.resolved, false, customId);
    }
    assert.equal(rec.decisions.length, 0);
  });

  void it('a stale button (threat no longer awaiting review) reports why and retires the buttons', async () => {
    deps = make(new Map([['203.0.113.9', new OperatorActionError('invalid_state', 'the threat workflow for 203.0.113.9 refused the action: not awaiting review')]]));
    const r = await handleButton({ actor: operator, customId: buttonCustomId('approve', '203.0.113.9', CASE) }, deps);
    assert.equal(r.resolved, true);
    assert.match(r.reply.content!, /not awaiting review/);
  });

  void it('/pending lists waiting threats with buttons and defanged text', async () => {
    const reply = await handleCommand({ actor: operator, commandName: 'pending', options: {} }, deps);
    assert.match(reply.embeds![0]!.title!, /2 threat/);
    assert.doesNotMatch(reply.embeds![0]!.description!, /@everyone/);
    const ids = reply.components!.flatMap((row) => row.components.map((c) => (c as { custom_id: string }).custom_id));
    assert.deepEqual(ids, [`palisade:approve:203.0.113.9:${CASE}`, `palisade:reject:203.0.113.9:${CASE}`, `palisade:approve:2001:db8::7:${CASE}`, `palisade:reject:2001:db8::7:${CASE}`]);
  });

  void it('/approve-all decides every pending threat in one bulk call with the count the operator saw, and reports failures', async () => {
    deps = make(new Map([['2001:db8::7', new OperatorActionError('invalid_state', 'already decided')]]));
    const missing = await handleCommand({ actor: operator, commandName: 'approve-all', options: {} }, deps);
    assert.match(missing.content!, /^✖ the expected option is required/);
    assert.equal(rec.bulk.length, 0, 'nothing decided without the count');
    const reply = await handleCommand({ actor: operator, commandName: 'approve-all', options: { expected: 2 } }, deps);
    assert.equal(rec.bulk.length, 1);
    assert.deepEqual(rec.bulk[0]!.selection, { kind: 'filter', filter: { all: true }, expectedCount: 2 });
    assert.equal(rec.bulk[0]!.d.channel, 'discord');
    assert.equal(rec.bulk[0]!.d.decision, 'approve');
    assert.match(reply.content!, /Approved 1 of 2/);
    assert.match(reply.content!, /2001:db8::7: already decided/);
    await handleCommand({ actor: operator, commandName: 'reject-all', options: { comment: 'false positives', expected: 2 } }, deps);
    assert.equal(rec.bulk[1]!.d.decision, 'reject');
    assert.equal(rec.bulk[1]!.d.comment, 'false positives');
    const stale = await handleCommand({ actor: operator, commandName: 'reject-all', options: { expected: 3 } }, deps);
    assert.match(stale.content!, /^✖ .*not the 3 expected; nothing was decided/);
  });

  void it('/release and /status go through the operator actions', async () => {
    const rel = await handleCommand({ actor: operator, commandName: 'release', options: { ip: '203.0.113.9', reason: 'customer' } }, deps);
    assert.deepEqual(rec.holds, [{ ip: '203.0.113.9', a: { action: 'release', by: approverName(operator), channel: 'discord', reason: 'customer' } }]);
    assert.match(rel.content!, /Release of 203\.0\.113\.9 recorded/);
    const st = await handleCommand({ actor: operator, commandName: 'status', options: { ip: '203.0.113.9' } }, deps);
    assert.equal(st.embeds![0]!.title, 'Threat 203.0.113.9');
    const bad = await handleCommand({ actor: operator, commandName: 'status', options: { ip: 'not-an-ip' } }, deps);
    assert.match(bad.content!, /^✖ .*not an IP address/);
  });

  void it('unexpected errors are logged and answered without details', async () => {
    deps.ops.listThreats = async () => {
      throw new Error('socket hang up at 10.0.0.5:7233');
    };
    const reply = await handleCommand({ actor: operator, commandName: 'pending', options: {} }, deps);
    assert.doesNotMatch(reply.content!, /10\.0\.0\.5/);
    assert.deepEqual(events, ['error']);
  });
});

void describe('Discord interaction glue', () => {
  void it('reads roles from both a cached GuildMember and a raw API member', () => {
    const base = { user: { id: 'u1', username: 'bob' }, guildId: GUILD, channelId: CHANNEL };
    assert.deepEqual(actorFromInteraction({ ...base, member: { roles: [ROLE, 'x'] } }).roleIds, [ROLE, 'x']);
    assert.deepEqual(actorFromInteraction({ ...base, member: { roles: { cache: new Map([[ROLE, {}]]) } } }).roleIds, [ROLE]);
    assert.deepEqual(actorFromInteraction({ ...base, guildId: null, member: null }).roleIds, []);
    assert.deepEqual(optionsRecord([{ name: 'ip', value: '1.2.3.4' }, { name: 'hours', value: 3 }]), { ip: '1.2.3.4', hours: 3 });
  });

  void it('button ids round-trip for IPv4 and IPv6 and stay within 100 characters', () => {
    for (const ip of ['203.0.113.9', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', '::1', '2001:db8::2']) {
      const id = buttonCustomId('reject', ip, '123456789-0123456789abcdef0123456789abcdef'.slice(0, 42));
      assert.ok(id.length <= 100);
      assert.deepEqual(parseButtonCustomId(id), { action: 'reject', ip, case: '123456789-0123456789abcdef0123456789abcdef'.slice(0, 42) });
      assert.deepEqual(parseButtonCustomId(buttonCustomId('approve', ip, CASE)), { action: 'approve', ip, case: CASE });
    }
    // A button posted before case binding parses without a case: the workflow refuses it, naming the pending case.
    assert.deepEqual(parseButtonCustomId('palisade:approve:203.0.113.9'), { action: 'approve', ip: '203.0.113.9' });
  });
});

void describe('Discord REST: command registration and review messages (discord.js REST against a local Discord API)', () => {
  let discord: FakeDiscord;
  before(async () => {
    discord = await startFakeDiscord({ botToken: 'bot-token-xyz' });
  });
  after(async () => {
    await discord.close();
  });

  void it('bulk-overwrites the eleven slash commands in each guild', async () => {
    const counts = await registerCommands({ token: 'bot-token-xyz', applicationId: 'app1', guildIds: [GUILD, 'g2'], api: discord.apiBase });
    assert.deepEqual(counts, { [GUILD]: 11, g2: 11 });
    const cmds = discord.registeredCommands.get(`app1/guild/${GUILD}`)!;
    assert.deepEqual(cmds.map((c) => c.name).sort(), ['ack', 'acks', 'approve', 'approve-all', 'incidents', 'pending', 'reject', 'reject-all', 'release', 'status', 'unack']);
    for (const c of cmds) assert.equal(c.default_member_permissions, '32'); // ManageGuild
    const approve = commandDefinitions().find((c) => c.name === 'approve')!;
    assert.deepEqual(approve.options!.map((o) => [o.name, o.type, o.required ?? false]), [['ip', 3, true], ['comment', 3, false], ['hours', 10, false]]);
    const ack = commandDefinitions().find((c) => c.name === 'ack')!;
    assert.deepEqual(ack.options!.map((o) => [o.name, o.type, o.required ?? false]), [['id', 3, true], ['reason', 3, true], ['hours', 10, false]]);
  });

  void it('refuses registration with a wrong bot token', async () => {
    await assert.rejects(registerCommands({ token: 'wrong', applicationId: 'app1', guildIds: [GUILD], api: discord.apiBase }), /401|Unauthorized/);
  });

  void it('posts review requests with Approve/Reject buttons to the review channel, and nothing for outcomes', async () => {
    const poster = createDiscordReviewPoster({ botToken: async () => 'bot-token-xyz', channelIds: [CHANNEL], api: discord.apiBase });
    await poster.send({ kind: 'outcome', workflowId: 'threat/203.0.113.9', ip: '203.0.113.9', title: 'x', body: 'y', outcome: 'expired' });
    assert.equal(discord.channelMessages.length, 0);
    await poster.send({ kind: 'review_needed', workflowId: 'threat/203.0.113.9', ip: '203.0.113.9', title: 'Review 203.0.113.9 @everyone', body: 'UA <@123456789012345678>', fields: [{ name: 'Score', value: '88' }], case: CASE });
    assert.equal(discord.channelMessages.length, 1);
    const m = discord.channelMessages[0]!;
    assert.equal(m.channelId, CHANNEL);
    assert.deepEqual(m.body.allowed_mentions, { parse: [] });
    assert.doesNotMatch(JSON.stringify(m.body.embeds), /@everyone|<@\d/);
    assert.deepEqual(m.body.components[0].components.map((c: any) => c.custom_id), [`palisade:approve:203.0.113.9:${CASE}`, `palisade:reject:203.0.113.9:${CASE}`]);
  });

  void it('posts an incident awaiting a decision with Approve/Reject/Ack buttons bound to the incident', async () => {
    const poster = createDiscordReviewPoster({ botToken: async () => 'bot-token-xyz', channelIds: [CHANNEL], api: discord.apiBase });
    const before = discord.channelMessages.length;
    await poster.send({ kind: 'alert_investigation', workflowId: 'alert/4f1c2b3a9d8e7f60', title: 'Incident awaiting a decision: DiskFull @here', body: 'disk <@123456789012345678>', incident: '4f1c2b3a9d8e7f60' });
    // Without its incident id there is nothing a button could decide: not posted.
    await poster.send({ kind: 'alert_investigation', workflowId: 'alert/x', title: 'x', body: 'y' });
    assert.equal(discord.channelMessages.length, before + 1);
    const m = discord.channelMessages.at(-1)!;
    assert.deepEqual(m.body.allowed_mentions, { parse: [] });
    assert.doesNotMatch(JSON.stringify(m.body.embeds), /@here|<@\d/);
    assert.deepEqual(m.body.components[0].components.map((c: any) => c.custom_id), ['palisade:incident:approve:4f1c2b3a9d8e7f60', 'palisade:incident:reject:4f1c2b3a9d8e7f60', 'palisade:incident:acknowledge:4f1c2b3a9d8e7f60']);
    assert.deepEqual(parseIncidentButtonCustomId('palisade:incident:approve:icinga-0123abcd'), { action: 'approve', id: 'icinga-0123abcd' });
    for (const bad of ['palisade:incident:execute:4f1c', 'palisade:incident:approve:4F1C;rm', 'palisade:incident:approve:', `palisade:incident:approve:${'a'.repeat(33)}`]) {
      assert.equal(parseIncidentButtonCustomId(bad), undefined, bad);
    }
  });

  void it('chooses notifiers from the config: webhook when its URL is set, review poster when the bot has channels', () => {
    const cfg = configSchema.parse({ discord: { enabled: true, channelIds: [CHANNEL], guildIds: [GUILD], roleIds: [ROLE] } });
    assert.deepEqual(discordNotifiersFromConfig(cfg, {}).map((n) => n.name), []);
    assert.deepEqual(discordNotifiersFromConfig(cfg, { DISCORD_WEBHOOK_URL: 'http://127.0.0.1:1/api/webhooks/1/t', DISCORD_BOT_TOKEN: 't' }).map((n) => n.name), ['discord-webhook', 'discord-review']);
  });
});
