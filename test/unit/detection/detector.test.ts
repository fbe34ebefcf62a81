import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { detectorSchema } from '../../../domain/config/detection';
import { AccessLogDetector, type BehaviourFinding } from '../../../domain/detection/engine';
import { behaviourFindingToSighting } from '../../../domain/detection/finding-sighting';
import { parseTraefikLine, fromEcsDocument, type TraefikParseOptions } from '../../../domain/detection/records';
import { parseCidrs } from '../../../domain/detection/client-ip';

const cfg = detectorSchema.parse({});
const opts: TraefikParseOptions = { clientField: 'ClientHost', trustedProxies: [] };
const T0 = Date.parse('2026-11-22T10:00:00Z');

/** A Traefik JSON access-log line as Traefik writes it (accessLog.format=json, User-Agent header kept). */
function traefikLine(o: { client?: string; addr?: string; t: number; status: number; path: string; ua?: string }): string {
  return JSON.stringify({
    ClientAddr: o.addr ?? ((c) => (c.includes(':') ? `[${c}]:51234` : `${c}:51234`))(o.client ?? '45.155.205.233'),
    ClientHost: o.client ?? '45.155.205.233',
    ClientPort: '51234', ClientUsername: '-', DownstreamContentSize: 19, DownstreamStatus: o.status,
    Duration: 254321, OriginContentSize: 19, OriginDuration: 201000, OriginStatus: o.status, Overhead: 53321,
    RequestAddr: 'shop.example.com', RequestContentSize: 0, RequestCount: 1, RequestHost: 'shop.example.com',
    RequestMethod: 'GET', RequestPath: o.path, RequestPort: '-', RequestProtocol: 'HTTP/1.1', RequestScheme: 'https',
    RetryAttempts: 0, RouterName: 'shop@kubernetescrd', ServiceName: 'shop@kubernetescrd',
    StartLocal: new Date(o.t).toISOString(), StartUTC: new Date(o.t).toISOString().replace('Z', '123456Z'),
    entryPointName: 'websecure', level: 'info', msg: '', time: new Date(o.t).toISOString(),
    ...(o.ua ? { 'request_User-Agent': o.ua } : {}),
  });
}

const PROBES = ['/.env', '/.git/config', '/.git/HEAD', '/wp-config.php', '/config.xml', '/api/v1/secrets', '/backup.zip',
  '/db.sql', '/site.bak', '/.aws/credentials', '/.npmrc', '/.docker/config.json', '/.ssh/id_rsa', '/.env.production',
  '/app/.env', '/api/.env', '/terraform.tfstate', '/.kube/config', '/dump.sql', '/.git/index'];

function feed(det: AccessLogDetector, lines: string[]) {
  let malformed = 0;
  for (const l of lines) {
    const r = parseTraefikLine(l, opts);
    if (r.ok) det.add(r.record);
    else malformed++;
  }
  return malformed;
}

function scan(n: number, o: { client?: string; addr?: string; ua?: string; start?: number; spacingMs?: number; status?: number; paths?: string[] } = {}) {
  const paths = o.paths ?? PROBES;
  return Array.from({ length: n }, (_, i) => traefikLine({
    client: o.client, addr: o.addr, t: (o.start ?? T0) + i * (o.spacingMs ?? 500), status: o.status ?? [404, 403, 401][i % 3],
    path: paths[i % paths.length], ua: o.ua,
  }));
}

/** Findings of one behaviour (default: the secrets scan). */
const of = (fs: BehaviourFinding[], b: BehaviourFinding['behaviour'] = 'secrets-scan') => fs.filter((f) => f.behaviour === b);
/** Addresses with an observed attack (any behaviour at its trigger level). */
const confirmedIps = (fs: BehaviourFinding[]) => [...new Set(fs.filter((f) => f.confirmed).map((f) => f.ip))];

