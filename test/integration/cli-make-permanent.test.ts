// [dev-server] `palisade make-permanent <ip>` (the real CLI, spawned) on the real threat workflow: the same `hold`
// operator action as extend and release; the workflow validator's refusals are CLI errors with a non-zero exit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { createDevServerEnv, workflowBundle } from '../helpers/temporal-env';
import { threatHarness, type ThreatHarness } from '../helpers/threat-harness';
import { runCli, type CliResult } from '../helpers/run-cli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'palisade-cli-permanent-'));
let env: TestWorkflowEnvironment;
let harness: ThreatHarness;

function cli(args: string[], extraEnv: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['--address', env.address, '--namespace', env.namespace ?? 'default', ...args], {
    cwd: tmp, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp, PALISADE_CONFIG: '/dev/null', ...extraEnv },
  });
}

const refused = (r: CliResult, code: number, message: RegExp) => {
  assert.equal(r.code, code, r.stdout + r.stderr);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
};

void describe('[dev-server] palisade make-permanent', () => {
  before(async () => {
    env = await createDevServerEnv();
    harness = threatHarness(env, await workflowBundle(), { config: { policy: { dryRun: false } } });
  });
  after(async () => {
    await env?.teardown();
  });

  test('refused while no block is held; makes a held block permanent; refused again once permanent; release still lifts it', async () => {
    await harness.run(async () => {
      const ip = '45.146.7.21';
      await harness.sight(ip, { score: 90 });
      await harness.waitFor(ip, (s) => s.status === 'pending_review', 'pending_review');
      refused(await cli(['make-permanent', ip, '--operator', 'dave']), 4, /^palisade: the threat workflow for 45\.146\.7\.21 refused the action: no block is being held \(status: pending_review\)\n$/);

      const approve = await cli(['approve', ip, '--operator', 'alice', '--comment', 'scanner', '--duration', '6']);
      assert.equal(approve.code, 0, approve.stderr);
      const blocked = await harness.waitFor(ip, (s) => s.status === 'blocked', 'blocked');
      assert.ok(blocked.block!.expiresAt, 'a 6 h block has an expiry');

      const ok = await cli(['make-permanent', ip, '--operator', 'dave', '--reason', 'fifth offence']);
      assert.equal(ok.code, 0, ok.stderr);
      assert.equal(ok.stdout, `45.146.7.21/32 is now blocked permanently (recorded as dave via cli); \`palisade release ${ip}\` lifts it\n`);
      const permanent = await harness.waitFor(ip, (s) => s.block?.permanent === true, 'permanent');
      assert.equal(permanent.block!.expiresAt, undefined);
      const action = permanent.holdActions.at(-1)!;
      assert.deepEqual({ action: action.action, by: action.by, channel: action.channel, reason: action.reason }, { action: 'make_permanent', by: 'dave', channel: 'cli', reason: 'fifth offence' });

      refused(await cli(['make-permanent', ip, '--operator', 'erin']), 4, /refused the action: this block is already permanent; the make permanent was not applied/);
      assert.equal((await harness.waitFor(ip, (s) => s.status === 'blocked')).holdActions.length, 1, 'the refused action left no trace in the state');

      const audit = await cli(['audit', ip]);
      assert.equal(audit.code, 0, audit.stderr);
      assert.match(audit.stdout, /hold +hold action: make.permanent by dave via cli: "fifth offence"/);

      // Without --operator, the login name is who acts (over SSH, the person at the keyboard).
      const release = await cli(['release', ip], { USER: 'carol' });
      assert.equal(release.code, 0, release.stderr);
      const released = await harness.waitFor(ip, (s) => s.outcome === 'released', 'released');
      assert.deepEqual([released.holdActions.at(-1)!.action, released.holdActions.at(-1)!.by], ['release', 'carol']);
      assert.ok(!(await harness.enforcer.list()).some((e) => e.target === `${ip}/32`), 'the firewall no longer holds it');
    });
  });

  test('bad input: no open workflow, not an IP, a blank operator', async () => {
    refused(await cli(['make-permanent', '45.146.7.99', '--operator', 'dave']), 3, /no open threat workflow for 45\.146\.7\.99/);
    refused(await cli(['make-permanent', 'not-an-ip', '--operator', 'dave']), 2, /not a single IP address/);
    refused(await cli(['make-permanent', '45.146.7.21', '--operator', ' ']), 2, /^palisade: invalid hold action: by: approver is required\n$/);
  });
});
