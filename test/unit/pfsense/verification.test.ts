// Issue 13, must-show 1: the pfSense fakes have what the real box has (filter rules referencing aliases, pf's runtime
// tables that differ from config.xml until a reload, diagnostics/tables), and the enforcer uses them: an alias no
// enabled block rule references is refused before anything is written; an entry in config.xml that pf did not load
// is `not loaded`; both → `loaded`. Over REST and over XML-RPC (the PHP runs in php-cli against the pfSense stub).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { createEnforcementActivities } from '../../../activities/enforcement';
import { blockVerificationLevels } from '../../../runtime/metrics';
import { createPfSenseEnforcer } from '../../../activities/enforcers/pfsense';
import { PermanentEnforcementError } from '../../../activities/enforcers/types';
import { aliasBlockRule, FakePfRest } from '../../fakes/pfsense-rest';
import { FakePfXmlRpc } from '../../fakes/pfsense-xmlrpc';
import { block, configRule, fakeConfig, pfConfig, SECRETS } from './helpers';

const refusedForRule = (alias: string, iface = 'wan') => (e: unknown) =>
  e instanceof PermanentEnforcementError && e.reason === 'validation'
  && new RegExp(`refused before apply: pfsense preconditions not met: alias ${alias} is not used by any enabled block or reject rule on interface ${iface}`).test(e.message)
  && new RegExp(`add a rule on ${iface.toUpperCase()} with action Block, source ${alias}`).test(e.message);

