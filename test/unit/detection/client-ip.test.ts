// Finding 1 of issue 11 (framing through X-Forwarded-For): a forwarded address is believed only through configured
// trusted proxies, for every source and field mapping. Each table row says who sent the request and what it claimed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { clientBehindTrustedPeer, clientFromForwardedList, parseCidrs, resolveClient } from '../../../domain/detection/client-ip';
import { fromEcsDocument, parseTraefikLine, type TraefikClientField } from '../../../domain/detection/records';
import { buildScanSearch, peerPrefixes, resolveMapping, talliesFromAggregations } from '../../../domain/detection/es-aggregation';
import { createWindowClassifier } from '../../../domain/detection/detector';
import { configSchema } from '../../../domain/config';
import { detectorSchema } from '../../../domain/config/detection';

const LB = ['10.0.0.0/24', '2001:db8:1::/64'];
const T0 = Date.parse('2026-11-22T10:00:00Z');

void describe('resolveClient: the rule of forwardedHeaders.trustedIPs', () => {
  const rows: [string, string | undefined, string | undefined, string[], string | undefined][] = [
    // what, direct peer, forwarded list, trusted proxies, client
    ['LAN client spoofing XFF, nothing trusted', '10.0.0.9', '81.2.69.160', [], '10.0.0.9'],
    ['LAN client spoofing XFF, another proxy trusted', '192.168.1.50', '81.2.69.160', LB, '192.168.1.50'],
    ['tailnet (CGNAT) client spoofing XFF', '100.64.3.4', '81.2.69.160', [], '100.64.3.4'],
    ['ULA/VPN client spoofing XFF', 'fd00::5', '2a01:4f8::1', [], 'fd00::5'],
    ['public client spoofing XFF', '45.155.205.233', '81.2.69.160', [], '45.155.205.233'],
    ['trusted proxy forwards the real client', '10.0.0.5', '45.155.205.233', LB, '45.155.205.233'],
    ['client forged the left-most entry; the trusted proxy appended the real peer', '10.0.0.5', '81.2.69.160, 45.155.205.233', LB, '45.155.205.233'],
    ['two trusted hops, then the client', '10.0.0.5', '1.1.1.1, 45.155.205.233, 10.0.0.7', LB, '45.155.205.233'],
    ['untrusted private hop inside the list is the client, not skipped', '10.0.0.5', '81.2.69.160, 192.168.1.50', LB, '192.168.1.50'],
    ['trusted IPv6 proxy', '2001:db8:1::10', '2a01:4f8::bad', LB, '2a01:4f8::bad'],
    ['every hop trusted: the left-most', '10.0.0.5', '10.0.0.8, 10.0.0.7', LB, '10.0.0.8'],
    ['trusted proxy without a forwarded header: the proxy itself', '10.0.0.5', undefined, LB, '10.0.0.5'],
    ['a broken hop behind a trusted proxy: unknown, never guessed', '10.0.0.5', '45.155.205.233, unknown', LB, undefined],
    ['peer with port and brackets', '[2001:db8:1::10]:443', '45.155.205.233', LB, '45.155.205.233'],
    ['no peer: the right-most entry stands in for it', undefined, '81.2.69.160, 10.0.0.9', [], '10.0.0.9'],
    ['no peer, right-most trusted', undefined, '81.2.69.160, 10.0.0.9', LB, '81.2.69.160'],
    ['nothing at all', undefined, undefined, [], undefined],
    ['an absurd chain of trusted hops: unknown', '10.0.0.5', `45.155.205.233, ${Array(40).fill('10.0.0.6').join(', ')}`, LB, undefined],
  ];
  for (const [what, peer, fwd, trusted, want] of rows) {
    void test(what, () => assert.equal(resolveClient(peer, fwd, parseCidrs(trusted)), want));
  }
  void test('without a known peer, private hops are not skipped any more (the old rule framed the forged entry)', () => {
    assert.equal(clientFromForwardedList('81.2.69.160, 10.0.0.9'), '10.0.0.9');
    assert.equal(clientFromForwardedList('81.2.69.160, 100.64.0.1, 192.168.0.1'), '192.168.0.1');
  });
  void test('a list handed over by a peer the server already found trusted', () => {
    assert.equal(clientBehindTrustedPeer('81.2.69.160, 45.155.205.233', parseCidrs(LB)), '45.155.205.233');
    assert.equal(clientBehindTrustedPeer('45.155.205.233, 10.0.0.7', parseCidrs(LB)), '45.155.205.233');
  });
});

