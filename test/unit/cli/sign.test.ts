// `palisade sign` through the spawned CLI: the link verifies with the real verifier and carries what was asked;
// without a signing key, or with bad flags, it refuses with exit 2.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifyApprovalLink } from '../../../runtime/signed-links';
import { runCli, type CliResult } from '../../helpers/run-cli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'palisade-sign-'));
const config = path.join(tmp, 'palisade.yaml');
writeFileSync(config, 'api:\n  publicUrl: https://palisade.example.net/\n  signedLinkTtlSeconds: 600\n');
const KEY = 'k'.repeat(48);

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['--config', config, ...args], { cwd: tmp, env: { PATH: process.env.PATH ?? '', HOME: tmp, ...env } });
}

void describe('palisade sign', () => {
  void it('mints a link that the API verifier accepts, for the normalised IP, approver, decision and duration', async () => {
    const before = Date.now();
    // Without a server to ask (--no-check), the link names the case it is for.
    const r = await cli(['sign', '2001:DB8:0:0::7', '--approver', 'alice', '--decision', 'reject', '--duration', '6', '--no-check', '--case', '2-9f2c4e1a7b3d'], { PALISADE_LINK_SIGNING_KEY: KEY });
    assert.equal(r.code, 0, r.stderr);
    const m = /^https:\/\/palisade\.example\.net\/approve\/(v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)\n$/.exec(r.stdout);
    assert.ok(m, r.stdout);
    const v = verifyApprovalLink(KEY, m[1]!);
    assert.ok(v.ok);
    assert.equal(v.claims.ip, '2001:db8::7');
    assert.equal(v.claims.approver, 'alice');
    assert.equal(v.claims.decision, 'reject');
    assert.equal(v.claims.durationHours, 6);
    // api.signedLinkTtlSeconds from the config file
    assert.ok(v.claims.exp * 1000 >= before + 599_000 && v.claims.exp * 1000 <= Date.now() + 601_000);
    assert.equal(verifyApprovalLink('another-key'.repeat(4), m[1]!).ok, false);
    assert.match(r.stderr, /single use/);
    assert.ok(!r.stderr.includes(KEY) && !r.stdout.includes(KEY), 'the key is never printed');
  });

  void it('refuses without a signing key, with a bad decision, IP or TTL', async () => {
    const noKey = await cli(['sign', '203.0.113.9', '--approver', 'a', '--no-check']);
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /no link signing key.*PALISADE_LINK_SIGNING_KEY/);
    const env = { PALISADE_LINK_SIGNING_KEY: KEY };
    const decision = await cli(['sign', '203.0.113.9', '--approver', 'a', '--decision', 'maybe', '--no-check'], env);
    assert.equal(decision.code, 2);
    assert.match(decision.stderr, /--decision must be approve or reject/);
    const ip = await cli(['sign', '203.0.113.0/24', '--approver', 'a', '--no-check'], env);
    assert.equal(ip.code, 2);
    assert.match(ip.stderr, /not a single IP address/);
    const ttl = await cli(['sign', '203.0.113.9', '--approver', 'a', '--ttl', '0', '--no-check'], env);
    assert.equal(ttl.code, 2);
    assert.match(ttl.stderr, /--ttl must be whole seconds/);
  });
});