void describe('secrets-scan detector over Traefik JSON lines', () => {
  const cases: { name: string; lines: () => string[]; expectIps: string[]; minScore?: number }[] = [
    { name: 'a scan above the threshold (60 hits in one minute, plain UA)', lines: () => scan(60, { ua: 'Mozilla/5.0' }), expectIps: ['45.155.205.233'], minScore: 80 },
    { name: 'a scan at exactly the threshold (50 hits) does not trigger', lines: () => scan(50, { ua: 'Mozilla/5.0', spacingMs: 1000 }), expectIps: [] },
    { name: 'a scan spread below the rate (60 hits over 2 minutes) does not trigger', lines: () => scan(60, { spacingMs: 2000, start: T0 }), expectIps: [] },
    { name: 'a scanner UA at a low rate (6 hits) is an observed attack', lines: () => scan(6, { ua: 'Mozilla/5.0 (compatible; Nuclei - Open-source project (github.com/projectdiscovery/nuclei))', spacingMs: 5000 }), expectIps: ['45.155.205.233'], minScore: 80 },
    { name: 'a scanner UA with only 4 hits is recorded, not an observed attack', lines: () => scan(4, { ua: 'trufflehog/3.63', spacingMs: 5000 }), expectIps: [] },
    {
      name: 'legitimate 401s on a login page (200 in a minute) do not trigger',
      lines: () => Array.from({ length: 200 }, (_, i) => traefikLine({ client: '81.2.69.160', t: T0 + i * 250, status: 401, path: i % 2 ? '/login' : '/api/auth/login?next=%2Fadmin', ua: 'Mozilla/5.0' })),
      expectIps: [],
    },
    {
      name: 'one client retrying one secrets endpoint with a stale token does not trigger',
      lines: () => Array.from({ length: 120 }, (_, i) => traefikLine({ client: '81.2.69.161', t: T0 + i * 400, status: 401, path: '/api/v1/secrets/db', ua: 'app-sync/2.1' })),
      expectIps: [],
    },
    {
      name: '200s and 301/302s on sensitive paths count too (a leak, a catch-all page, an HTTP→HTTPS entrypoint)',
      lines: () => [...scan(40, { status: 200 }), ...scan(30, { status: 302, start: T0 + 20_000, spacingMs: 300 })], expectIps: ['45.155.205.233'], minScore: 80,
    },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      const det = new AccessLogDetector(cfg);
      assert.equal(feed(det, c.lines()), 0);
      const findings = det.collect();
      assert.deepEqual(confirmedIps(findings), c.expectIps);
      if (c.minScore) assert.ok(Math.max(...findings.map((f) => f.score)) >= c.minScore, JSON.stringify(findings.map((f) => [f.behaviour, f.score])));
    });
  }

  void test('path statuses are configurable: without 200 in the list, 200s on sensitive paths do not count', () => {
    const det = new AccessLogDetector(detectorSchema.parse({ statuses: { paths: [401, 403, 404] } }));
    feed(det, scan(80, { status: 200 }));
    assert.deepEqual(det.collect(), []);
  });

  void test('404 counting is configurable', () => {
    const det = new AccessLogDetector(detectorSchema.parse({ count404: false }));
    feed(det, scan(90, { status: 404 }));
    assert.equal(of(det.collect()).length, 0);
  });

  void test('X-Forwarded-For list in ClientHost behind a trusted load balancer: the right-most untrusted hop is the client', () => {
    const trusted = parseCidrs(['10.0.0.0/24']);
    const det = new AccessLogDetector(cfg);
    // The scanner forged "1.1.1.1"; the edge proxy appended the real peer; the load balancer (ClientAddr) is trusted.
    for (const l of scan(60, { client: '1.1.1.1, 45.155.205.233, 10.0.0.5', addr: '10.0.0.6:40000' })) {
      const r = parseTraefikLine(l, { clientField: 'ClientHost', trustedProxies: trusted });
      if (r.ok) det.add(r.record);
    }
    const [f] = of(det.collect());
    assert.equal(f.ip, '45.155.205.233');
  });

  void test('trusted proxies are skipped in X-Forwarded-For lists; without them the peer is the client', () => {
    const trusted = parseCidrs(['81.2.69.0/24']);
    const l = traefikLine({ client: '45.155.205.233, 81.2.69.10', addr: '81.2.69.11:443', t: T0, status: 404, path: '/.env' });
    const r = parseTraefikLine(l, { clientField: 'ClientHost', trustedProxies: trusted });
    assert.equal(r.ok && r.record.ip, '45.155.205.233');
    const untrusted = parseTraefikLine(l, { clientField: 'ClientHost', trustedProxies: [] });
    assert.equal(untrusted.ok && untrusted.record.ip, '81.2.69.11');
  });

  void test('IPv6 clients are canonicalised (compressed, lower-case; IPv4-mapped → IPv4)', () => {
    const det = new AccessLogDetector(cfg);
    const lines = [
      ...scan(30, { client: '2A01:04F8:0000:0000:0000:0000:0000:0BAD' }),
      ...scan(30, { client: '2a01:4f8::bad', start: T0 + 20 }),
      ...scan(6, { client: '::ffff:45.155.205.234', ua: 'sqlmap/1.7' }),
    ].sort((a, b) => (JSON.parse(a) as { StartLocal: string }).StartLocal.localeCompare((JSON.parse(b) as { StartLocal: string }).StartLocal));
    const malformed = feed(det, lines);
    assert.equal(malformed, 0);
    const ips = confirmedIps(det.collect()).sort();
    assert.deepEqual(ips, ['2a01:4f8::bad', '45.155.205.234']);
  });

  void test('ClientAddr "[v6]:port" is parsed when configured as the client field', () => {
    const r = parseTraefikLine(traefikLine({ addr: '[2a01:4f8::1]:443', client: '10.0.0.1', t: T0, status: 404, path: '/.env' }), { clientField: 'ClientAddr', trustedProxies: [] });
    assert.ok(r.ok && r.record.ip === '2a01:4f8::1');
  });

  void test('URL-encoded, double-encoded and dot-segment paths count as the sensitive path they resolve to', () => {
    const evasive = ['/%2eenv', '/%252eenv', '/static/../.env', '/./.git/./config', '//.git//HEAD', '/a/b/../../wp-config.php',
      '/%2E%67%69%74/config', '/.ENV', '/.env%00.jpg', '/.env;x=1', '/..%2f.aws/credentials', '/x\\..\\.npmrc', '/.env?foo=bar'];
    const det = new AccessLogDetector(cfg);
    feed(det, scan(60, { paths: evasive }));
    const [f] = of(det.collect());
    assert.ok(f, 'evasive probes must trigger');
    assert.equal(f.tally.requests, 60);
    for (const p of ['/.env', '/.git/config', '/.git/head', '/wp-config.php', '/.aws/credentials', '/.npmrc']) assert.ok(f.tally.distinct.includes(p), p);
  });

  void test('malformed lines are skipped and counted; good lines around them still count', () => {
    const det = new AccessLogDetector(cfg);
    const lines = scan(60);
    lines.splice(10, 0, '{"ClientHost": "45.155.205.233", "DownstreamStatus": 404', 'not json at all', '',
      JSON.stringify({ ClientHost: 'not-an-ip', StartUTC: new Date(T0).toISOString(), DownstreamStatus: 404, RequestPath: '/.env' }),
      JSON.stringify({ ClientHost: '45.155.205.233', StartUTC: 'yesterday', DownstreamStatus: 404, RequestPath: '/.env' }),
      JSON.stringify({ ClientHost: '45.155.205.233', StartUTC: new Date(T0).toISOString(), DownstreamStatus: 'x', RequestPath: '/.env' }),
      '[1,2,3]');
    assert.equal(feed(det, lines), 7);
    assert.equal(of(det.collect()).length, 1);
  });

  void test('a finding is reported once per score step, even when the scan keeps growing, and the state survives a JSON round trip', () => {
    const det = new AccessLogDetector(cfg);
    feed(det, scan(55, { spacingMs: 100 }));
    assert.equal(of(det.collect()).length, 1, 'reported as soon as it crosses the threshold');
    const restored = new AccessLogDetector(cfg, JSON.parse(JSON.stringify(det.state())) as ReturnType<AccessLogDetector['state']>);
    feed(restored, scan(20, { start: T0 + 10_000, spacingMs: 100 }));
    assert.equal(of(restored.collect()).length, 0, 'same score step: not reported again');
    feed(restored, scan(60, { start: T0 + 12_000, spacingMs: 50 }));
    assert.equal(of(restored.collect()).length, 1, 'a higher score (2x the rate) is reported');
  });

  void test('the sighting carries evidence: sample paths, UAs, counts, first/last seen, score reasons; no feed reputation claimed', () => {
    const det = new AccessLogDetector(cfg);
    feed(det, scan(120, { ua: 'Nuclei - Open-source project', spacingMs: 400 }));
    const [f] = of(det.collect());
    const s = behaviourFindingToSighting(f, 'traefik-file', cfg);
    assert.equal(s.source, 'traefik-file');
    assert.equal(s.direction, 'inbound');
    assert.equal(s.knownBad, undefined);
    assert.equal(s.observedAttack, true);
    assert.equal(s.evidence.windowStart, '2026-11-22T10:00:00.000Z');
    assert.equal(s.evidence.windowEnd, new Date(T0 + 119 * 400).toISOString());
    assert.equal(s.evidence.requestCount, 120);
    assert.equal(s.evidence.paths!.length, 20);
    assert.deepEqual(s.evidence.userAgents, ['Nuclei - Open-source project']);
    assert.deepEqual(s.evidence.statusCounts, { 401: 40, 403: 40, 404: 40 });
    assert.equal(s.score, 80 + 5 + 5 + 5);
    assert.match(String(s.evidence.extra!.scoring), /tooling \+5/);
  });
});

