import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import ipaddr from 'ipaddr.js';
import { cidrContains, normaliseIp } from '../../../domain/ip';
import {
  classifyNeverBlock, protectedCidrProblem, validateNeverBlockContext, type NeverBlockContext, type NeverBlockResult,
} from '../../../domain/never-block';
import {
  IPV4_SPECIAL_PURPOSE_RANGES, IPV6_RESERVED_SPACE, IPV6_SPECIAL_PURPOSE_RANGES, SPECIAL_PURPOSE_RANGES,
} from '../../../domain/special-purpose-ranges';

const EMPTY: NeverBlockContext = { ownNetworks: [], infrastructure: [], allowlist: [], now: '2026-06-01T12:00:00Z' };

function special(ip: string): NeverBlockResult {
  return classifyNeverBlock(ip, EMPTY);
}

// Hand-written boundaries: [address, the most specific special-purpose range that must be reported, or null for
// ordinary public space]. Written out by hand (not derived from the table) so a typo in the table shows up here.
const V4_BOUNDARIES: [string, string | null][] = [
  ['0.0.0.0', '0.0.0.0/32'],
  ['0.0.0.1', '0.0.0.0/8'],
  ['0.255.255.255', '0.0.0.0/8'],
  ['1.0.0.0', null],
  ['9.255.255.255', null],
  ['10.0.0.0', '10.0.0.0/8'],
  ['10.255.255.255', '10.0.0.0/8'],
  ['11.0.0.0', null],
  ['100.63.255.255', null],
  ['100.64.0.0', '100.64.0.0/10'],
  ['100.127.255.255', '100.64.0.0/10'],
  ['100.128.0.0', null],
  ['126.255.255.255', null],
  ['127.0.0.0', '127.0.0.0/8'],
  ['127.0.0.1', '127.0.0.0/8'],
  ['127.255.255.255', '127.0.0.0/8'],
  ['128.0.0.0', null],
  ['169.253.255.255', null],
  ['169.254.0.0', '169.254.0.0/16'],
  ['169.254.169.254', '169.254.0.0/16'],
  ['169.254.255.255', '169.254.0.0/16'],
  ['169.255.0.0', null],
  ['172.15.255.255', null],
  ['172.16.0.0', '172.16.0.0/12'],
  ['172.31.255.255', '172.16.0.0/12'],
  ['172.32.0.0', null],
  ['191.255.255.255', null],
  ['192.0.0.0', '192.0.0.0/29'],
  ['192.0.0.7', '192.0.0.0/29'],
  ['192.0.0.8', '192.0.0.8/32'],
  ['192.0.0.9', '192.0.0.9/32'],
  ['192.0.0.10', '192.0.0.10/32'],
  ['192.0.0.11', '192.0.0.0/24'],
  ['192.0.0.169', '192.0.0.0/24'],
  ['192.0.0.170', '192.0.0.170/32'],
  ['192.0.0.171', '192.0.0.171/32'],
  ['192.0.0.172', '192.0.0.0/24'],
  ['192.0.0.255', '192.0.0.0/24'],
  ['192.0.1.0', null],
  ['192.0.1.255', null],
  ['192.0.2.0', '192.0.2.0/24'],
  ['192.0.2.255', '192.0.2.0/24'],
  ['192.0.3.0', null],
  ['192.31.195.255', null],
  ['192.31.196.0', '192.31.196.0/24'],
  ['192.31.196.255', '192.31.196.0/24'],
  ['192.31.197.0', null],
  ['192.52.192.255', null],
  ['192.52.193.0', '192.52.193.0/24'],
  ['192.52.193.255', '192.52.193.0/24'],
  ['192.52.194.0', null],
  ['192.88.98.255', null],
  ['192.88.99.0', '192.88.99.0/24'],
  ['192.88.99.1', '192.88.99.0/24'],
  ['192.88.99.2', '192.88.99.2/32'],
  ['192.88.99.3', '192.88.99.0/24'],
  ['192.88.99.255', '192.88.99.0/24'],
  ['192.88.100.0', null],
  ['192.167.255.255', null],
  ['192.168.0.0', '192.168.0.0/16'],
  ['192.168.1.1', '192.168.0.0/16'],
  ['192.168.255.255', '192.168.0.0/16'],
  ['192.169.0.0', null],
  ['192.175.47.255', null],
  ['192.175.48.0', '192.175.48.0/24'],
  ['192.175.48.255', '192.175.48.0/24'],
  ['192.175.49.0', null],
  ['198.17.255.255', null],
  ['198.18.0.0', '198.18.0.0/15'],
  ['198.19.255.255', '198.18.0.0/15'],
  ['198.20.0.0', null],
  ['198.51.99.255', null],
  ['198.51.100.0', '198.51.100.0/24'],
  ['198.51.100.255', '198.51.100.0/24'],
  ['198.51.101.0', null],
  ['203.0.112.255', null],
  ['203.0.113.0', '203.0.113.0/24'],
  ['203.0.113.255', '203.0.113.0/24'],
  ['203.0.114.0', null],
  ['223.255.255.255', null],
  ['224.0.0.0', '224.0.0.0/4'],
  ['224.0.0.251', '224.0.0.0/4'],
  ['239.255.255.255', '224.0.0.0/4'],
  ['240.0.0.0', '240.0.0.0/4'],
  ['255.255.255.254', '240.0.0.0/4'],
  ['255.255.255.255', '255.255.255.255/32'],
];