void describe('pfSense REST: rules, runtime tables and the three levels', () => {
  let fake: FakePfRest;
  let port: number;
  const enforcer = (over: Record<string, unknown> = {}) =>
    createPfSenseEnforcer(pfConfig({ transports: ['rest'], ...over, rest: { port, ...(over.rest as object) } }), { restApplyPollMs: 1 });

  beforeEach(async () => {
    fake = new FakePfRest({ apiKey: SECRETS.apiKey, applyPolls: 1 });
    port = await fake.start();
  });
  afterEach(() => fake.close());

  void it('alias without a rule → refused before apply, naming the alias and the rule to add; nothing written', async () => {
    await assert.rejects(enforcer().apply(block('203.0.113.9')), refusedForRule('PALISADE_BLOCK'));
    assert.equal(fake.aliasWrites, 0);
    assert.equal(fake.applyCalls, 0);
    const pre = await enforcer().checkPreconditions();
    assert.equal(pre.ok, false);
    assert.match(pre.checks[0].detail, /\(no rule references it\)/);
  });

  void it('a disabled rule, a pass rule or a rule on another interface does not count', async () => {
    fake.rules.push(aliasBlockRule('PALISADE_BLOCK', { disabled: true }), aliasBlockRule('PALISADE_BLOCK', { type: 'pass' }));
    await assert.rejects(enforcer().apply(block('203.0.113.9')), (e: unknown) => refusedForRule('PALISADE_BLOCK')(e) && /only disabled block rule on wan/.test((e as Error).message));
    fake.rules.splice(0, 2, aliasBlockRule('PALISADE_BLOCK', { interface: ['lan'] }));
    await assert.rejects(enforcer().apply(block('203.0.113.9')), (e: unknown) => /other interfaces only \(lan\)/.test((e as Error).message));
    assert.equal(fake.aliasWrites, 0);
    // The operator adds the rule: the same request now goes through (a failed check is never cached).
    fake.rules.push(aliasBlockRule());
    assert.equal((await enforcer().apply(block('203.0.113.9'))).ok, true);
  });

  void it('both in config.xml and in pf → present and loaded, with the evidence of each', async () => {
    fake.rules.push(aliasBlockRule());
    const e = enforcer();
    await e.apply(block('203.0.113.9'));
    const v = await e.verify(block('203.0.113.9'));
    assert.deepEqual(v, {
      present: { ok: true, evidence: '203.0.113.9/32 is in alias PALISADE_BLOCK (applied) [via rest]' },
      loaded: { ok: true, evidence: '203.0.113.9 is in pf table PALISADE_BLOCK (1 entry, diagnostics/tables) [via rest]' },
    });
    const acts = createEnforcementActivities({ enforcers: { pfsense: e } });
    const count = async (level: string) => (await blockVerificationLevels.get()).values.find((x) => x.labels.level === level)?.value ?? 0;
    const [present, loaded] = [await count('present'), await count('loaded')];
    const r = await acts.verifyBlock(block('203.0.113.9'));
    assert.equal(r.level, 'loaded');
    assert.equal(r.present, true);
    // The metric counts blocks by level reached (a loaded block counts under present too).
    assert.deepEqual([await count('present') - present, await count('loaded') - loaded], [1, 1]);
  });

  void it('in config.xml but not in pf (the reload failed to load the ruleset) → not loaded; the activity says it did not take', async () => {
    fake.rules.push(aliasBlockRule());
    fake.filterLoadError = '/tmp/rules.debug:42: syntax error';
    const e = enforcer();
    await e.apply(block('203.0.113.9'));
    assert.deepEqual(fake.aliases[0].address, ['203.0.113.9/32'], 'config.xml has the entry');
    assert.equal(fake.tables.get('PALISADE_BLOCK'), undefined, 'pf never loaded the table');
    assert.match(fake.notices[0], /error\(s\) loading the rules/);
    const v = await e.verify(block('203.0.113.9'));
    assert.equal(v.present.ok, true);
    assert.equal(v.loaded.ok, false);
    assert.match(v.loaded.evidence, /pf has no table PALISADE_BLOCK loaded/);
    const acts = createEnforcementActivities({ enforcers: { pfsense: e } });
    const r = await acts.verifyBlock(block('203.0.113.9'));
    assert.equal(r.level, 'present');
    assert.equal(r.present, false, 'a block that is not loaded did not take: the saga rolls it back');
    assert.match(r.detail, /present: yes .*loaded: NO \(pf has no table/);
    // Once the ruleset loads again, a later entry and the earlier one are both in pf.
    fake.filterLoadError = undefined;
    await e.apply(block('203.0.113.10'));
    assert.equal((await e.verify(block('203.0.113.9'))).loaded.ok, true);
  });

  void it('the runtime table differs from config.xml until an apply reloads the filter', async () => {
    fake.rules.push(aliasBlockRule());
    fake.aliases.push({ name: 'PALISADE_BLOCK', type: 'network', descr: '', address: ['203.0.113.1/32'], detail: ['palisade:203.0.113.1#1 x'] });
    fake.dirty.add('aliases');
    // Nobody applies: verify waits for the pending apply up to the request timeout, then reports what it sees.
    const v = await enforcer({ timeoutSeconds: 0.2 }).verify(block('203.0.113.1'));
    assert.equal(v.present.ok, true, 'in config.xml');
    assert.match(v.present.evidence, /alias changes pending apply/);
    assert.equal(v.loaded.ok, false, 'pending: not in the running ruleset');
    await enforcer().apply(block('203.0.113.2'));
    const after = await enforcer().verify(block('203.0.113.1'));
    assert.deepEqual([after.present.ok, after.loaded.ok], [true, true]);
  });

  void it('a burst of approvals shares one rule check', async () => {
    fake.rules.push(aliasBlockRule());
    const e = enforcer();
    await Promise.all(['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4'].map((ip) => e.apply(block(ip))));
    assert.equal(fake.requests.filter((r) => r.path === '/firewall/rules').length, 1);
  });
});

void describe('pfSense XML-RPC: filter rules from config.xml and pfctl -T test through exec_php', () => {
  let fake: FakePfXmlRpc;
  let port: number;
  let dir: string;
  const enforcer = () => createPfSenseEnforcer(pfConfig({ transports: ['xmlrpc'], xmlrpc: { port } }));
  const state = () => JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { writes?: number; notices?: string[] };

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'palisade-xmlrpc-verify-'));
    fake = new FakePfXmlRpc({ username: 'admin', password: SECRETS.xmlrpcPassword, stateDir: dir });
    port = await fake.start();
  });
  after(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    rmSync(path.join(dir, 'filter-load-error'), { force: true });
    rmSync(path.join(dir, 'tables'), { recursive: true, force: true });
  });

  void it('alias without a rule → refused before apply with the message; config.xml untouched', async () => {
    writeFileSync(path.join(dir, 'config.json'), fakeConfig({ filter: { rule: [configRule('OTHER_ALIAS'), configRule('PALISADE_BLOCK', { disabled: '' })] } }));
    await assert.rejects(enforcer().apply(block('203.0.113.9')), (e: unknown) => refusedForRule('PALISADE_BLOCK')(e) && /via xmlrpc/.test((e as Error).message));
    assert.equal(state().writes, undefined);
  });

  void it('both → loaded; in config.xml but not in pf → not loaded', async () => {
    writeFileSync(path.join(dir, 'config.json'), fakeConfig());
    const e = enforcer();
    await e.apply(block('203.0.113.9'));
    const v = await e.verify(block('203.0.113.9'));
    assert.deepEqual([v.present.ok, v.loaded.ok], [true, true]);
    assert.match(v.loaded.evidence, /pfctl -t PALISADE_BLOCK -T test 203\.0\.113\.9: 1\/1 addresses match\. \[via xmlrpc\]/);

    writeFileSync(path.join(dir, 'filter-load-error'), 'rules.debug:12: cannot define table PALISADE_BLOCK: Cannot allocate memory');
    await e.apply(block('203.0.113.10'));
    const w = await e.verify(block('203.0.113.10'));
    assert.deepEqual([w.present.ok, w.loaded.ok], [true, false]);
    assert.match(w.loaded.evidence, /0\/1 addresses match/);
    assert.match(state().notices![0], /Cannot allocate memory/);
  });
});
