import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import xmlrpc from 'xmlrpc';
import { createPfSenseEnforcer } from '../../../activities/enforcers/pfsense';
import { stripPrefix, xmlRpcCall, XmlRpcFault } from '../../../activities/enforcers/pfsense/xmlrpc';
import { PermanentEnforcementError } from '../../../activities/enforcers/types';
import { FakePfXmlRpc } from '../../fakes/pfsense-xmlrpc';
import { block, fakeConfig, pfConfig, SECRETS } from './helpers';

const PHP_WARNING = '<br />\n<b>Warning</b>:  Undefined array key "foo" in <b>/etc/inc/util.inc</b> on line <b>42</b><br />\n';

void describe('pfSense XML-RPC transport against an XML-RPC server running exec_php through php-cli', () => {
  let fake: FakePfXmlRpc;
  let port: number;
  let dir: string;
  const state = () => JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { config: { aliases?: { alias: { name: string; address: string; detail: string }[] } }; writes?: number; reloads?: number };
  const alias = () => state().config.aliases?.alias.find((a) => a.name === 'PALISADE_BLOCK');
  const enforcer = (over: Record<string, unknown> = {}) => createPfSenseEnforcer(pfConfig({ transports: ['xmlrpc'], ...over, xmlrpc: { port, ...(over.xmlrpc as object) } }));
  const target = (password = SECRETS.xmlrpcPassword, username = 'admin') =>
    ({ scheme: 'http' as const, host: '127.0.0.1', port, timeoutMs: 10_000, verifyTls: true, username, password: async () => password });

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'palisade-xmlrpc-'));
    fake = new FakePfXmlRpc({ username: 'admin', password: SECRETS.xmlrpcPassword, stateDir: dir, unprivilegedUser: { username: 'viewer', password: 'v' } });
    port = await fake.start();
  });
  after(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    writeFileSync(path.join(dir, 'config.json'), fakeConfig({ aliases: { alias: [{ name: 'OTHER', type: 'host', address: '192.0.2.1', detail: 'x' }] } }));
    fake.prependOutput = '';
    fake.calls.length = 0;
  });

  void it('applies, verifies, lists and removes through pfsense.exec_php; one config write and one reload each', async () => {
    const e = enforcer();
    const r = await e.apply(block('203.0.113.9'));
    assert.equal(r.transport, 'xmlrpc');
    assert.match(r.detail, /^added: 203\.0\.113\.9\/32/);
    assert.deepEqual(alias(), { name: 'PALISADE_BLOCK', type: 'network', descr: 'Palisade block list (managed by Palisade)', address: '203.0.113.9/32', detail: 'palisade:203.0.113.9#1 secrets scanner' });
    assert.equal(state().writes, 1);
    assert.equal(state().reloads, 1);
    assert.equal((await e.verify(block('203.0.113.9'))).present.ok, true);
    assert.deepEqual(await e.list(), [{ target: '203.0.113.9/32', ownedByPalisade: true, blockId: '203.0.113.9#1', detail: 'palisade:203.0.113.9#1 secrets scanner' }]);
    assert.match((await e.remove(block('203.0.113.9'))).detail, /^removed/);
    assert.equal(alias()!.address, '');
    assert.equal((await e.verify(block('203.0.113.9'))).present.ok, false);
    assert.ok(fake.calls.every((m) => m === 'pfsense.exec_php'), 'reload happens inside exec_php, never pfsense.filter_configure');
  });

  void it('tolerates output printed before the XML envelope (PHP warnings)', async () => {
    fake.prependOutput = PHP_WARNING;
    const r = await enforcer().apply(block('203.0.113.7'));
    assert.match(r.detail, /^added/);
    const v = (await xmlRpcCall(target(), 'pfsense.host_firmware_version', [1, 60])) as { firmware: { version: string } };
    assert.equal(v.firmware.version, '2.7.2-RELEASE');
  });

  void it('(why the transport exists) the stock xmlrpc client fails on that prefix', async () => {
    fake.prependOutput = PHP_WARNING;
    const client = xmlrpc.createClient({ host: '127.0.0.1', port, path: '/xmlrpc.php', basic_auth: { user: 'admin', pass: SECRETS.xmlrpcPassword } });
    const err = await new Promise<unknown>((resolve) => client.methodCall('pfsense.host_firmware_version', [1, 60], (e) => resolve(e)));
    assert.ok(err instanceof Error);
  });

  void it('stripPrefix keeps clean bodies and cuts anything before <?xml', () => {
    assert.equal(stripPrefix('<?xml version="1.0"?><methodResponse/>'), '<?xml version="1.0"?><methodResponse/>');
    assert.equal(stripPrefix('junk\n<?xml version="1.0"?><x/>'), '<?xml version="1.0"?><x/>');
    assert.equal(stripPrefix('junk<methodResponse></methodResponse>'), '<methodResponse></methodResponse>');
  });

  void it('faults -1 (bad password) and -2 (no privilege) are permanent, and the password is not in the message', async () => {
    const wrongPw = 'sup3r-wrong-pw';
    process.env.PALISADE_TEST_XMLRPC_WRONG = wrongPw;
    await assert.rejects(enforcer({ xmlrpc: { password: { env: 'PALISADE_TEST_XMLRPC_WRONG' } } }).apply(block('203.0.113.9')),
      (e: unknown) => e instanceof PermanentEnforcementError && e.reason === 'auth' && /fault -1/.test(e.message) && !e.message.includes(wrongPw));
    await assert.rejects(xmlRpcCall(target('v', 'viewer'), 'pfsense.exec_php', ['$toreturn = 1;']), (e: unknown) => e instanceof XmlRpcFault && e.faultCode === -2);
    process.env.PALISADE_TEST_XMLRPC_VIEWER = 'v';
    await assert.rejects(enforcer({ xmlrpc: { username: 'viewer', password: { env: 'PALISADE_TEST_XMLRPC_VIEWER' } } }).list(),
      (e: unknown) => e instanceof PermanentEnforcementError && e.reason === 'forbidden');
    assert.equal(alias(), undefined);
  });

  void it('pfsense.filter_configure is not callable (>= 2.5), which is why reloads go through exec_php', async () => {
    await assert.rejects(xmlRpcCall(target(), 'pfsense.filter_configure', []), (e: unknown) => e instanceof XmlRpcFault && e.faultCode === -32601);
  });

  void it('a missing alias with createAlias off is a permanent not_found', async () => {
    await assert.rejects(enforcer({ createAlias: false }).apply(block('203.0.113.9')), (e: unknown) => e instanceof PermanentEnforcementError && e.reason === 'not_found');
    assert.equal(state().writes, undefined);
  });

  void it('a request that times out is a retryable error', async () => {
    const stalled = (await import('node:http')).createServer(() => undefined);
    await new Promise<void>((r) => stalled.listen(0, '127.0.0.1', r));
    const stalledPort = (stalled.address() as { port: number }).port;
    try {
      await assert.rejects(enforcer({ timeoutSeconds: 0.3, xmlrpc: { port: stalledPort } }).apply(block('203.0.113.9')),
        (e: unknown) => !(e instanceof PermanentEnforcementError) && /xmlrpc: .*timed out after 300 ms/.test((e as Error).message));
    } finally {
      stalled.closeAllConnections();
      await new Promise((r) => stalled.close(r));
    }
  });
});
