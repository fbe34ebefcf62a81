import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { signApprovalLink, signatureFingerprint, UsedLinkStore, verifyApprovalLink } from '../../../runtime/signed-links';

const KEY = 'k'.repeat(32);
const NOW = Date.parse('2026-11-22T12:00:00Z');
const mint = (over: Partial<{ ttlSeconds: number; now: number; key: string }> = {}) =>
  signApprovalLink(over.key ?? KEY, { ip: '203.0.113.9', case: '1-9f2c4e1a7b3d', decision: 'approve', approver: 'alice', durationHours: 24 }, { ttlSeconds: over.ttlSeconds ?? 300, now: over.now ?? NOW });

void describe('signed approval links', () => {
  void test('a minted link verifies and carries its claims', () => {
    const { token, claims } = mint();
    const v = verifyApprovalLink(KEY, token, NOW + 1000);
    assert.equal(v.ok, true);
    if (!v.ok) return;
    assert.deepEqual(v.claims, claims);
    assert.equal(v.claims.exp, NOW / 1000 + 300);
    assert.match(v.fingerprint, /^[0-9a-f]{64}$/);
  });

  void test('two links with the same claims differ (nonce) and have different fingerprints', () => {
    const a = verifyApprovalLink(KEY, mint().token, NOW);
    const b = verifyApprovalLink(KEY, mint().token, NOW);
    assert.ok(a.ok && b.ok);
    if (a.ok && b.ok) assert.notEqual(a.fingerprint, b.fingerprint);
  });

  const cases: { name: string; token: () => string; at?: number; reason: string }[] = [
    { name: 'wrong key', token: () => mint({ key: 'another-key' }).token, reason: 'bad_signature' },
    { name: 'claims edited (ip swapped)', token: () => {
      const [v, body, sig] = mint().token.split('.');
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
      claims.ip = '198.51.100.1';
      return [v, Buffer.from(JSON.stringify(claims)).toString('base64url'), sig].join('.');
    }, reason: 'bad_signature' },
    { name: 'signature truncated', token: () => mint().token.slice(0, -4), reason: 'bad_signature' },
    { name: 'expired', token: () => mint().token, at: NOW + 301_000, reason: 'expired' },
    { name: 'exactly at expiry', token: () => mint().token, at: NOW + 300_000, reason: 'expired' },
    { name: 'not three parts', token: () => 'v1.abc', reason: 'malformed' },
    { name: 'wrong version', token: () => mint().token.replace(/^v1/, 'v2'), reason: 'malformed' },
    { name: 'non base64url characters', token: () => mint().token.replace(/\.[^.]+$/, '.<script>'), reason: 'malformed' },
    { name: 'empty', token: () => '', reason: 'malformed' },
    { name: 'too long', token: () => 'v1.' + 'a'.repeat(5000) + '.b', reason: 'malformed' },
  ];
  for (const c of cases) {
    void test(`refused: ${c.name}`, () => {
      const v = verifyApprovalLink(KEY, c.token(), c.at ?? NOW);
      assert.equal(v.ok, false);
      if (!v.ok) {
        assert.equal(v.reason, c.reason);
        assert.ok(v.message.length > 0);
      }
    });
  }

  void test('a validly signed token with a bad claim shape is malformed, not accepted', () => {
    const body = Buffer.from(JSON.stringify({ ip: '1.2.3.4', decision: 'delete-everything', approver: 'x', exp: 9e9, nonce: 'n' })).toString('base64url');
    const sig = createHmac('sha256', KEY).update(`v1.${body}`).digest('base64url');
    const v = verifyApprovalLink(KEY, `v1.${body}.${sig}`, NOW);
    assert.equal(v.ok, false);
    if (!v.ok) assert.equal(v.reason, 'malformed');
  });
});

void describe('used-link store', () => {
  void test('claims once, survives a new store instance (restart), stores only fingerprints, prunes expired', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'palisade-links-'));
    try {
      const file = path.join(dir, 'sub', 'used.json');
      let now = NOW;
      const store = new UsedLinkStore(file, () => now);
      const { token } = mint();
      const v = verifyApprovalLink(KEY, token, NOW);
      assert.ok(v.ok);
      if (!v.ok) return;
      assert.equal(await store.isUsed(v.fingerprint), false);
      assert.equal(await store.claim(v.fingerprint, v.claims.exp), true);
      assert.equal(await store.claim(v.fingerprint, v.claims.exp), false);

      const restarted = new UsedLinkStore(file, () => now);
      assert.equal(await restarted.isUsed(v.fingerprint), true);
      assert.equal(await restarted.claim(v.fingerprint, v.claims.exp), false);

      const text = await readFile(file, 'utf8');
      const sig = token.split('.')[2];
      assert.ok(!text.includes(sig), 'the signature itself is never stored');
      assert.ok(!text.includes(token.split('.')[1]), 'the claims are never stored');
      assert.equal(signatureFingerprint(Buffer.from(sig, 'base64url')), v.fingerprint);

      // Once the link has expired its fingerprint is pruned at the next write.
      now = NOW + 400_000;
      const other = verifyApprovalLink(KEY, mint({ now }).token, now);
      assert.ok(other.ok);
      if (other.ok) await restarted.claim(other.fingerprint, other.claims.exp);
      const after = JSON.parse(await readFile(file, 'utf8'));
      assert.equal(v.fingerprint in after.used, false);
      assert.equal(Object.keys(after.used).length, 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void test('concurrent claims of one fingerprint: exactly one wins, also across two store instances', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'palisade-links-'));
    try {
      const file = path.join(dir, 'used.json');
      const a = new UsedLinkStore(file);
      const b = new UsedLinkStore(file);
      const fp = 'f'.repeat(64);
      const exp = Math.floor(Date.now() / 1000) + 600;
      const results = await Promise.all([a.claim(fp, exp), b.claim(fp, exp), a.claim(fp, exp), b.claim(fp, exp)]);
      assert.equal(results.filter(Boolean).length, 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void test('release gives a claim back', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'palisade-links-'));
    try {
      const store = new UsedLinkStore(path.join(dir, 'used.json'));
      const exp = Math.floor(Date.now() / 1000) + 600;
      assert.equal(await store.claim('a'.repeat(64), exp), true);
      await store.release('a'.repeat(64));
      assert.equal(await store.claim('a'.repeat(64), exp), true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void test('a corrupt store file is an error, not an empty store (fail closed)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'palisade-links-'));
    try {
      const file = path.join(dir, 'used.json');
      await writeFile(file, '{"something":"else"}');
      const store = new UsedLinkStore(file);
      await assert.rejects(store.claim('b'.repeat(64), 9e9), /not a used-links store/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