const MAX = 'ffff:ffff:ffff:ffff:ffff';
const V6_BOUNDARIES: [string, string | null][] = [
  ['::', '::/128'],
  ['::1', '::1/128'],
  ['::2', '::/8'],
  ['::102:304', '::/8'], // IPv4-compatible (deprecated): reserved, not the IPv4 host
  [`ff:ffff:ffff:${MAX}`, '::/8'],
  ['64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff', '::/8'],
  ['64:ff9b::', '64:ff9b::/96'],
  ['64:ff9b::808:808', '64:ff9b::/96'],
  ['64:ff9b::ffff:ffff', '64:ff9b::/96'],
  ['64:ff9b::1:0:0', '::/8'],
  ['64:ff9b:1::', '64:ff9b:1::/48'],
  [`64:ff9b:1:${MAX}`, '64:ff9b:1::/48'],
  ['64:ff9b:2::', '::/8'],
  ['100::', '100::/64'],
  ['100::ffff:ffff:ffff:ffff', '100::/64'],
  ['100:0:0:1::', '100:0:0:1::/64'],
  ['100::1:ffff:ffff:ffff:ffff', '100:0:0:1::/64'],
  ['100:0:0:2::', '100::/8'],
  [`1ff:ffff:ffff:${MAX}`, '100::/8'],
  ['200::', '200::/7'],
  [`3ff:ffff:ffff:${MAX}`, '200::/7'],
  ['400::', '400::/6'],
  ['800::', '800::/5'],
  ['1000::', '1000::/4'],
  [`1fff:ffff:ffff:${MAX}`, '1000::/4'],
  ['2000::', null],
  [`2000:ffff:ffff:${MAX}`, null],
  ['2001::', '2001::/32'],
  ['2001::53', '2001::/32'],
  [`2001:0:ffff:${MAX}`, '2001::/32'],
  ['2001:1::', '2001::/23'],
  ['2001:1::1', '2001:1::1/128'],
  ['2001:1::2', '2001:1::2/128'],
  ['2001:1::3', '2001:1::3/128'],
  ['2001:1::4', '2001::/23'],
  ['2001:2::', '2001:2::/48'],
  [`2001:2:0:${MAX}`, '2001:2::/48'],
  ['2001:2:1::', '2001::/23'],
  ['2001:3::', '2001:3::/32'],
  [`2001:3:ffff:${MAX}`, '2001:3::/32'],
  ['2001:4:111:ffff:ffff:ffff:ffff:ffff', '2001::/23'],
  ['2001:4:112::', '2001:4:112::/48'],
  [`2001:4:112:${MAX}`, '2001:4:112::/48'],
  ['2001:4:113::', '2001::/23'],
  ['2001:f:ffff:ffff:ffff:ffff:ffff:ffff', '2001::/23'],
  ['2001:10::', '2001:10::/28'],
  [`2001:1f:ffff:${MAX}`, '2001:10::/28'],
  ['2001:20::', '2001:20::/28'],
  [`2001:2f:ffff:${MAX}`, '2001:20::/28'],
  ['2001:30::', '2001:30::/28'],
  [`2001:3f:ffff:${MAX}`, '2001:30::/28'],
  ['2001:40::', '2001::/23'],
  [`2001:1ff:ffff:${MAX}`, '2001::/23'],
  ['2001:200::', null],
  [`2001:db7:ffff:${MAX}`, null],
  ['2001:db8::', '2001:db8::/32'],
  ['2001:db8::1', '2001:db8::/32'],
  [`2001:db8:ffff:${MAX}`, '2001:db8::/32'],
  ['2001:db9::', null],
  [`2001:ffff:ffff:${MAX}`, null],
  ['2002::', '2002::/16'],
  ['2002:c000:204::1', '2002::/16'],
  [`2002:ffff:ffff:${MAX}`, '2002::/16'],
  ['2003::', null],
  [`2620:4f:7fff:${MAX}`, null],
  ['2620:4f:8000::', '2620:4f:8000::/48'],
  [`2620:4f:8000:${MAX}`, '2620:4f:8000::/48'],
  ['2620:4f:8001::', null],
  [`3ffe:ffff:ffff:${MAX}`, null],
  ['3fff::', '3fff::/20'],
  [`3fff:fff:ffff:${MAX}`, '3fff::/20'],
  ['3fff:1000::', null],
  [`3fff:ffff:ffff:${MAX}`, null],
  ['4000::', '4000::/3'],
  [`5eff:ffff:ffff:${MAX}`, '4000::/3'],
  ['5f00::', '5f00::/16'],
  [`5f00:ffff:ffff:${MAX}`, '5f00::/16'],
  ['5f01::', '4000::/3'],
  ['6000::', '6000::/3'],
  ['8000::', '8000::/3'],
  ['a000::', 'a000::/3'],
  ['c000::', 'c000::/3'],
  ['e000::', 'e000::/4'],
  ['f000::', 'f000::/5'],
  ['f800::', 'f800::/6'],
  [`fbff:ffff:ffff:${MAX}`, 'f800::/6'],
  ['fc00::', 'fc00::/7'],
  ['fd12:3456:789a::1', 'fc00::/7'],
  [`fdff:ffff:ffff:${MAX}`, 'fc00::/7'],
  ['fe00::', 'fe00::/9'],
  [`fe7f:ffff:ffff:${MAX}`, 'fe00::/9'],
  ['fe80::', 'fe80::/10'],
  ['fe80::1', 'fe80::/10'],
  [`febf:ffff:ffff:${MAX}`, 'fe80::/10'],
  ['fec0::', 'fec0::/10'],
  [`feff:ffff:ffff:${MAX}`, 'fec0::/10'],
  ['ff00::', 'ff00::/8'],
  ['ff02::1', 'ff00::/8'],
  ['ff05::1:3', 'ff00::/8'],
  [`ffff:ffff:ffff:${MAX}`, 'ff00::/8'],
];

