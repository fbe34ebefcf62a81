// api.serveReviewPage (`palisade start --serve-spa` / `--no-serve-spa`): the review page is served at / or not; the
// API, and the stylesheet the signed-link pages use, are served either way.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createApiServer, type RunningApiServer } from '../../../api/server';
import { createLogger } from '../../../runtime/logger';
import { loadConfig } from '../../../runtime/config';

// Nothing here reaches Temporal: a lazy connection to a closed port is never dialled.
const connection = Connection.lazy({ address: '127.0.0.1:1' });
const client = new Client({ connection });
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'palisade-spa-'));
const servers: RunningApiServer[] = [];

async function serve(serveReviewPage: boolean | undefined): Promise<string> {
  const config = loadConfig({ env: {}, overrides: { dataDir, api: { port: 0, ...(serveReviewPage === undefined ? {} : { serveReviewPage }) } } });
  const api = await createApiServer({
    config, client, logger: createLogger({ logLevel: 'silent' }), secrets: { controlToken: 'c'.repeat(40) }, liveChecks: async () => ({ ok: true, at: new Date().toISOString(), sections: [] }),
  }).listen({ host: '127.0.0.1', port: 0 });
  servers.push(api);
  return api.url;
}

void describe('serving the review page', () => {
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await connection.close();
  });

  for (const [label, setting] of [['by default', undefined], ['with serveReviewPage: true', true]] as const) {
    test(`served at / ${label}`, async () => {
      const url = await serve(setting);
      const page = await fetch(`${url}/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assert.match(await page.text(), /<title>[^<]*Palisade/);
      assert.equal((await fetch(`${url}/app.js`)).status, 200);
    });
  }

  test('not served with serveReviewPage: false; the API and the link pages\' stylesheet still are', async () => {
    const url = await serve(false);
    for (const p of ['/', '/index.html', '/app.js']) {
      const r = await fetch(`${url}${p}`);
      assert.equal(r.status, 404, p);
      assert.doesNotMatch(await r.text(), /<html/i);
    }
    const css = await fetch(`${url}/style.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /text\/css/);
    const api = await fetch(`${url}/api/threats`);
    assert.equal(api.status, 401, 'the control API is still there, behind its token');
  });
});
