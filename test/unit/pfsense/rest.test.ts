import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createPfSenseEnforcer } from '../../../activities/enforcers/pfsense';
import { RestTransport } from '../../../activities/enforcers/pfsense/rest';
import { PermanentEnforcementError } from '../../../activities/enforcers/types';
import { blockTook } from '../../../domain/verification';
import { aliasBlockRule, FakePfRest } from '../../fakes/pfsense-rest';
import { block, pfConfig, SECRETS } from './helpers';

void describe('pfSense REST transport against a pfrest v2 server', () => {
  let fake: FakePfRest;
  let port: number;
  const enforcer = (over: Record<string, unknown> = {}) =>
    createPfSenseEnforcer(pfConfig({ transports: ['rest'], ...over, rest: { port, ...(over.rest as object) } }), { restApplyPollMs: 1 });

  before(async () => {
    fake = new FakePfRest({ rules: [aliasBlockRule()], apiKey: SECRETS.apiKey, username: 'admin', password: SECRETS.restPassword, applyPolls: 3 });
    port = await fake.start();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.aliases = [{ name: 'LAN_HOSTS', type: 'host', descr: '', address: ['10.0.0.1'], detail: ['router'] }];
    fake.live = [];
    fake.tables = new Map();
    fake.dirty.clear();
    fake.aliasWrites = 0;
    fake.applyCalls = 0;
    fake.requests.length = 0;
  });

  for (const auth of ['api-key', 'basic', 'jwt'] as const) {
    void it(`applies, verifies and removes with ${auth} auth; the change is applied and live`, async () => {
      const e = enforcer({ rest: { auth } });
      const r = await e.apply(block('203.0.113.9'));
      assert.equal(r.ok, true);
      assert.equal(r.transport, 'rest');
      assert.match(r.detail, /^added: 203\.0\.113\.9\/32/);
      const a = fake.aliases.find((x) => x.name === 'PALISADE_BLOCK')!;
      assert.deepEqual(a.address, ['203.0.113.9/32']);
      assert.deepEqual(a.detail, ['palisade:203.0.113.9#1 secrets scanner']);
      assert.deepEqual(fake.live.find((x) => x.name === 'PALISADE_BLOCK')?.address, ['203.0.113.9/32'], 'apply completed before apply() returned');
      assert.equal(fake.applyCalls, 1);
      assert.deepEqual(await e.verify(block('203.0.113.9')), {
        present: { ok: true, evidence: '203.0.113.9/32 is in alias PALISADE_BLOCK (applied) [via rest]' },
        loaded: { ok: true, evidence: '203.0.113.9 is in pf table PALISADE_BLOCK (1 entry, diagnostics/tables) [via rest]' },
      });
      assert.match((await e.remove(block('203.0.113.9'))).detail, /^removed/);
      assert.deepEqual(fake.aliases.find((x) => x.name === 'PALISADE_BLOCK')!.address, [], 'last entry removed (PATCH address: [])');
      assert.equal((await e.verify(block('203.0.113.9'))).present.ok, false);
      const kinds = new Set(fake.requests.map((q) => q.auth));
      assert.deepEqual([...kinds], [auth]);
    });
  }

  void it('maps 401 to PermanentEnforcementError, for api keys and JWT logins', async () => {
    process.env.PALISADE_TEST_WRONG_KEY = 'wrong';
    const bad = enforcer({ rest: { apiKey: { env: 'PALISADE_TEST_WRONG_KEY' } } });
    await assert.rejects(bad.apply(block('203.0.113.9')), (e: unknown) => e instanceof PermanentEnforcementError && e.reason === 'auth' && /AUTH_AUTHENTICATION_FAILED/.test(e.message) && !e.message.includes('wrong'));
    const badJwt = enforcer({ rest: { auth: 'jwt', password: { env: 'PALISADE_TEST_WRONG_KEY' } } });
    await assert.rejects(badJwt.list(), (e: unknown) => e instanceof PermanentEnforcementError && e.reason === 'auth');
  });

  void it('does not create the alias unless createAlias is set', async () => {
    await assert.rejects(enforcer({ createAlias: false }).apply(block('203.0.113.9')), (e: unknown) => e instanceof PermanentEnforcementError && e.reason === 'not_found');
    assert.equal(fake.aliasWrites, 0);
  });

  void it('checks membership before append (no duplicates), and keeps detail aligned', async () => {
    const e = enforcer();
    await e.apply(block('203.0.113.1'));
    await e.apply(block('203.0.113.2'));
    const again = await e.apply(block('203.0.113.1'));
    assert.match(again.detail, /^already present/);
    const a = fake.aliases.find((x) => x.name === 'PALISADE_BLOCK')!;
    assert.deepEqual(a.address, ['203.0.113.1/32', '203.0.113.2/32']);
    assert.deepEqual(a.detail, ['palisade:203.0.113.1#1 secrets scanner', 'palisade:203.0.113.2#1 secrets scanner']);
    await e.remove(block('203.0.113.1'));
    const b = fake.aliases.find((x) => x.name === 'PALISADE_BLOCK')!;
    assert.deepEqual(b.address, ['203.0.113.2/32']);
    assert.deepEqual(b.detail, ['palisade:203.0.113.2#1 secrets scanner']);
  });

  void it('host aliases get bare IPs; a network alias rejects them (INVALID_NETWORK_ALIAS_ADDRESS) as a permanent error', async () => {
    fake.aliases.push({ name: 'HOSTBLOCK', type: 'host', descr: '', address: [], detail: [] });
    fake.rules.push(aliasBlockRule('HOSTBLOCK'), aliasBlockRule('NETBLOCK'));
    await enforcer({ alias: 'HOSTBLOCK', aliasType: 'host' }).apply(block('2001:db8::9'));
    assert.deepEqual(fake.aliases.find((x) => x.name === 'HOSTBLOCK')!.address, ['2001:db8::9']);
    fake.aliases.push({ name: 'NETBLOCK', type: 'network', descr: '', address: [], detail: [] });
    await assert.rejects(enforcer({ alias: 'NETBLOCK', aliasType: 'host' }).apply(block('203.0.113.5')),
      (e: unknown) => e instanceof PermanentEnforcementError && /NETBLOCK is a network alias but aliasType is host/.test(e.message));
    const raw = new RestTransport({ target: { scheme: 'http', host: '127.0.0.1', port, timeoutMs: 5000, verifyTls: true }, alias: 'NETBLOCK',
      aliasType: 'network', createAlias: false, auth: { kind: 'api-key', apiKey: async () => SECRETS.apiKey } });
    const id = fake.aliases.findIndex((a) => a.name === 'NETBLOCK');
    await assert.rejects(raw.call('PATCH', '/api/v2/firewall/alias', { id, address: ['203.0.113.5'], append: true }),
      (e: unknown) => e instanceof PermanentEnforcementError && e.reason === 'validation' && /HTTP 400 INVALID_NETWORK_ALIAS_ADDRESS/.test(e.message));
  });

  void it('finds the alias by name again when ids shift between calls', async () => {
    const e = enforcer();
    await e.apply(block('203.0.113.1'));
    fake.aliases.unshift({ name: 'NEW_FIRST', type: 'host', descr: '', address: ['10.9.9.9'], detail: ['x'] });
    fake.aliases.splice(1, 1); // delete LAN_HOSTS: PALISADE_BLOCK's id moves
    await e.apply(block('203.0.113.2'));
    assert.deepEqual(fake.aliases.find((x) => x.name === 'NEW_FIRST')!.address, ['10.9.9.9'], 'other alias untouched');
    assert.deepEqual(fake.aliases.find((x) => x.name === 'PALISADE_BLOCK')!.address, ['203.0.113.1/32', '203.0.113.2/32']);
  });

  void it('detects an id that moved between lookup and PATCH, undoes the edit on the wrong alias and retries by name', async () => {
    fake.aliases = [{ name: 'NETS', type: 'network', descr: '', address: ['10.1.0.0/16'], detail: ['lan'] },
      { name: 'PALISADE_BLOCK', type: 'network', descr: '', address: ['203.0.113.1/32'], detail: ['palisade:203.0.113.1#1 x'] }];
    fake.beforeNext('PATCH', '/api/v2/firewall/alias', () => fake.aliases.reverse()); // id 1 now names NETS
    const r = await enforcer().apply(block('203.0.113.2'));
    assert.match(r.detail, /^added/);
    assert.deepEqual(fake.aliases.find((x) => x.name === 'NETS')!.address, ['10.1.0.0/16'], 'wrong alias restored');
    assert.deepEqual(fake.aliases.find((x) => x.name === 'NETS')!.detail, ['lan']);
    assert.deepEqual(fake.aliases.find((x) => x.name === 'PALISADE_BLOCK')!.address, ['203.0.113.1/32', '203.0.113.2/32']);
    assert.equal(fake.requests.filter((q) => q.method === 'PATCH').length, 3, 'append on the wrong id, undo there, append on the right one');
  });

  void it('looks the alias up again when its id disappeared (404 MODEL_OBJECT_NOT_FOUND) before the write', async () => {
    fake.aliases = [{ name: 'GONE', type: 'host', descr: '', address: [], detail: [] },
      { name: 'PALISADE_BLOCK', type: 'network', descr: '', address: [], detail: [] }];
    fake.beforeNext('PATCH', '/api/v2/firewall/alias', () => fake.aliases.splice(0, 1)); // id 1 is now out of range
    assert.match((await enforcer().apply(block('203.0.113.2'))).detail, /^added/);
    assert.deepEqual(fake.aliases, [{ name: 'PALISADE_BLOCK', type: 'network', descr: '', address: ['203.0.113.2/32'], detail: ['palisade:203.0.113.2#1 secrets scanner'] }]);
  });

  void it('re-authenticates once when the JWT has expired', async () => {
    const e = enforcer({ rest: { auth: 'jwt' } });
    await e.apply(block('203.0.113.1'));
    fake.revokeTokens();
    await e.apply(block('203.0.113.2'));
    assert.deepEqual(fake.aliases.find((x) => x.name === 'PALISADE_BLOCK')!.address, ['203.0.113.1/32', '203.0.113.2/32']);
  });

  void it('never removes entries it did not create; list() reports ownership', async () => {
    fake.aliases.push({ name: 'PALISADE_BLOCK', type: 'network', descr: '', address: ['198.51.100.7/32', '198.51.100.0/24'], detail: ['operator', 'a subnet'] });
    const e = enforcer();
    await e.apply(block('203.0.113.1'));
    const r = await e.remove(block('198.51.100.7'));
    assert.match(r.detail, /^left in place/);
    assert.deepEqual(await e.list(), [
      { target: '198.51.100.7/32', ownedByPalisade: false, blockId: undefined, detail: 'operator' },
      { target: '198.51.100.0/24', ownedByPalisade: false, blockId: undefined, detail: 'a subnet' },
      { target: '203.0.113.1/32', ownedByPalisade: true, blockId: '203.0.113.1#1', detail: 'palisade:203.0.113.1#1 secrets scanner' },
    ]);
    await e.remove(block('203.0.113.1'));
    assert.deepEqual(fake.aliases.find((x) => x.name === 'PALISADE_BLOCK')!.address, ['198.51.100.7/32', '198.51.100.0/24']);
  });

  void it('a later cycle takes over its earlier entry, so its removal works and a stale removal does not', async () => {
    const e = enforcer();
    await e.apply(block('203.0.113.1', 1));
    assert.match((await e.apply(block('203.0.113.1', 2))).detail, /now owned by this block/);
    assert.match((await e.remove(block('203.0.113.1', 1))).detail, /^left in place/);
    assert.match((await e.remove(block('203.0.113.1', 2))).detail, /^removed/);
  });

  void it('verify: an applied entry stays present and loaded while another batch\'s alias change awaits its apply', async () => {
    // The race the chaos run found: this block's batch applied; another batch has PATCHed the alias and its
    // filter reload is still running when this block is verified. The dirty `aliases` subsystem is theirs.
    const e = enforcer();
    await e.apply(block('203.0.113.1'));
    const other = new RestTransport({ target: { scheme: 'http', host: '127.0.0.1', port, timeoutMs: 5000, verifyTls: true }, alias: 'PALISADE_BLOCK',
      aliasType: 'network', createAlias: false, auth: { kind: 'api-key', apiKey: async () => SECRETS.apiKey } });
    const id = fake.aliases.findIndex((a) => a.name === 'PALISADE_BLOCK');
    await other.call('PATCH', '/api/v2/firewall/alias', { id, address: ['203.0.113.2/32'], detail: ['palisade:203.0.113.2#1 x'], append: true });
    await other.call('POST', '/api/v2/firewall/apply', {});
    const v = await e.verify(block('203.0.113.1'));
    assert.deepEqual({ present: v.present.ok, loaded: v.loaded.ok }, { present: true, loaded: true }, JSON.stringify(v));
    assert.match(v.present.evidence, /203\.0\.113\.1\/32 is in alias PALISADE_BLOCK \(written; alias changes pending apply\)/);
    assert.equal(blockTook(v), true, 'the saga must not roll this block back');
  });

  void it('verify: an entry written but not yet in pf\'s table waits for the pending apply, then reads it as loaded', async () => {
    fake.aliases.push({ name: 'PALISADE_BLOCK', type: 'network', descr: '', address: ['203.0.113.1/32'], detail: ['palisade:203.0.113.1#1 x'] });
    fake.dirty.add('aliases');
    const other = new RestTransport({ target: { scheme: 'http', host: '127.0.0.1', port, timeoutMs: 5000, verifyTls: true }, alias: 'PALISADE_BLOCK',
      aliasType: 'network', createAlias: false, auth: { kind: 'api-key', apiKey: async () => SECRETS.apiKey } });
    await other.call('POST', '/api/v2/firewall/apply', {}); // the reload runs in the background (3 polls)
    const v = await enforcer().verify(block('203.0.113.1'));
    assert.deepEqual({ present: v.present.ok, loaded: v.loaded.ok }, { present: true, loaded: true }, JSON.stringify(v));
    assert.match(v.present.evidence, /\(applied; waited \d+ ms for a pending apply\)/);
  });

  void it('verify: an entry written but never applied is present, not loaded, after a bounded wait', async () => {
    fake.aliases.push({ name: 'PALISADE_BLOCK', type: 'network', descr: '', address: ['203.0.113.1/32'], detail: ['palisade:203.0.113.1#1 x'] });
    fake.dirty.add('aliases'); // nobody applies (an unapplied edit)
    const started = Date.now();
    const v = await enforcer({ timeoutSeconds: 0.3 }).verify(block('203.0.113.1'));
    assert.ok(Date.now() - started >= 300, 'waited for the apply up to the timeout');
    assert.equal(v.present.ok, true);
    assert.match(v.present.evidence, /alias changes pending apply; alias changes still pending after \d+ ms/);
    assert.equal(v.loaded.ok, false);
    assert.equal(blockTook(v), false, 'not in the running ruleset: the block did not take');
  });

  void it('reverts its edit when the apply fails, leaving nothing half-applied', async () => {
    fake.aliases.push({ name: 'PALISADE_BLOCK', type: 'network', descr: '', address: ['203.0.113.1/32'], detail: ['palisade:203.0.113.1#1 x'] });
    fake.failNext('POST', '/api/v2/firewall/apply', 503, 'SERVICE_UNAVAILABLE');
    await assert.rejects(enforcer().apply(block('203.0.113.2')), (e: unknown) => !(e instanceof PermanentEnforcementError) && /reverted/.test((e as Error).message) && /rest:/.test((e as Error).message));
    assert.deepEqual(fake.aliases.find((x) => x.name === 'PALISADE_BLOCK')!.address, ['203.0.113.1/32']);
  });

  void it('rejects invalid targets before any request', async () => {
    await assert.rejects(enforcer().apply({ ...block('203.0.113.1'), ip: '203.0.113.1 ; rm -rf /', target: '203.0.113.1/32' }), PermanentEnforcementError);
    await assert.rejects(enforcer().apply({ ...block('203.0.113.1'), target: '203.0.113.0/24' }), PermanentEnforcementError);
    assert.equal(fake.requests.length, 0);
  });

  void it('dry-run requests touch nothing', async () => {
    const r = await enforcer().apply({ ...block('203.0.113.1'), dryRun: true });
    assert.equal(r.simulated, true);
    assert.equal(fake.requests.length, 0);
  });
});