void describe('classifyNeverBlock: special-purpose boundaries', () => {
  for (const [ip, range] of [...V4_BOUNDARIES, ...V6_BOUNDARIES]) {
    void it(`${ip} → ${range ?? 'public'}`, () => {
      const result = special(ip);
      if (range === null) {
        assert.deepEqual(result, { neverBlock: false });
      } else {
        assert.equal(result.neverBlock, true);
        assert.ok(result.neverBlock);
        assert.equal(result.category, 'special-purpose');
        assert.equal(result.range, range);
        assert.ok(result.reason.includes(range), result.reason);
      }
    });
  }
});

/** First and last address of a range, and the neighbours just outside it (undefined past the ends of the space). */
function edges(cidr: string) {
  const [net, prefix] = ipaddr.parseCIDR(cidr);
  const bits = net.kind() === 'ipv4' ? 32 : 128;
  const toBig = (a: ipaddr.IPv4 | ipaddr.IPv6) => a.toByteArray().reduce((n, b) => (n << 8n) | BigInt(b), 0n);
  const fromBig = (n: bigint) => {
    const bytes: number[] = [];
    for (let i = 0; i < bits / 8; i++) { bytes.unshift(Number(n & 0xffn)); n >>= 8n; }
    return ipaddr.fromByteArray(bytes);
  };
  const text = (a: ipaddr.IPv4 | ipaddr.IPv6) => (a.kind() === 'ipv4' ? a.toString() : (a as ipaddr.IPv6).toRFC5952String());
  const first = toBig(net);
  const last = first + (1n << BigInt(bits - prefix)) - 1n;
  const top = (1n << BigInt(bits)) - 1n;
  return {
    first: text(fromBig(first)),
    last: text(fromBig(last)),
    before: first > 0n ? text(fromBig(first - 1n)) : undefined,
    after: last < top ? text(fromBig(last + 1n)) : undefined,
  };
}

