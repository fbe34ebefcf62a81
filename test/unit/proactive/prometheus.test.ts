// The Prometheus scanner's handling of what a server sends back (untrusted): label values are sanitised and capped,
// fingerprints depend on the labels only (not their order, not the value), a rule finds at most maxPerRule hotspots,
// and broken answers (too large, not JSON, an API error) are that rule's scan error, never a throw. The shipped rules
// themselves are checked against Prometheus' engine in rule-pack.test.ts and against a real server in
// test/integration/proactive.test.ts; here a loopback server plays a misbehaving or hostile one.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { scanPrometheus } from '../../../activities/proactive/prometheus';
import { hotspotFingerprint } from '../../../activities/proactive/hotspot';
import { closeNow, listenOnLoopback } from '../../fakes/loopback-server';
import type { ProactiveRule } from '../../../domain/config';

let server: http.Server;
let url: string;
let answer: (query: string, res: http.ServerResponse) => void = () => undefined;
const vector = (result: unknown[]) => JSON.stringify({ status: 'success', data: { resultType: 'vector', result } });
const rule = (name: string, title?: string): ProactiveRule => ({ name, severity: 'high', query: `q_${name}`, explanation: 'why', probes: [], ...(title ? { title } : {}) });
const scan = (rules: ProactiveRule[], over: Partial<Parameters<typeof scanPrometheus>[2]> = {}) =>
  scanPrometheus(url, rules, { timeoutMs: 2000, maxPerRule: 25, ...over });

describe('Prometheus scanner: untrusted answers', () => {
  before(async () => {
    server = http.createServer((req, res) => answer(new URL(req.url!, 'http://x').searchParams.get('query') ?? '', res));
    url = `http://127.0.0.1:${await listenOnLoopback(server)}`;
  });
  after(() => closeNow(server));

  test('label values are sanitised and capped; the title fills {{label}} from them', async () => {
    const hostile = `db01\u001b[31m\n@everyone <script>x</script> ${'A'.repeat(10_000)}`;
    answer = (_q, res) => res.end(vector([{ metric: { __name__: 'x', instance: hostile, mountpoint: '/var' }, value: [1, '-1e12'] }]));
    const r = await scan([rule('disk', '{{instance}} {{mountpoint}} filling')]);
    const [h] = r.hotspots;
    assert.equal(h.labels.instance.length, 200);
    assert.ok(!/[\u0000-\u001f]/.test(JSON.stringify(h.labels) + h.title), 'no control characters or newlines');
    assert.ok(h.title.length <= 200 && h.title.startsWith('db01[31m @everyone <script>'), h.title);
    assert.equal(h.labels.__name__, undefined, 'the metric name is not an identifying label');
    assert.deepEqual(r.rules, [{ rule: 'disk', source: 'prometheus', status: 'ok', findings: 1 }]);
  });

  test('fingerprints: the same labels in any order and with any value are one hotspot; other labels another', async () => {
    let order = 0;
    answer = (_q, res) => res.end(vector([order++ % 2 === 0
      ? { metric: { instance: 'a', mountpoint: '/var' }, value: [1, '1'] }
      : { metric: { mountpoint: '/var', instance: 'a' }, value: [2, '2'] }]));
    const [a, b] = [(await scan([rule('disk')])).hotspots[0], (await scan([rule('disk')])).hotspots[0]];
    assert.equal(a.fingerprint, b.fingerprint);
    assert.match(a.fingerprint, /^[0-9a-f]{16}$/);
    assert.equal(a.ackId, a.fingerprint.slice(0, 7));
    assert.equal(a.fingerprint, hotspotFingerprint('prometheus', 'disk', { instance: 'a', mountpoint: '/var' }));
    assert.notEqual(a.fingerprint, hotspotFingerprint('prometheus', 'disk', { instance: 'b', mountpoint: '/var' }));
    assert.notEqual(a.fingerprint, hotspotFingerprint('prometheus', 'other-rule', { instance: 'a', mountpoint: '/var' }));
    assert.notEqual(a.fingerprint, hotspotFingerprint('icinga', 'disk', { instance: 'a', mountpoint: '/var' }));
  });

  test('at most maxPerRule hotspots per rule; findings counts them all', async () => {
    answer = (_q, res) => res.end(vector(Array.from({ length: 40 }, (_, i) => ({ metric: { instance: `h${i}` }, value: [1, '1'] }))));
    const r = await scan([rule('many')], { maxPerRule: 5 });
    assert.equal(r.hotspots.length, 5);
    assert.deepEqual(r.rules, [{ rule: 'many', source: 'prometheus', status: 'ok', findings: 40 }]);
  });

  test('broken answers are a scan error of that rule only; the other rules still scan', async () => {
    answer = (q, res) => {
      if (q === 'q_huge') return void res.end(vector(Array.from({ length: 5000 }, (_, i) => ({ metric: { instance: `h${i}` }, value: [1, '1'] }))));
      if (q === 'q_garbage') return void res.writeHead(502).end('<html>bad gateway</html>');
      if (q === 'q_bad') return void res.writeHead(400).end(JSON.stringify({ status: 'error', errorType: 'bad_data', error: 'parse error at char 3\u001b[2J' }));
      if (q === 'q_matrix') return void res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }));
      if (q === 'q_slow') return void setTimeout(() => res.end(vector([])), 1500);
      res.end(vector([{ metric: { instance: 'fine' }, value: [1, '1'] }]));
    };
    const r = await scan([rule('huge'), rule('garbage'), rule('bad'), rule('matrix'), rule('slow'), rule('fine')], { maxAnswerBytes: 64 * 1024, timeoutMs: 500 });
    const byRule = Object.fromEntries(r.rules.map((x) => [x.rule, `${x.status}: ${x.error ?? x.findings}`]));
    assert.deepEqual(byRule, {
      huge: 'error: Prometheus answer larger than 0.0625 MiB: narrow the rule\'s query',
      garbage: 'error: Prometheus answered 502: not a Prometheus API answer',
      bad: 'error: Prometheus answered 400: parse error at char 3[2J',
      matrix: 'error: the query returned matrix, not an instant vector',
      slow: 'error: timeout after 500 ms',
      fine: 'ok: 1',
    });
    assert.deepEqual(r.hotspots.map((h) => h.rule), ['fine']);
  });

  test('an unreachable Prometheus is an error of every rule, not a throw', async () => {
    const r = await scanPrometheus('http://127.0.0.1:1', [rule('a'), rule('b')], { timeoutMs: 1000, maxPerRule: 5 });
    assert.deepEqual(r.rules.map((x) => [x.rule, x.status, /^Prometheus unreachable/.test(x.error ?? '')]), [['a', 'error', true], ['b', 'error', true]]);
  });
});
