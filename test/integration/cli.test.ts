// The real `palisade` CLI (node bin/palisade.js, spawned) against a Temporal dev server running the real threat
// workflow and activities (in-memory firewall). Also drives the Discord handlers with the real operator actions, so
// approvals from Discord and the CLI are shown to land in the same history and the same audit timeline.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { handleButton, handleCommand, operatorOpsFor } from '../../api/discord/handlers';
import { buttonCustomId } from '../../api/discord/messages';
import { createDevServerEnv, workflowBundle } from '../helpers/temporal-env';
import { threatHarness, type ThreatHarness } from '../helpers/threat-harness';
import { runCli, type CliResult } from '../helpers/run-cli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'palisade-cli-'));

let env: TestWorkflowEnvironment;
let harness: ThreatHarness;
let ipCounter = 1;
const nextIp = () => `45.147.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`;


/** Spawns the CLI without blocking this process's event loop (the workers it talks to run here). */
function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['--address', env.address, '--namespace', env.namespace ?? 'default', ...args], {
    cwd: tmp, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp, PALISADE_CONFIG: '/dev/null', ...extraEnv },
  });
}

const noStack = (r: CliResult) => assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace without --debug');

void describe('[dev-server] palisade CLI and Discord approvals on the real threat workflow', () => {
  before(async () => {
    env = await createDevServerEnv();
    // Real (not dry-run) enforcement against the in-memory firewall, so the audit shows what the firewall did.
    harness = threatHarness(env, await workflowBundle(), { config: { policy: { dryRun: false } } });
  });
  after(async () => {
    await env?.teardown();
  });

  void test('pending → approve → show → release → audit → history export → replay, all through the CLI', async () => {
    await harness.run(async () => {
      const ip = nextIp();
      await harness.sight(ip, { score: 90, evidence: { summary: '62 requests to /.env in 60 s', paths: ['/.env', '/.git/config'], userAgents: ['gitleaks/8 @everyone'] } });
      const { review } = await harness.waitFor(ip, (s) => s.status === 'pending_review', 'pending_review');
      const shown = await cli(['show', ip]);
      assert.match(shown.stdout, new RegExp(`case: ${review!.case!} \\(pass --case`), 'show prints the case to pass');
      const wrongCase = await cli(['approve', ip, '--operator', 'alice', '--comment', 'x', '--case', '7-000000000000']);
      assert.equal(wrongCase.code, 4, wrongCase.stderr);
      assert.match(wrongCase.stderr, /this decision was for case 7; case 1 is pending/);
      noStack(wrongCase);

      const pending = await cli(['pending', '--json']);
      assert.equal(pending.code, 0, pending.stderr);
      assert.ok((JSON.parse(pending.stdout) as { ip: string }[]).some((t) => t.ip === ip), 'the pending list has the IP');

      const approve = await cli(['approve', ip, '--operator', 'alice', '--comment', 'secrets scanner', '--duration', '6']);
      assert.equal(approve.code, 0, approve.stderr);
      assert.match(approve.stdout, new RegExp(`approved ${ip.replace(/\./g, '\\.')} \\(case ${review!.case!}\\) as alice`));
      const blocked = await harness.waitFor(ip, (s) => s.status === 'blocked', 'blocked');
      // Without --case the CLI binds the decision to the case pending at that moment, and records which one.
      assert.deepEqual({ ...blocked.review!.decision, decidedAt: undefined }, { decision: 'approve', approver: 'alice', channel: 'cli', comment: 'secrets scanner', durationHours: 6, case: review!.case, decidedAt: undefined });
      assert.equal(blocked.block!.durationHours, 6);
      assert.ok((await harness.enforcer.list()).some((e) => e.target === `${ip}/32`), 'the firewall holds the block');

      const again = await cli(['approve', ip, '--operator', 'bob', '--comment', 'twice']);
      assert.equal(again.code, 4, `a second decision is refused in this state: ${again.stderr}`);
      assert.match(again.stderr, /^palisade: .*refused/);
      noStack(again);

      const show = await cli(['show', ip]);
      assert.equal(show.code, 0, show.stderr);
      assert.match(show.stdout, /review: approve by alice via cli/);
      assert.match(show.stdout, /status blocked/);

      const extend = await cli(['extend', ip, '--hours', '2', '--operator', 'alice']);
      assert.equal(extend.code, 0, extend.stderr);
      const release = await cli(['release', ip, '--operator', 'carol', '--reason', 'customer asked']);
      assert.equal(release.code, 0, release.stderr);
      await harness.waitFor(ip, (s) => s.outcome === 'released', 'released');
      assert.ok(!(await harness.enforcer.list()).some((e) => e.target === `${ip}/32`), 'the firewall no longer holds it');

      const audit = await cli(['audit', ip]);
      assert.equal(audit.code, 0, audit.stderr);
      const timeline = audit.stdout;
      for (const expected of [
        /sighting +sighting from test: score 90, inbound, known-bad/,
        /summary: 62 requests to \/\.env in 60 s/,
        /intel +intel: composite/,
        /model +proposal \(/,
        /policy +policy decided: review \(block /,
        /human +human decision: approved by alice via cli for 6 h: "secrets scanner"/,
        /governor +rate governor \(human approval counted\)/,
        /enforcement +firewall: apply block .*\/32 on memory: ok/,
        /enforcement +firewall: verify .*: level reached: (present|loaded) on memory/,
        /hold +hold action: extend by 2 h by alice via cli/,
        /hold +hold action: release by carol via cli: "customer asked"/,
        /enforcement +firewall: remove block/,
        /outcome: released/,
      ]) assert.match(timeline, expected);
      // Entries are in time order.
      const times = timeline.split('\n').filter((l) => /^\d{4}-/.test(l)).map((l) => l.slice(0, 20));
      assert.deepEqual(times, [...times].sort());

      const file = path.join(tmp, 'approved.json');
      const exported = await cli(['history', 'export', ip, '--out', file]);
      assert.equal(exported.code, 0, exported.stderr);
      const ok = await cli(['replay', file]);
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      assert.match(ok.stdout, /^OK .*approved\.json/m);
      assert.match(ok.stdout, /1 of 1 histories replayed cleanly/);

      // The same file as the audit input, offline.
      const offline = await cli(['audit', ip, '--history', file]);
      assert.equal(offline.code, 0, offline.stderr);
      assert.match(offline.stdout, /human decision: approved by alice via cli/);

      // A history whose recorded activity order no longer matches the code: swap the first two activity types.
      const json = JSON.parse(readFileSync(file, 'utf8'));
      const scheduled = json.events.filter((e: any) => e.activityTaskScheduledEventAttributes);
      const [a, b] = [scheduled[0].activityTaskScheduledEventAttributes, scheduled[1].activityTaskScheduledEventAttributes];
      assert.notEqual(a.activityType.name, b.activityType.name);
      [a.activityType.name, b.activityType.name] = [b.activityType.name, a.activityType.name];
      const edited = path.join(tmp, 'edited.json');
      writeFileSync(edited, JSON.stringify(json));
      const bad = await cli(['replay', file, edited]);
      assert.equal(bad.code, 1, bad.stdout + bad.stderr);
      assert.match(bad.stdout, /^OK .*approved\.json/m);
      assert.match(bad.stdout, /^NON-DETERMINISTIC .*edited\.json/m);
      assert.match(bad.stdout, /1 of 2 histories replayed cleanly/);
      assert.match(bad.stderr, /replay failed/);
    });
  });

  void test('Discord approvals go through the same code path and show in the audit as channel discord', async () => {
    await harness.run(async () => {
      const [viaCommand, viaButton] = [nextIp(), nextIp()];
      for (const ip of [viaCommand, viaButton]) {
        await harness.sight(ip, { score: 90 });
        await harness.waitFor(ip, (s) => s.status === 'pending_review', 'pending_review');
      }
      const deps = { ops: operatorOpsFor(harness.client), access: { guildIds: ['g1'], channelIds: ['c1'], roleIds: ['r1'] } };
      const actor = { userId: '4242', username: 'dave', guildId: 'g1', channelId: 'c1', roleIds: ['r1'] };
      const pendingCase = (await harness.state(viaButton)).review!.case!;
      // A button posted before case binding (no case in its id) is refused by the workflow, naming the pending case.
      const unbound = await handleButton({ actor, customId: `palisade:approve:${viaButton}` }, deps);
      assert.match(unbound.reply.content!, /this button names no case.*case 1/);
      // A button for another case of this IP (an old review message) is refused the same way.
      const old = await handleButton({ actor, customId: buttonCustomId('approve', viaButton, '1-000000000000') }, deps);
      assert.match(old.reply.content!, /this button was for case 1 of an earlier workflow of this address/);
      assert.equal((await harness.state(viaButton)).status, 'pending_review', 'refused clicks change nothing');

      const denied = await handleButton({ actor: { ...actor, roleIds: [] }, customId: buttonCustomId('approve', viaButton, pendingCase) }, deps);
      assert.match(denied.reply.content!, /^⛔/);
      assert.equal((await harness.state(viaButton)).status, 'pending_review', 'a refused click changes nothing');

      const reply = await handleCommand({ actor, commandName: 'reject', options: { ip: viaCommand, comment: 'our monitoring' } }, deps);
      assert.match(reply.content!, /Rejected/);
      const click = await handleButton({ actor, customId: buttonCustomId('approve', viaButton, pendingCase) }, deps);
      assert.equal(click.resolved, true, click.reply.content);
      await harness.waitFor(viaCommand, (s) => s.outcome === 'rejected', 'rejected');
      const s = await harness.waitFor(viaButton, (x) => x.status === 'blocked', 'blocked');
      assert.equal(s.review!.decision!.channel, 'discord');
      assert.equal(s.review!.decision!.approver, 'dave (discord:4242)');
      assert.equal(s.review!.decision!.case, pendingCase);

      const stale = await handleButton({ actor, customId: buttonCustomId('reject', viaButton, pendingCase) }, deps);
      assert.equal(stale.resolved, true);
      assert.match(stale.reply.content!, /^✖ /);

      const audit = await cli(['audit', viaCommand]);
      assert.equal(audit.code, 0, audit.stderr);
      assert.match(audit.stdout, /human decision: rejected by dave \(discord:4242\) via discord: "our monitoring"/);
      assert.match(audit.stdout, /outcome: rejected/);
    });
  });

  void test('allowlist add / list / remove through the CLI; an allowlisted IP is never blocked', async () => {
    // Screening reads the production allowlist workflow (the one the CLI writes), not the harness's per-test one.
    const h = threatHarness(env, await workflowBundle(), { config: { policy: { dryRun: false } }, productionAllowlist: true });
    await h.run(async () => {
      const ip = nextIp();
      const queueEnv = { PALISADE__temporal__taskQueue: h.config.temporal.taskQueue };
      const add = await cli(['allowlist', 'add', `${ip}/32`, '--operator', 'erin', '--description', 'partner scanner', '--hours', '1'], queueEnv);
      assert.equal(add.code, 0, add.stderr);
      const list = await cli(['allowlist', 'list', '--json'], queueEnv);
      assert.equal(list.code, 0, list.stderr);
      const entry = (JSON.parse(list.stdout) as { cidr: string; description: string; expiresAt?: string }[]).find((e) => e.cidr === `${ip}/32`);
      assert.equal(entry?.description, 'partner scanner');
      assert.ok(entry?.expiresAt && Date.parse(entry.expiresAt) > Date.now());

      await h.sight(ip, { score: 99 });
      const s = await h.waitFor(ip, (x) => x.outcome !== undefined, 'an outcome');
      assert.equal(s.outcome, 'skipped_never_block');

      const remove = await cli(['allowlist', 'remove', `${ip}/32`, '--operator', 'erin'], queueEnv);
      assert.equal(remove.code, 0, remove.stderr);
      const after = await cli(['allowlist', 'list'], queueEnv);
      assert.doesNotMatch(after.stdout, new RegExp(ip.replace(/\./g, '\\.')));
      const badCidr = await cli(['allowlist', 'add', '10.0.0.0/99', '--operator', 'erin'], queueEnv);
      assert.notEqual(badCidr.code, 0);
      noStack(badCidr);
    });
  });

  void test('bad input and an unknown IP: clear message, the right exit code, no stack trace', async () => {
    const badIp = await cli(['approve', 'not-an-ip', '--operator', 'a', '--comment', 'c']);
    assert.equal(badIp.code, 2);
    assert.match(badIp.stderr, /not an IP address/);
    noStack(badIp);
    const unknown = await cli(['show', '198.51.100.77']);
    assert.equal(unknown.code, 3, unknown.stderr);
    assert.match(unknown.stderr, /no open threat workflow for 198\.51\.100\.77/);
    noStack(unknown);
    const debug = await cli(['--debug', 'show', '198.51.100.77']);
    assert.match(debug.stderr, /\n\s+at /, '--debug shows the stack');
  });
});
