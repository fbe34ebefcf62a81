// The Icinga scanner against a wire-exact fake of the Icinga 2 API (POST /v1/objects/services with
// X-HTTP-Method-Override: GET, Basic auth, a JSON {filter, attrs} body; answers {results: [{attrs, joins, meta, name,
// type}]}; errors as {error, status}). Only SOFT problems become hotspots; failures are a scan error, never a throw.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ICINGA_ATTRS, ICINGA_SOFT_FILTER, scanIcinga } from '../../../activities/proactive/icinga';

interface Seen { method?: string; url?: string; override?: string; auth?: string; body?: { filter?: string; attrs?: string[] } }

const service = (host: string, name: string, state: number, stateType: number, output: string) => ({
  attrs: {
    name, display_name: name.toUpperCase(), host_name: host, state, state_type: stateType, check_attempt: 2,
    max_check_attempts: 5, last_check_result: { output }, last_state_change: 1764150000.5,
  },
  joins: {}, meta: {}, name: `${host}!${name}`, type: 'Service',
});

let server: http.Server;
let url: string;
let seen: Seen = {};
let answer: (res: http.ServerResponse) => void = () => undefined;

const cfg = (over: Record<string, unknown> = {}) => ({
  enabled: true, url, username: 'palisade', rejectUnauthorized: true, timeoutSeconds: 2, ...over,
}) as Parameters<typeof scanIcinga>[0];

describe('Icinga soft-state scanner', () => {
  before(async () => {
    server = http.createServer((req, res) => {
      let text = '';
      req.on('data', (c) => { text += c; });
      req.on('end', () => {
        seen = { method: req.method, url: req.url, override: req.headers['x-http-method-override'] as string, auth: req.headers.authorization, body: JSON.parse(text || '{}') };
        if (req.headers.authorization !== `Basic ${Buffer.from('palisade:s3cret').toString('base64')}`) {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 401, status: 'Unauthorized. Please check your user credentials.' }));
          return;
        }
        answer(res);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  test('asks for SOFT problems read-only and turns each into a hotspot with a stable fingerprint', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ results: [
        service('db1', 'disk', 2, 0, 'DISK CRITICAL - / 97% used'),
        service('web1', 'http', 1, 0, 'HTTP WARNING: 2.1 s response\u001b[31m'),
        // A server that ignored the filter: a HARD problem must not become a proactive hotspot.
        service('web2', 'http', 2, 1, 'HTTP CRITICAL'),
      ] }));
    };
    const first = await scanIcinga(cfg(), 's3cret', 50);
    assert.equal(seen.method, 'POST');
    assert.equal(seen.url, '/v1/objects/services');
    assert.equal(seen.override, 'GET');
    assert.deepEqual(seen.body, { filter: ICINGA_SOFT_FILTER, attrs: ICINGA_ATTRS });
    assert.deepEqual(first.rules.map((r) => [r.status, r.findings]), [['ok', 3]]);
    assert.deepEqual(first.hotspots.map((h) => [h.labels.host, h.labels.service, h.severity]), [['db1', 'disk', 'high'], ['web1', 'http', 'medium']]);
    assert.match(first.hotspots[0].title, /db1 DISK: soft CRITICAL \(attempt 2 of 5\)/);
    assert.ok(!first.hotspots.some((h) => /\u001b/.test(JSON.stringify(h))), 'control characters from check output are removed');
    const again = await scanIcinga(cfg(), 's3cret', 50);
    assert.deepEqual(again.hotspots.map((h) => h.fingerprint), first.hotspots.map((h) => h.fingerprint));
  });

  test('at most maxFindings hotspots from one answer', async () => {
    answer = (res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ results: Array.from({ length: 20 }, (_, i) => service(`h${i}`, 'load', 1, 0, 'LOAD WARNING')) }));
    };
    const { hotspots, rules } = await scanIcinga(cfg(), 's3cret', 5);
    assert.equal(hotspots.length, 5);
    assert.equal(rules[0].findings, 20);
  });

  const failures: [string, () => void, string, RegExp][] = [
    ['wrong password', () => undefined, 'wrong', /Icinga API answered 401: Unauthorized/],
    ['not JSON', () => { answer = (res) => { res.writeHead(200); res.end('<html>proxy error</html>'); }; }, 's3cret', /answered 200: <html>proxy error/],
    ['server error', () => { answer = (res) => { res.writeHead(500, { 'content-type': 'application/json' }); res.end(JSON.stringify({ error: 500, status: 'Internal Server Error' })); }; }, 's3cret', /answered 500: Internal Server Error/],
    ['no answer in time', () => { answer = () => undefined; }, 's3cret', /timeout after 2000 ms/],
  ];
  for (const [name, arrange, password, message] of failures) {
    test(`${name}: a scan error with the reason, no hotspots, and never the password`, async () => {
      arrange();
      const { hotspots, rules } = await scanIcinga(cfg(), password, 50);
      assert.equal(hotspots.length, 0);
      assert.equal(rules[0].status, 'error');
      assert.match(rules[0].error ?? '', message);
      assert.ok(!(rules[0].error ?? '').includes(password), 'the password is not in the error');
    });
  }
});
