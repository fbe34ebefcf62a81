// TLS is verified by default; a private CA is trusted through caFile; verifyTls: false is an explicit opt-out.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createPfSenseEnforcer } from '../../../activities/enforcers/pfsense';
import { PermanentEnforcementError } from '../../../activities/enforcers/types';
import { aliasBlockRule, FakePfRest } from '../../fakes/pfsense-rest';
import { block, pfConfig, SECRETS } from './helpers';

void describe('pfSense transports over TLS', () => {
  let dir: string;
  let fake: FakePfRest;
  let port: number;
  const enforcer = (over: Record<string, unknown>) =>
    createPfSenseEnforcer(pfConfig({ transports: ['rest'], ...over, rest: { scheme: 'https', port } }), { restApplyPollMs: 1 });

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'palisade-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    fake = new FakePfRest({ rules: [aliasBlockRule()], apiKey: SECRETS.apiKey, tls: { key: readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert: readFileSync(path.join(dir, 'cert.pem'), 'utf8') } });
    port = await fake.start();
  });
  after(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('refuses a certificate it cannot verify (the default)', async () => {
    await assert.rejects(enforcer({}).apply(block('203.0.113.9')), /rest: .*(SELF_SIGNED|self-signed)/i);
    assert.equal(fake.aliasWrites, 0);
  });

  void it('trusts the certificate through caFile', async () => {
    const r = await enforcer({ caFile: path.join(dir, 'cert.pem') }).apply(block('203.0.113.9'));
    assert.equal(r.transport, 'rest');
  });

  void it('an unreadable caFile is a permanent configuration error', async () => {
    await assert.rejects(enforcer({ caFile: path.join(dir, 'missing.pem') }).apply(block('203.0.113.11')),
      (e: unknown) => e instanceof PermanentEnforcementError && /cannot read pfsense.caFile .*ENOENT/.test(e.message));
  });

  void it('verifyTls: false skips verification only when set explicitly', async () => {
    const r = await enforcer({ verifyTls: false }).apply(block('203.0.113.10'));
    assert.match(r.detail, /^added/);
  });
});