void describe('classifyNeverBlock: every table entry (generated from the table)', () => {
  for (const entry of SPECIAL_PURPOSE_RANGES) {
    if (entry.cidr === '::ffff:0:0/96') continue; // mapped addresses are their IPv4 host; tested below
    const { first, last, before, after } = edges(entry.cidr);
    void it(`${entry.cidr} (${entry.name}): ${first} … ${last} protected; reported range lies inside it`, () => {
      for (const ip of [first, last]) {
        const result = special(ip);
        assert.ok(result.neverBlock && result.category === 'special-purpose', `${ip}: ${JSON.stringify(result)}`);
        // the reported range is this entry or a more specific one nested in it
        assert.ok(result.range && cidrContains(entry.cidr, result.range.split('/')[0]), `${ip} → ${result.range}`);
        assert.ok(result.reason.includes(entry.rfc) || result.range !== entry.cidr, result.reason);
      }
    });
    void it(`${entry.cidr}: neighbours ${before ?? '-'} / ${after ?? '-'} are not reported as this range`, () => {
      for (const ip of [before, after]) {
        if (ip === undefined) continue;
        assert.equal(cidrContains(entry.cidr, ip), false);
        const result = special(ip);
        if (result.neverBlock) assert.notEqual(result.range, entry.cidr, `${ip} reported as ${entry.cidr}`);
      }
    });
  }
});

void describe('special-purpose table', () => {
  void it('every entry is canonical, unique, names its RFC, and has the right address family', () => {
    const seen = new Set<string>();
    for (const entry of SPECIAL_PURPOSE_RANGES) {
      assert.ok(!seen.has(entry.cidr), `duplicate ${entry.cidr}`);
      seen.add(entry.cidr);
      assert.match(entry.rfc, /^RFC \d+/);
      const [net, prefix] = ipaddr.parseCIDR(entry.cidr);
      const text = net.kind() === 'ipv4' ? net.toString() : (net as ipaddr.IPv6).toRFC5952String();
      assert.equal(`${text}/${prefix}`, entry.cidr, 'canonical text with host bits zero');
      assert.equal(ipaddr.parse(text).toByteArray().join(), ipaddr.IPv4.isValid(text)
        ? ipaddr.IPv4.networkAddressFromCIDR(entry.cidr).toByteArray().join()
        : ipaddr.IPv6.networkAddressFromCIDR(entry.cidr).toByteArray().join());
    }
    for (const e of IPV4_SPECIAL_PURPOSE_RANGES) assert.ok(!e.cidr.includes(':'), e.cidr);
    for (const e of [...IPV6_SPECIAL_PURPOSE_RANGES, ...IPV6_RESERVED_SPACE]) assert.ok(e.cidr.includes(':'), e.cidr);
  });

  void it('contains every range the IANA registries list (IPv4 and IPv6)', () => {
    const required = [
      '0.0.0.0/8', '0.0.0.0/32', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12',
      '192.0.0.0/24', '192.0.0.0/29', '192.0.0.8/32', '192.0.0.9/32', '192.0.0.10/32', '192.0.0.170/32',
      '192.0.0.171/32', '192.0.2.0/24', '192.31.196.0/24', '192.52.193.0/24', '192.88.99.0/24', '192.168.0.0/16',
      '192.175.48.0/24', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
      '255.255.255.255/32',
      '::/128', '::1/128', '::ffff:0:0/96', '64:ff9b::/96', '64:ff9b:1::/48', '100::/64', '100:0:0:1::/64',
      '2001::/23', '2001::/32', '2001:1::1/128', '2001:1::2/128', '2001:1::3/128', '2001:2::/48', '2001:3::/32',
      '2001:4:112::/48', '2001:10::/28', '2001:20::/28', '2001:30::/28', '2001:db8::/32', '2002::/16',
      '2620:4f:8000::/48', '3fff::/20', '5f00::/16', 'fc00::/7', 'fe80::/10', 'fec0::/10', 'ff00::/8',
    ];
    const have = new Set(SPECIAL_PURPOSE_RANGES.map((e) => e.cidr));
    for (const cidr of required) assert.ok(have.has(cidr), `missing ${cidr}`);
  });

  void it('together with 2000::/3 the IPv6 table covers the whole IPv6 space outside global unicast', () => {
    // Probe the first and last address of every /8 outside 2000::/3.
    for (let top = 0; top < 256; top++) {
      if (top >= 0x20 && top < 0x40) continue;
      for (const ip of [`${top.toString(16)}00::`, `${top.toString(16)}ff:ffff:ffff:${MAX}`]) {
        const result = special(ip);
        assert.ok(result.neverBlock && result.category === 'special-purpose', `${ip} not covered`);
      }
    }
  });

  void it('globally reachable entries are still never-block, and say why', () => {
    const reachable = SPECIAL_PURPOSE_RANGES.filter((e) => e.globallyReachable);
    assert.ok(reachable.length >= 10);
    for (const entry of reachable) {
      const result = special(edges(entry.cidr).first);
      assert.ok(result.neverBlock, entry.cidr);
      if (result.range === entry.cidr) assert.match(result.reason, /shared global service/);
    }
    const as112 = special('192.31.196.1');
    assert.ok(as112.neverBlock);
    assert.match(as112.reason, /AS112-v4, RFC 7535.*blocking it would break infrastructure/);
  });
});