void describe('every Traefik client field and ECS follow the rule', () => {
  const line = (o: Record<string, unknown>) => JSON.stringify({ StartUTC: new Date(T0).toISOString(), DownstreamStatus: 404, RequestPath: '/.env', ...o });
  const rows: [string, TraefikClientField, Record<string, unknown>, string[], string | undefined][] = [
    ['ClientHost = spoofed XFF from a LAN peer', 'ClientHost', { ClientAddr: '10.0.0.9:51000', ClientHost: '81.2.69.160' }, [], '10.0.0.9'],
    ['ClientHost = XFF from a trusted proxy', 'ClientHost', { ClientAddr: '10.0.0.5:51000', ClientHost: '45.155.205.233' }, LB, '45.155.205.233'],
    ['ClientHost = direct client', 'ClientHost', { ClientAddr: '45.155.205.233:51000', ClientHost: '45.155.205.233' }, LB, '45.155.205.233'],
    ['request_X-Forwarded-For spoofed by a LAN peer', 'request_X-Forwarded-For', { ClientAddr: '192.168.1.50:1', ClientHost: '81.2.69.160', 'request_X-Forwarded-For': '81.2.69.160' }, LB, '192.168.1.50'],
    ['request_X-Forwarded-For from a trusted proxy', 'request_X-Forwarded-For', { ClientAddr: '10.0.0.5:1', ClientHost: '45.155.205.233', 'request_X-Forwarded-For': '45.155.205.233' }, LB, '45.155.205.233'],
    ['request_X-Forwarded-For absent: the peer', 'request_X-Forwarded-For', { ClientAddr: '45.155.205.233:1', ClientHost: '45.155.205.233' }, LB, '45.155.205.233'],
    ['ClientAddr field ignores the forwarded list', 'ClientAddr', { ClientAddr: '10.0.0.5:1', ClientHost: '45.155.205.233' }, LB, '10.0.0.5'],
  ];
  for (const [what, clientField, fields, trusted, want] of rows) {
    void test(`Traefik JSON: ${what}`, () => {
      const r = parseTraefikLine(line(fields), { clientField, trustedProxies: parseCidrs(trusted) });
      assert.equal(r.ok ? r.record.ip : undefined, want);
    });
  }
  const ecs = (src: string | undefined, fwd: string | string[]) => ({
    '@timestamp': new Date(T0).toISOString(), ...(src ? { source: { ip: src } } : {}), network: { forwarded_ip: fwd },
    http: { response: { status_code: 404 } }, url: { path: '/.env' },
  });
  void test('ECS: network.forwarded_ip only through a trusted source.ip', () => {
    const ip = (d: unknown, trusted: string[]) => { const r = fromEcsDocument(d, undefined, parseCidrs(trusted)); return r.ok ? r.record.ip : r.reason; };
    assert.equal(ip(ecs('10.0.0.9', '81.2.69.160'), []), '10.0.0.9');
    assert.equal(ip(ecs('192.168.1.50', '81.2.69.160'), LB), '192.168.1.50');
    assert.equal(ip(ecs('10.0.0.5', '45.155.205.233'), LB), '45.155.205.233');
    assert.equal(ip(ecs('10.0.0.5', ['81.2.69.160', '45.155.205.233']), LB), '45.155.205.233');
    assert.equal(ip(ecs(undefined, '81.2.69.160'), LB), 'no valid client address');
  });
});