void describe('detector over ECS documents', () => {
  const ecs = (i: number, o: { source?: string; fwd?: string; ua?: string; path?: string; status?: number } = {}) => ({
    '@timestamp': new Date(T0 + i * 500).toISOString(),
    source: { ip: o.source ?? '45.155.205.233', address: o.source ?? '45.155.205.233' },
    ...(o.fwd ? { network: { forwarded_ip: o.fwd } } : {}),
    http: { request: { method: 'GET' }, response: { status_code: o.status ?? 404 } },
    url: { path: o.path ?? PROBES[i % PROBES.length], original: `https://shop.example.com${o.path ?? PROBES[i % PROBES.length]}` },
    user_agent: { original: o.ua ?? 'Mozilla/5.0' },
    event: { dataset: 'traefik.access' },
  });

  void test('network.forwarded_ip names the client behind a trusted proxy', () => {
    const det = new AccessLogDetector(cfg);
    for (let i = 0; i < 60; i++) {
      const r = fromEcsDocument(ecs(i, { source: '10.0.0.7', fwd: '2a01:4f8::dead' }), undefined, parseCidrs(['10.0.0.7']));
      assert.ok(r.ok);
      if (r.ok) det.add(r.record);
    }
    assert.deepEqual(of(det.collect()).map((f) => f.ip), ['2a01:4f8::dead']);
  });

  void test('flattened ECS keys ("source.ip") parse the same as nested ones', () => {
    const r = fromEcsDocument({ '@timestamp': new Date(T0).toISOString(), 'source.ip': '45.155.205.233', 'http.response.status_code': 403, 'url.path': '/.env', 'user_agent.original': 'gitleaks' });
    assert.ok(r.ok && r.record.ip === '45.155.205.233' && r.record.status === 403 && r.record.userAgent === 'gitleaks');
  });

  void test('above/below threshold and scanner UA at low rate', () => {
    const run = (docs: unknown[]) => {
      const det = new AccessLogDetector(cfg);
      for (const d of docs) {
        const r = fromEcsDocument(d);
        if (r.ok) det.add(r.record);
      }
      return confirmedIps(det.collect()).length;
    };
    assert.equal(run(Array.from({ length: 56 }, (_, i) => ecs(i))), 1);
    assert.equal(run(Array.from({ length: 50 }, (_, i) => ecs(i))), 0);
    assert.equal(run(Array.from({ length: 5 }, (_, i) => ecs(i, { ua: 'gitleaks/8.18' }))), 1);
    assert.equal(run(Array.from({ length: 100 }, (_, i) => ecs(i, { path: '/login', status: 401 }))), 0);
  });

  void test('malformed ECS documents are rejected with a reason', () => {
    assert.deepEqual(fromEcsDocument({ '@timestamp': 'x', source: { ip: '1.2.3.4' } }), { ok: false, reason: 'no valid timestamp' });
    assert.deepEqual(fromEcsDocument({ source: { ip: 'x' } }), { ok: false, reason: 'no valid client address' });
    assert.deepEqual(fromEcsDocument([]), { ok: false, reason: 'not a JSON object' });
  });
});