void describe('classifyNeverBlock: IPv4-mapped IPv6 is judged as its IPv4 host', () => {
  const cases: [string, string | null][] = [
    ['::ffff:10.0.0.1', '10.0.0.0/8'],
    ['::FFFF:10.0.0.1', '10.0.0.0/8'],
    ['::ffff:a00:1', '10.0.0.0/8'],
    ['[::ffff:10.0.0.1]', '10.0.0.0/8'],
    ['::ffff:192.168.1.1', '192.168.0.0/16'],
    ['::ffff:172.16.0.1', '172.16.0.0/12'],
    ['::ffff:127.0.0.1', '127.0.0.0/8'],
    ['::ffff:7f00:1', '127.0.0.0/8'],
    ['::ffff:169.254.169.254', '169.254.0.0/16'],
    ['::ffff:100.64.0.1', '100.64.0.0/10'],
    ['::ffff:0.0.0.0', '0.0.0.0/32'],
    ['::ffff:255.255.255.255', '255.255.255.255/32'],
    ['::ffff:8.8.8.8', null],
    ['::ffff:1.1.1.1', null],
  ];
  for (const [ip, range] of cases) {
    void it(`${ip} → ${range ?? 'public IPv4'}`, () => {
      const result = special(ip);
      if (range === null) assert.deepEqual(result, { neverBlock: false });
      else assert.ok(result.neverBlock && result.category === 'special-purpose' && result.range === range,
        JSON.stringify(result));
    });
  }
});

const PUBLIC = [
  '1.1.1.1', '8.8.8.8', '8.8.4.4', '9.9.9.9', '45.33.32.156', '93.184.216.34', '104.16.0.1', '151.101.1.69',
  '185.220.101.1', '194.25.0.60', ' 77.88.8.8 ', '223.5.5.5',
  '2606:4700:4700::1111', '2001:4860:4860::8888', '2a00:1450:4001:81b::200e', '2620:fe::fe', '2a01:4f8::1',
  '2c0f:fb50:4003::1', '2400:cb00::1', '2001:200::1', '2003:e0::1', '[2a02:26f0::1]',
];

void describe('classifyNeverBlock: ordinary public addresses are blockable', () => {
  for (const ip of PUBLIC) {
    void it(`${ip.trim()} is not never-block`, () => assert.deepEqual(special(ip), { neverBlock: false }));
  }
  void it('…unless the deployment lists a public address as infrastructure (8.8.8.8 as its resolver)', () => {
    const ctx = { ...EMPTY, infrastructure: ['8.8.8.8'] };
    assert.deepEqual(classifyNeverBlock('8.8.8.8', ctx), {
      neverBlock: true, category: 'infrastructure', reason: '8.8.8.8 is infrastructure (8.8.8.8/32)', range: '8.8.8.8/32',
    });
    assert.deepEqual(classifyNeverBlock('8.8.4.4', ctx), { neverBlock: false });
  });
});

void describe('classifyNeverBlock: malformed values are never blocked', () => {
  const cases: [string, RegExp][] = [
    ['', /empty/],
    ['junk', /not an IP address/],
    ['10.0.0.0/8', /is a network/],
    ['1.2.3.0/24', /is a network/],
    ['010.0.0.1', /leading zero/],
    ['127.1', /four dotted decimal octets/],
    ['fe80::1%eth0', /zone id/],
    ['1.2.3.4:80', /port/],
    ['1.2.3.4; rm -rf /', /whitespace|not an IP/],
    ['$(reboot)', /not an IP address/],
  ];
  for (const [ip, reason] of cases) {
    void it(`${JSON.stringify(ip)} → malformed (${reason.source})`, () => {
      const result = classifyNeverBlock(ip, EMPTY);
      assert.ok(result.neverBlock && result.category === 'malformed', JSON.stringify(result));
      assert.match(result.reason, reason);
      assert.equal(result.range, undefined);
    });
  }
});

