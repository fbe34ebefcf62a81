// Transports are tried in the configured order; a failing one hands over to the next.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createPfSenseEnforcer } from '../../../activities/enforcers/pfsense';
import { PermanentEnforcementError } from '../../../activities/enforcers/types';
import { aliasBlockRule, FakePfRest } from '../../fakes/pfsense-rest';
import { FakePfXmlRpc } from '../../fakes/pfsense-xmlrpc';
import { block, fakeConfig, pfConfig, SECRETS } from './helpers';

/** A port nothing listens on (bound, then released). */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

void describe('pfSense transport fallback', () => {
  let dir: string;
  let rest: FakePfRest;
  let restPort: number;
  let xml: FakePfXmlRpc;
  let xmlPort: number;
  let sshPort: number;
  const xmlAlias = () => (JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { config: { aliases?: { alias: { name: string; address: string }[] } } })
    .config.aliases?.alias.find((a) => a.name === 'PALISADE_BLOCK');
  const enforcer = (over: Record<string, unknown> = {}) => createPfSenseEnforcer(pfConfig({
    transports: ['rest', 'xmlrpc', 'ssh'],
    ...over,
    rest: { port: restPort, ...(over.rest as object) },
    xmlrpc: { port: xmlPort, ...(over.xmlrpc as object) },
    ssh: { port: sshPort, privateKey: { file: path.join(dir, 'id_ed25519') }, hostKeySha256: 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
  }), { restApplyPollMs: 1 });

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'palisade-fallback-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(dir, 'id_ed25519')]);
    rest = new FakePfRest({ rules: [aliasBlockRule()], apiKey: SECRETS.apiKey });
    restPort = await rest.start();
    xml = new FakePfXmlRpc({ username: 'admin', password: SECRETS.xmlrpcPassword, stateDir: dir });
    xmlPort = await xml.start();
    sshPort = await closedPort();
  });
  after(async () => {
    await rest.close();
    await xml.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    writeFileSync(path.join(dir, 'config.json'), fakeConfig());
    rest.aliases = [{ name: 'PALISADE_BLOCK', type: 'network', descr: '', address: ['198.51.100.7/32'], detail: ['operator'] }];
  });

  void it('uses REST first when it works', async () => {
    const r = await enforcer().apply(block('203.0.113.9'));
    assert.equal(r.transport, 'rest');
    assert.equal(xmlAlias(), undefined);
  });

  void it('REST down (server closed) → XML-RPC does it, and verify/list fall back the same way', async () => {
    const down = await closedPort();
    const e = enforcer({ rest: { port: down } });
    const r = await e.apply(block('203.0.113.9'));
    assert.equal(r.transport, 'xmlrpc');
    assert.equal(xmlAlias()!.address, '203.0.113.9/32');
    const v = await e.verify(block('203.0.113.9'));
    assert.match(v.present.evidence, /\[via xmlrpc\]$/);
    assert.equal(v.loaded.ok, true, 'the XML-RPC PHP read the pf table');
    assert.equal((await e.list()).length, 1);
  });

  void it('REST authentication failure (its own credentials) → still tries XML-RPC', async () => {
    process.env.PALISADE_TEST_FALLBACK_BADKEY = 'nope';
    const r = await enforcer({ rest: { apiKey: { env: 'PALISADE_TEST_FALLBACK_BADKEY' } } }).apply(block('203.0.113.9'));
    assert.equal(r.transport, 'xmlrpc');
  });

  void it('all down → one retryable error naming every transport and its failure; alias unchanged; no secrets', async () => {
    const downXml = await closedPort();
    rest.failNext('POST', '/api/v2/firewall/apply', 503, 'SERVICE_UNAVAILABLE'); // REST gets as far as the write
    const e = enforcer({ xmlrpc: { port: downXml } });
    await assert.rejects(e.apply(block('203.0.113.9')), (err: unknown) => {
      assert.ok(!(err instanceof PermanentEnforcementError), 'transient failures stay retryable');
      const m = (err as Error).message;
      assert.match(m, /failed on every transport: rest: apply failed after the alias edit \(reverted\): HTTP 503 SERVICE_UNAVAILABLE.*; xmlrpc: .*ECONNREFUSED.*; ssh: .*ECONNREFUSED/);
      for (const secret of Object.values(SECRETS)) assert.ok(!m.includes(secret), 'no secret in the message');
      return true;
    });
    assert.deepEqual(rest.aliases[0].address, ['198.51.100.7/32'], 'REST edit reverted');
    assert.deepEqual(rest.aliases[0].detail, ['operator']);
    assert.equal(xmlAlias(), undefined);
  });

  void it('every transport failing permanently (auth) → PermanentEnforcementError naming each', async () => {
    process.env.PALISADE_TEST_FALLBACK_BADKEY = 'nope';
    const e = enforcer({ transports: ['rest', 'xmlrpc'], rest: { apiKey: { env: 'PALISADE_TEST_FALLBACK_BADKEY' } }, xmlrpc: { password: { env: 'PALISADE_TEST_FALLBACK_BADKEY' } } });
    await assert.rejects(e.apply(block('203.0.113.9')), (err: unknown) =>
      err instanceof PermanentEnforcementError && err.reason === 'auth'
      && /rest: \(permanent\) .*AUTH_AUTHENTICATION_FAILED.*; xmlrpc: \(permanent\) .*fault -1/.test(err.message));
  });

  void it('SSH without a host key pin is refused before connecting (permanent)', async () => {
    const e = createPfSenseEnforcer(pfConfig({ transports: ['ssh'], ssh: { port: sshPort, privateKey: { file: path.join(dir, 'id_ed25519') } } }));
    await assert.rejects(e.list(), (err: unknown) => err instanceof PermanentEnforcementError && /no host key pin/.test(err.message));
  });
});
