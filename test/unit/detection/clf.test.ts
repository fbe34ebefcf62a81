import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClfLine, parseClfTime } from '../../../domain/detection/clf';
import { parseAccessLine } from '../../../domain/detection/line-format';
import { parseCidrs } from '../../../domain/detection/client-ip';
import { createClassifier } from '../../../domain/detection/classify';
import { detectorSchema } from '../../../domain/config/detection';

const opts = { trustedProxies: [] };

void describe('Traefik Common Log Format', () => {
  test('a line exactly as Traefik writes it, with the extra fields (request count, router, service, duration)', () => {
    const line = '203.0.113.7 - - [22/Nov/2026:10:06:40 +0100] "GET /.env?x=1 HTTP/1.1" 404 19 "-" "Mozilla/5.0 (compatible; Nuclei)" 4711 "web@docker" "http://172.18.0.3:80" 12ms';
    const r = parseClfLine(line, opts);
    assert.deepEqual(r, {
      ok: true,
      record: {
        ip: '203.0.113.7', timeMs: Date.parse('2026-11-22T09:06:40Z'), status: 404, path: '/.env?x=1', userAgent: 'Mozilla/5.0 (compatible; Nuclei)',
        method: 'GET', router: 'web@docker', service: 'http://172.18.0.3:80', durationMs: 12, requestCount: 4711,
      },
    });
  });

  test('Traefik answering itself ("-" status, no router) is status 0; plain combined-log lines without the Traefik fields parse too', () => {
    const own = parseClfLine('198.51.100.4 - - [22/Nov/2026:10:00:00 +0000] "GET /phpmyadmin/ HTTP/1.1" - - "-" "-" 9 "-" "-" 0ms', opts);
    assert.ok(own.ok === true && own.record.status === 0 && own.record.router === undefined && own.record.userAgent === undefined);
    const combined = parseClfLine('198.51.100.4 - frank [22/Nov/2026:10:00:00 +0000] "POST /login HTTP/1.1" 401 12 "https://shop.example.com/" "curl/8.5.0"', opts);
    assert.ok(combined.ok === true && combined.record.status === 401 && combined.record.userAgent === 'curl/8.5.0' && combined.record.requestCount === undefined);
  });

  test('client-controlled text with quotes and spaces cannot move the status, and an XFF list in ClientHost is resolved through the trusted proxy', () => {
    const line = '198.51.100.7, 10.0.0.5 - - [22/Nov/2026:10:00:00 +0000] "GET /a" 200 1 "b HTTP/1.1" 404 5 "-" "ua with "quotes" 2 "x" "y" 3ms" 1 "r@docker" "http://s" 1ms';
    const r = parseClfLine(line, { trustedProxies: parseCidrs(['10.0.0.5']) });
    assert.ok(r.ok === true);
    if (r.ok === true) {
      assert.equal(r.record.ip, '198.51.100.7');
      assert.equal(r.record.status, 200);
      assert.equal(r.record.router, 'r@docker');
    }
  });

  test('timestamps: offsets applied, invalid ones rejected', () => {
    assert.equal(parseClfTime('22/Nov/2026:10:00:00 -0530'), Date.parse('2026-11-22T15:30:00Z'));
    for (const bad of ['22/Foo/2026:10:00:00 +0000', '22/Nov/2026 10:00:00 +0000', '', '2026-11-22T10:00:00Z']) assert.equal(parseClfTime(bad), undefined, bad);
  });

  test('malformed lines get a reason', () => {
    for (const [line, reason] of [
      ['hello world', 'not a Common Log Format line'],
      ['1.2.3.4 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" abc 1', 'no valid status'],
      ['not-an-ip - - [22/Nov/2026:10:00:00 +0000] "GET /.env HTTP/1.1" 404 1 "-" "-"', 'no valid client address'],
      ['1.2.3.4 - - [22/Nov/2026:10:00:00 +0000] "GET - HTTP/1.1" 404 1 "-" "-"', 'no request path'],
    ] as const) {
      assert.deepEqual(parseClfLine(line, opts), { ok: false, reason }, line);
    }
  });

  test('format auto tells Traefik JSON, ECS and CLF apart per line', () => {
    const o = { format: 'auto' as const, clientField: 'ClientHost' as const, trustedProxies: [] };
    const t = '2026-11-22T10:00:00.000Z';
    const a = parseAccessLine(JSON.stringify({ ClientHost: '203.0.113.1', StartUTC: t, DownstreamStatus: 404, RequestPath: '/.env' }), o);
    const b = parseAccessLine(JSON.stringify({ '@timestamp': t, source: { ip: '203.0.113.2' }, http: { response: { status_code: 404 } }, url: { original: '/.env' } }), o);
    const c = parseAccessLine('203.0.113.3 - - [22/Nov/2026:10:00:00 +0000] "GET /.env HTTP/1.1" 404 1 "-" "-" 1 "r" "s" 1ms', o);
    assert.deepEqual([a, b, c].map((r) => r.ok === true && r.record.ip), ['203.0.113.1', '203.0.113.2', '203.0.113.3']);
  });

  test('parsing and classifying attacker-sized input is linear (10x the input costs well under 40x the time)', () => {
    const classifier = createClassifier(detectorSchema.parse({}));
    const evil = (n: number) => {
      const path = '/' + '"  %%2e%2e/..;/'.repeat(n) + '${jndi:' + '%'.repeat(n);
      const ua = '" "'.repeat(n) + 'nikto';
      return `1.2.3.4 - - [22/Nov/2026:10:00:00 +0000] "GET ${path} HTTP/1.1" 404 1 "-" "${ua}" 1 "r" "s" 1ms`;
    };
    const time = (n: number) => {
      const line = evil(n);
      const start = process.hrtime.bigint();
      for (let i = 0; i < 20; i++) {
        const r = parseClfLine(line + ' '.repeat(i), opts);
        if (r.ok === true) {
          classifier.path(r.record.path + i);
          classifier.agent((r.record.userAgent ?? '') + i);
        }
      }
      return Number(process.hrtime.bigint() - start);
    };
    time(200);
    const small = Math.min(time(2_000), time(2_000));
    const large = Math.min(time(20_000), time(20_000));
    assert.ok(large / small < 40, `10x input took ${(large / small).toFixed(1)}x the time`);
  });
});
