// Issue 11, finding 7: tokens and keys of at least 32 bytes, and no credential in any log line.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { loadApiSecrets, MIN_SECRET_BYTES } from '../../../api/secrets';
import { apiNotFound, errorHandler } from '../../../api/errors';
import { configSchema } from '../../../domain/config';
import { createLogger, redactTokens } from '../../../runtime/logger';
import { signApprovalLink } from '../../../runtime/signed-links';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(String(chunk)); cb(); } });
  return { lines, logger: createLogger({ logLevel: 'debug' }, stream) };
}

void describe('API secrets are at least 32 bytes', () => {
  const config = configSchema.parse({ api: { controlToken: { env: 'T_CONTROL' }, ingestToken: { env: 'T_INGEST' }, linkSigningKey: { env: 'T_LINKS' } } });
  const withEnv = async (env: Record<string, string>, fn: () => Promise<void>) => {
    const saved = { ...process.env };
    Object.assign(process.env, env);
    try { await fn(); } finally { for (const k of Object.keys(env)) { if (saved[k] === undefined) delete process.env[k]; else process.env[k] = saved[k]; } }
  };
  for (const [name, env] of [
    ['control token', { T_CONTROL: 'c'.repeat(31), T_INGEST: 'i'.repeat(32), T_LINKS: 'l'.repeat(32) }],
    ['ingest token', { T_CONTROL: 'c'.repeat(32), T_INGEST: 'short', T_LINKS: 'l'.repeat(32) }],
    ['link signing key', { T_CONTROL: 'c'.repeat(32), T_INGEST: 'i'.repeat(32), T_LINKS: 'l'.repeat(20) }],
  ] as const) {
    void test(`a short ${name} is refused at start with where it comes from, never its value`, () => withEnv(env, async () => {
      await assert.rejects(loadApiSecrets(config), (e: Error) => /refusing to start the API: api\.\w+ \(environment variable T_\w+\) is \d+ bytes; at least 32 are required/.test(e.message)
        && !Object.values(env).some((v) => v.length < MIN_SECRET_BYTES && e.message.includes(v)));
    }));
  }
  void test('32-byte secrets (and unset ones) are accepted', () => withEnv({ T_CONTROL: 'c'.repeat(32), T_INGEST: '', T_LINKS: 'ł'.repeat(16) }, async () => {
    const s = await loadApiSecrets(config);
    assert.equal(s.controlToken, 'c'.repeat(32));
    assert.equal(s.ingestToken, undefined);
    assert.equal(s.linkSigningKey, 'ł'.repeat(16), '16 two-byte characters are 32 bytes');
  }));
});

void describe('no token in any log line', () => {
  const token = signApprovalLink('k'.repeat(32), { ip: '45.155.205.233', case: '1-9f2c4e1a7b3d', decision: 'approve', approver: 'alice' }, { ttlSeconds: 600 }).token;

  void test('redactTokens: link paths, bare link tokens and bearer headers', () => {
    const text = `GET /approve/${token}?x=1 failed; token ${token}; header Authorization: Bearer abcdef0123456789`;
    const out = redactTokens(text);
    assert.ok(!out.includes(token.split('.')[2]), out);
    assert.ok(!out.includes('abcdef0123456789'), out);
    assert.match(out, /\/approve\/\[redacted\]\?x=1/);
  });

  void test('every line the logger writes is redacted, whatever field or message holds the token', () => {
    const { lines, logger } = capture();
    logger.info({ url: `/approve/${token}`, nested: { note: `link ${token}` } }, `clicked /approve/${token}`);
    logger.error({ err: new Error(`cannot use ${token}`) }, 'failed');
    assert.equal(lines.length, 2);
    for (const l of lines) assert.ok(!l.includes(token.split('.')[2]), l);
  });

  void test('the error handler and the 404 answer for /approve/<token> paths log and echo no token', async () => {
    const { lines, logger } = capture();
    const app = express();
    app.post('/approve/:token', () => { throw new Error('storage unavailable'); });
    app.use(apiNotFound);
    app.use(errorHandler(logger));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const failed = await fetch(`${base}/approve/${token}`, { method: 'POST' });
      assert.equal(failed.status, 500);
      const missing = await fetch(`${base}/approve/${token}/extra`);
      assert.equal(missing.status, 404);
      assert.ok(!(await missing.text()).includes(token.split('.')[2]), '404 body echoes no token');
    } finally {
      server.close();
    }
    assert.ok(lines.some((l) => l.includes('request failed') && l.includes('/approve/[redacted]')), lines.join(''));
    for (const l of lines) assert.ok(!l.includes(token.split('.')[2]), l);
  });
});