void describe('Elasticsearch aggregation: trusted peers decided server-side, the rest attributed to the peer', () => {
  const detector = detectorSchema.parse({ trustedProxies: LB });
  const classifier = createWindowClassifier(detector);
  const base = { detector, from: new Date(T0).toISOString(), to: new Date(T0 + 60_000).toISOString(), maxIpBuckets: 100, maxPathBuckets: 50 };
  const windows = (n: number) => ({ buckets: [{ key: T0, doc_count: n, paths: { buckets: [{ key: '/.env', doc_count: n, statuses: { buckets: [{ key: 404, doc_count: n }] } }] }, agents: { buckets: [] } }] });

  void test('ECS: only documents from a trusted source.ip are grouped by network.forwarded_ip (CIDR terms on the ip field)', () => {
    const body = buildScanSearch({ ...base, mapping: resolveMapping('ecs') });
    const trustedFilter = { bool: { filter: [{ exists: { field: 'network.forwarded_ip' } }, { terms: { 'source.ip': LB } }] } };
    assert.deepEqual(body.aggs.forwarded.filter, trustedFilter);
    assert.deepEqual(body.aggs.direct.filter, { bool: { must_not: [trustedFilter] } });
    assert.equal(body.aggs.direct.aggs.by_ip.terms.field, 'source.ip');
    const none = buildScanSearch({ ...base, detector: { ...detector, trustedProxies: [] }, mapping: resolveMapping('ecs') });
    assert.equal(none.aggs.forwarded, undefined, 'no trusted proxy: forwarded_ip is never believed');
  });

  void test('raw Traefik: ClientAddr prefixes decide trust; an untrusted peer is the client whatever ClientHost claimed', () => {
    const v4 = ['10.0.0.0/24'];
    const body = buildScanSearch({ ...base, detector: { ...detector, trustedProxies: v4 }, mapping: resolveMapping('traefik-json') });
    assert.equal(body.aggs.direct.aggs.by_ip.aggs.peers.terms.field, 'ClientAddr.keyword');
    assert.ok(body.aggs.forwarded.filter.bool.should.some((q: any) => q.prefix['ClientAddr.keyword'] === '10.0.0.'));
    const summary = talliesFromAggregations({
      direct: { by_ip: { buckets: [
        { key: '81.2.69.160', doc_count: 60, windows: windows(60), peers: { buckets: [{ key: '192.168.1.50:40000', doc_count: 60 }] } },
        { key: '81.2.69.161', doc_count: 60, windows: windows(60), peers: { buckets: [{ key: '192.168.1.50:1', doc_count: 30 }, { key: '192.168.1.51:2', doc_count: 30 }] } },
      ] } },
      forwarded: { by_ip: { buckets: [{ key: '81.2.69.170, 45.155.205.233', doc_count: 60, windows: windows(60) }] } },
    }, 60, classifier, parseCidrs(v4));
    assert.deepEqual(summary.tallies.map((t) => t.ip).sort(), ['192.168.1.50', '45.155.205.233']);
    assert.equal(summary.unparsableKeys, 1, 'two peers claiming one forwarded address: ambiguous, not guessed');
  });

  void test('peer prefixes cover exactly the CIDR; IPv6 ranges are refused for raw Traefik in config', () => {
    assert.deepEqual(peerPrefixes('10.0.0.0/8'), ['10.']);
    assert.deepEqual(peerPrefixes('172.16.0.0/12').length, 16);
    assert.deepEqual(peerPrefixes('172.16.0.0/12')[15], '172.31.');
    assert.deepEqual(peerPrefixes('192.168.1.4/31'), ['192.168.1.4:', '192.168.1.5:']);
    assert.deepEqual(peerPrefixes('2001:db8::1'), ['[2001:db8::1]:']);
    const r = configSchema.safeParse({ detection: { detector: { trustedProxies: ['2001:db8::/64'] }, elasticsearch: { enabled: true, node: 'http://127.0.0.1:9200', fields: 'traefik-json' } } });
    assert.ok(!r.success && /IPv6 proxy must be a single address/.test(r.error.message));
    assert.ok(!configSchema.safeParse({ detection: { detector: { trustedProxies: ['10.0.0.0/33'] } } }).success);
  });
});