const CTX: NeverBlockContext = {
  ownNetworks: ['203.0.114.0/24', '2a01:4f8:c0c:1234::/64', '::ffff:45.10.0.0/112'],
  infrastructure: ['198.51.99.10', '93.184.216.0/28', '2001:4860:4860::8888', '[2606:4700::6810:84e5]'],
  allowlist: [
    { cidr: '151.101.0.0/16', description: 'Fastly egress' },
    { cidr: '185.199.108.0/22', description: 'GitHub Pages', expiresAt: '2026-06-01T12:00:00Z' },
    { cidr: '140.82.112.0/20', expiresAt: '2026-06-01T12:00:00.001Z' },
    { cidr: '2a00:1450::/32', description: 'Google', expiresAt: '2026-07-01T00:00:00+02:00' },
    { cidr: '13.107.0.0/16', expiresAt: '2026-06-01T13:00:00+02:00' }, // = 11:00Z, already past
    { cidr: '52.0.0.0/8', expiresAt: 'next tuesday' }, // unparseable: keeps protecting, reported by validation
    { cidr: 'not-a-cidr', description: 'ignored when classifying, reported by validation' },
  ],
  now: '2026-06-01T12:00:00Z',
};

void describe('classifyNeverBlock: operator lists', () => {
  const cases: [string, NeverBlockResult][] = [
    ['203.0.114.0', { neverBlock: true, category: 'own-network', reason: '203.0.114.0 is in own network 203.0.114.0/24', range: '203.0.114.0/24' }],
    ['203.0.114.255', { neverBlock: true, category: 'own-network', reason: '203.0.114.255 is in own network 203.0.114.0/24', range: '203.0.114.0/24' }],
    ['203.0.115.0', { neverBlock: false }],
    ['::ffff:203.0.114.9', { neverBlock: true, category: 'own-network', reason: '203.0.114.9 is in own network 203.0.114.0/24', range: '203.0.114.0/24' }],
    ['2a01:4f8:c0c:1234:ffff::1', { neverBlock: true, category: 'own-network', reason: '2a01:4f8:c0c:1234:ffff::1 is in own network 2a01:4f8:c0c:1234::/64', range: '2a01:4f8:c0c:1234::/64' }],
    ['2a01:4f8:c0c:1235::1', { neverBlock: false }],
    ['45.10.0.77', { neverBlock: true, category: 'own-network', reason: '45.10.0.77 is in own network 45.10.0.0/16', range: '45.10.0.0/16' }],
    ['198.51.99.10', { neverBlock: true, category: 'infrastructure', reason: '198.51.99.10 is infrastructure (198.51.99.10/32)', range: '198.51.99.10/32' }],
    ['198.51.99.11', { neverBlock: false }],
    ['93.184.216.15', { neverBlock: true, category: 'infrastructure', reason: '93.184.216.15 is infrastructure (93.184.216.0/28)', range: '93.184.216.0/28' }],
    ['93.184.216.16', { neverBlock: false }],
    ['2001:4860:4860:0:0:0:0:8888', { neverBlock: true, category: 'infrastructure', reason: '2001:4860:4860::8888 is infrastructure (2001:4860:4860::8888/128)', range: '2001:4860:4860::8888/128' }],
    ['2606:4700::6810:84e5', { neverBlock: true, category: 'infrastructure', reason: '2606:4700::6810:84e5 is infrastructure (2606:4700::6810:84e5/128)', range: '2606:4700::6810:84e5/128' }],
    ['151.101.1.69', { neverBlock: true, category: 'allowlist', reason: '151.101.1.69 is allowlisted by 151.101.0.0/16 (Fastly egress)', range: '151.101.0.0/16' }],
    // expiry exactly now: expired
    ['185.199.108.153', { neverBlock: false }],
    // expiry 1 ms after now: still protected
    ['140.82.112.3', { neverBlock: true, category: 'allowlist', reason: '140.82.112.3 is allowlisted by 140.82.112.0/20 until 2026-06-01T12:00:00.001Z', range: '140.82.112.0/20' }],
    ['2a00:1450:4001::1', { neverBlock: true, category: 'allowlist', reason: '2a00:1450:4001::1 is allowlisted by 2a00:1450::/32 (Google) until 2026-07-01T00:00:00+02:00', range: '2a00:1450::/32' }],
    // offset-aware comparison: 13:00+02:00 is 11:00Z, before now
    ['13.107.42.14', { neverBlock: false }],
    ['52.1.2.3', { neverBlock: true, category: 'allowlist', reason: '52.1.2.3 is allowlisted by 52.0.0.0/8 until next tuesday', range: '52.0.0.0/8' }],
    ['53.0.0.1', { neverBlock: false }],
  ];
  for (const [ip, expected] of cases) {
    void it(`${ip} → ${expected.neverBlock ? expected.category : 'blockable'}`, () => {
      assert.deepEqual(classifyNeverBlock(ip, CTX), expected);
    });
  }

  void it('special-purpose wins over operator lists (the reason names the registry)', () => {
    const ctx = { ...EMPTY, ownNetworks: ['10.0.0.0/8'], infrastructure: ['10.0.0.1'], allowlist: [{ cidr: '10.0.0.0/8' }] };
    const result = classifyNeverBlock('10.0.0.1', ctx);
    assert.ok(result.neverBlock && result.category === 'special-purpose');
  });

  void it('own network wins over infrastructure, infrastructure over allowlist', () => {
    const ctx = { ...EMPTY, ownNetworks: ['45.0.0.0/8'], infrastructure: ['45.1.1.1', '46.1.1.1'], allowlist: [{ cidr: '46.0.0.0/8' }] };
    assert.equal((classifyNeverBlock('45.1.1.1', ctx) as { category: string }).category, 'own-network');
    assert.equal((classifyNeverBlock('46.1.1.1', ctx) as { category: string }).category, 'infrastructure');
    assert.equal((classifyNeverBlock('46.1.1.2', ctx) as { category: string }).category, 'allowlist');
  });

  void it('an allowlist entry with expiry still protects when the decision time does not parse (fail safe)', () => {
    const ctx = { ...EMPTY, now: 'garbage', allowlist: [{ cidr: '140.82.112.0/20', expiresAt: '2020-01-01T00:00:00Z' }] };
    assert.equal(classifyNeverBlock('140.82.112.3', ctx).neverBlock, true);
  });

  void it('the same allowlist entry stops applying once now passes expiresAt (replay-stable: time is an input)', () => {
    const entry = { cidr: '140.82.112.0/20', expiresAt: '2026-06-01T12:00:00Z' };
    const at = (now: string) => classifyNeverBlock('140.82.112.3', { ...EMPTY, now, allowlist: [entry] }).neverBlock;
    assert.equal(at('2026-06-01T11:59:59.999Z'), true);
    assert.equal(at('2026-06-01T12:00:00Z'), false);
    assert.equal(at('2026-06-01T14:00:00+02:00'), false);
    assert.equal(at('2026-06-01T13:59:59+02:00'), true);
    assert.equal(at('2027-01-01T00:00:00Z'), false);
  });

  void it('host bits in an operator entry still protect the whole network it names', () => {
    const ctx = { ...EMPTY, ownNetworks: ['45.10.20.30/24'] };
    assert.equal(classifyNeverBlock('45.10.20.200', ctx).neverBlock, true);
  });

  void it('tolerates missing lists at runtime', () => {
    const ctx = { now: EMPTY.now } as unknown as NeverBlockContext;
    assert.deepEqual(classifyNeverBlock('8.8.8.8', ctx), { neverBlock: false });
    assert.equal(classifyNeverBlock('10.0.0.1', ctx).neverBlock, true);
  });

  void it('works on the normalised form the workflow id uses', () => {
    const n = normaliseIp('2A01:04F8:0C0C:1234:0000:0000:0000:0001');
    assert.ok(n.ok);
    assert.equal(classifyNeverBlock(n.ip, CTX).neverBlock, true);
  });
});

