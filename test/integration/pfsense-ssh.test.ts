// The SSH transport against a real OpenSSH server on 127.0.0.1, with fake php (real php-cli + pfSense stub) and
// pfctl on the box keeping their state in files.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createPfSenseEnforcer } from '../../activities/enforcers/pfsense';
import { PermanentEnforcementError } from '../../activities/enforcers/types';
import { pfsenseSchema } from '../../domain/config/enforcement';
import { FAKE_BIN_DIR, startFakePfSenseSshd, type FakePfSenseSshd } from '../fakes/pfsense-ssh/sshd';
import { block, fakeConfig, ips } from '../unit/pfsense/helpers';

void describe('pfSense SSH transport against a real sshd', () => {
  let sshd: FakePfSenseSshd;
  let keys: string;
  const configFile = () => path.join(sshd.stateDir, 'config.json');
  const state = () => JSON.parse(readFileSync(configFile(), 'utf8')) as { config: { aliases?: { alias: { name: string; address: string; detail: string }[] } }; writes?: number; reloads?: number };
  const alias = () => state().config.aliases?.alias.find((a) => a.name === 'PALISADE_BLOCK');
  const table = (name = 'PALISADE_BLOCK') => {
    const f = path.join(sshd.stateDir, 'tables', name);
    return existsSync(f) ? readFileSync(f, 'utf8').split('\n').filter(Boolean) : [];
  };
  const enforcer = (ssh: Record<string, unknown> = {}, over: Record<string, unknown> = {}) =>
    createPfSenseEnforcer(pfsenseSchema.parse({
      host: '127.0.0.1', transports: ['ssh'], createAlias: true, timeoutSeconds: 20, batchWindowMs: 5, ...over,
      ssh: {
        port: sshd.port, username: 'root', privateKey: { file: path.join(keys, 'client') }, hostKeySha256: sshd.hostKeySha256,
        phpPath: path.join(FAKE_BIN_DIR, 'php'), pfctlPath: path.join(FAKE_BIN_DIR, 'pfctl'), ...ssh,
      },
    }));

  before(async () => {
    sshd = await startFakePfSenseSshd();
    keys = mkdtempSync(path.join(os.tmpdir(), 'palisade-sshkeys-'));
    writeFileSync(path.join(keys, 'client'), sshd.clientKey, { mode: 0o600 });
    writeFileSync(path.join(keys, 'stranger'), sshd.strangerKey, { mode: 0o600 });
  });
  after(async () => {
    await sshd.close();
    rmSync(keys, { recursive: true, force: true });
  });
  beforeEach(() => {
    writeFileSync(configFile(), fakeConfig({ aliases: { alias: [{ name: 'PALISADE_BLOCK', type: 'network', address: '198.51.100.7/32', detail: 'operator' }] } }));
    rmSync(path.join(sshd.stateDir, 'tables'), { recursive: true, force: true });
    rmSync(path.join(sshd.stateDir, 'killed-states'), { force: true });
  });

  void it('persistent mode: apply, verify, list and remove edit the config.xml alias through php', async () => {
    const e = enforcer();
    const r = await e.apply(block('203.0.113.9', 1, "it's a scanner; $(reboot) `id`"));
    assert.equal(r.transport, 'ssh');
    assert.match(r.detail, /^added: 203\.0\.113\.9\/32/);
    assert.equal(alias()!.address, '198.51.100.7/32 203.0.113.9/32');
    assert.equal(alias()!.detail, "operator||palisade:203.0.113.9#1 it's a scanner; $(reboot) `id`");
    assert.deepEqual(table(), ['198.51.100.7', '203.0.113.9'], 'filter reload rebuilt the table');
    assert.equal((await e.verify(block('203.0.113.9'))).present.ok, true);
    assert.deepEqual((await e.list()).map((x) => [x.target, x.ownedByPalisade]), [['198.51.100.7/32', false], ['203.0.113.9/32', true]]);
    assert.match((await e.remove(block('198.51.100.7'))).detail, /^left in place/);
    assert.match((await e.remove(block('203.0.113.9'))).detail, /^removed/);
    assert.equal(alias()!.address, '198.51.100.7/32');
    assert.equal((await e.verify(block('203.0.113.9'))).present.ok, false);
  });

  void it('persistent mode batches concurrent requests into few php runs', async () => {
    const e = enforcer();
    const targets = ips(200);
    await Promise.all(targets.map((ip) => e.apply(block(ip))));
    assert.equal(alias()!.address.split(' ').length, 201);
    console.log(`SSH: 200 concurrent applies → ${state().writes} write_config, ${e.batchStats.batches} batches`);
    assert.ok((state().writes ?? 0) <= 10);
  });

  void it('runtime mode uses pfctl -T add/test/delete on the table, and kills states when asked', async () => {
    const e = enforcer({ mode: 'runtime', killStates: true });
    const r = await e.apply(block('203.0.113.9'));
    assert.match(r.detail, /^added/);
    assert.deepEqual(table(), ['203.0.113.9']);
    assert.equal(alias()!.address, '198.51.100.7/32', 'runtime mode does not touch config.xml');
    assert.equal(readFileSync(path.join(sshd.stateDir, 'killed-states'), 'utf8'), '203.0.113.9\n');
    const v = await e.verify(block('203.0.113.9'));
    assert.equal(v.present.ok, true);
    assert.equal(v.loaded.ok, true);
    assert.match(v.loaded.evidence, /1\/1 addresses match/);
    assert.deepEqual(await e.list(), [{ target: '203.0.113.9/32', ownedByPalisade: true, blockId: undefined, detail: 'palisade:runtime pf table entry' }]);
    await e.remove(block('203.0.113.9'));
    assert.deepEqual(table(), []);
    assert.equal((await e.verify(block('203.0.113.9'))).present.ok, false);
  });

  void it('refuses a host whose key does not match the pin, before authenticating or running anything', async () => {
    const e = enforcer({ hostKeySha256: 'SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU' });
    await assert.rejects(e.apply(block('203.0.113.9')),
      (err: unknown) => err instanceof PermanentEnforcementError && /host key SHA256:\S+ does not match the pinned/.test(err.message));
    assert.equal(alias()!.address, '198.51.100.7/32');
  });

  void it('an unauthorised client key is a permanent auth failure', async () => {
    const e = enforcer({ privateKey: { file: path.join(keys, 'stranger') } });
    await assert.rejects(e.list(), (err: unknown) => err instanceof PermanentEnforcementError && err.reason === 'auth' && /authentication as root failed/.test(err.message));
  });

  void it('invalid values never reach the shell', async () => {
    const e = enforcer({ mode: 'runtime' });
    await assert.rejects(e.apply({ ...block('203.0.113.9'), ip: '203.0.113.9;touch /tmp/palisade-pwned', target: '203.0.113.9/32' }), PermanentEnforcementError);
    assert.equal(existsSync('/tmp/palisade-pwned'), false);
    assert.deepEqual(table(), []);
  });
});
