// Issue 11, finding 7: per-client backoff after failed logins, through the real middleware on a loopback server.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { requireToken } from '../../../api/auth';
import { errorHandler } from '../../../api/errors';
import { FREE_FAILURES, LoginBackoff } from '../../../api/login-backoff';
import { createLogger } from '../../../runtime/logger';

const TOKEN = 't'.repeat(32);

void describe('backoff after failed logins', () => {
  void test('after the free failures a client gets 429 with Retry-After, even with the right token, until the wait ends', async () => {
    let now = 1_000_000;
    const backoff = new LoginBackoff(() => now);
    const app = express();
    app.get('/api/x', requireToken('control', [TOKEN], backoff), (_req, res) => void res.json({ ok: true }));
    app.use(errorHandler(createLogger({ logLevel: 'silent' })));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/x`;
    const get = (token?: string) => fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    try {
      for (let i = 0; i < FREE_FAILURES - 1; i++) assert.equal((await get('wrong')).status, 403);
      assert.equal((await get()).status, 401, 'a missing token counts as a failure too');
      const locked = await get(TOKEN);
      assert.equal(locked.status, 429);
      assert.equal(locked.headers.get('retry-after'), '1');
      assert.match(((await locked.json()) as { error: string }).error, /too many failed logins/);
      now += 1000;
      assert.equal((await get('wrong')).status, 403, 'checked again once the wait is over');
      const doubled = await get(TOKEN);
      assert.equal(doubled.status, 429);
      assert.equal(doubled.headers.get('retry-after'), '2', 'each further failure doubles the wait');
      now += 2000;
      assert.equal((await get(TOKEN)).status, 200);
      assert.equal((await get('wrong')).status, 403, 'a success resets the count');
    } finally {
      server.close();
    }
  });

  void test('clients are counted separately and the table is bounded', () => {
    const b = new LoginBackoff(() => 0);
    for (let i = 0; i < FREE_FAILURES; i++) b.failed('10.0.0.1');
    assert.ok(b.waitMs('10.0.0.1') > 0);
    assert.equal(b.waitMs('10.0.0.2'), 0);
    for (let i = 0; i < 40; i++) b.failed('10.0.0.1');
    assert.equal(b.waitMs('10.0.0.1'), 15 * 60_000, 'capped at 15 minutes');
    for (let i = 0; i < 10_001; i++) b.failed(`c${i}`);
    assert.equal(b.waitMs('10.0.0.1'), 0, 'the oldest client was dropped');
  });
});