void describe('validateNeverBlockContext', () => {
  void it('reports nothing for a valid context', () => {
    assert.deepEqual(validateNeverBlockContext({
      ownNetworks: ['10.20.0.0/16', '2a01:4f8:c0c:1234::/64'],
      infrastructure: ['192.0.2.1', '2001:db8::53', '198.51.100.0/28'],
      allowlist: [{ cidr: '151.101.0.0/16', description: 'x', expiresAt: '2026-06-01T12:00:00+02:00' }, { cidr: '1.1.1.1' }],
      now: '2026-06-01T12:00:00.123Z',
    }), []);
  });

  void it('reports every bad entry with its path', () => {
    const issues = validateNeverBlockContext(CTX);
    assert.deepEqual(issues.map((i) => i.path), ['allowlist[5].expiresAt', 'allowlist[6].cidr']);
    assert.match(issues[0].message, /"next tuesday" is not an ISO 8601 date-time/);
    assert.match(issues[1].message, /"not-a-cidr" is not an IP address/);
  });

  const cases: [Partial<NeverBlockContext>, string, RegExp][] = [
    [{ ownNetworks: ['10.0.0.1/8'] }, 'ownNetworks[0]', /host bits set \(the network is 10\.0\.0\.0\/8\)/],
    [{ ownNetworks: ['0.0.0.0/0'] }, 'ownNetworks[0]', /wider than \/8/],
    [{ ownNetworks: ['10.0.0.0/7'] }, 'ownNetworks[0]', /wider than \/8/],
    [{ ownNetworks: ['2000::/3'] }, 'ownNetworks[0]', /wider than \/16/],
    [{ ownNetworks: ['::ffff:0:0/96'] }, 'ownNetworks[0]', /wider than \/8/],
    [{ ownNetworks: ['10.0.0.0/8', 'lan'] }, 'ownNetworks[1]', /not an IP address/],
    [{ ownNetworks: [42 as unknown as string] }, 'ownNetworks[0]', /must be an IP address or CIDR string/],
    [{ ownNetworks: '10.0.0.0/8' as unknown as string[] }, 'ownNetworks', /must be a list/],
    [{ infrastructure: ['fw.lan'] }, 'infrastructure[0]', /not an IP address/],
    [{ infrastructure: ['192.168.1.1:443'] }, 'infrastructure[0]', /port/],
    [{ infrastructure: ['fe80::1%eth0'] }, 'infrastructure[0]', /zone id/],
    [{ infrastructure: ['010.0.0.1'] }, 'infrastructure[0]', /leading zero/],
    [{ allowlist: [{ cidr: '1.2.3.0/33' }] }, 'allowlist[0].cidr', /out of range/],
    [{ allowlist: [{ cidr: '' }] }, 'allowlist[0].cidr', /empty/],
    [{ allowlist: [{ cidr: '1.1.1.1', expiresAt: '2026-06-01' }] }, 'allowlist[0].expiresAt', /ISO 8601/],
    [{ allowlist: [{ cidr: '1.1.1.1', expiresAt: '2026-06-01T12:00:00' }] }, 'allowlist[0].expiresAt', /with offset/],
    [{ allowlist: [{ cidr: '1.1.1.1', expiresAt: '2026-13-01T12:00:00Z' }] }, 'allowlist[0].expiresAt', /ISO 8601/],
    [{ allowlist: [{ cidr: '1.1.1.1', description: 7 as unknown as string }] }, 'allowlist[0].description', /string/],
    [{ allowlist: [null as unknown as { cidr: string }] }, 'allowlist[0]', /must be an object/],
    [{ allowlist: {} as unknown as [] }, 'allowlist', /must be a list/],
    [{ now: 'yesterday' }, 'now', /not an ISO 8601/],
  ];
  for (const [patch, path, message] of cases) {
    void it(`${JSON.stringify(patch)} → ${path}`, () => {
      const issues = validateNeverBlockContext({ ...EMPTY, ...patch });
      assert.equal(issues.length, 1, JSON.stringify(issues));
      assert.equal(issues[0].path, path);
      assert.match(issues[0].message, message);
    });
  }
});

void describe('protectedCidrProblem (shared by config loader, allowlist API and workflow)', () => {
  const cases: [unknown, RegExp | undefined][] = [
    ['10.0.0.0/8', undefined],
    ['151.101.0.0/16', undefined],
    ['1.1.1.1', undefined],
    ['2a00:1450::/32', undefined],
    ['2a00::/16', undefined],
    ['0.0.0.0/0', /wider than \/8/],
    ['::/0', /wider than \/16/],
    ['2a00::/15', /wider than \/16/],
    ['1.2.3.4/24', /host bits set/],
    ['', /empty/],
    [undefined, /must be an IP address or CIDR string/],
  ];
  for (const [value, problem] of cases) {
    void it(`${JSON.stringify(value)} → ${problem ? problem.source : 'ok'}`, () => {
      const result = protectedCidrProblem(value);
      if (problem) assert.match(result ?? '', problem);
      else assert.equal(result, undefined);
    });
  }
});
