import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cidrContains, compileRange, MAX_IP_TEXT_LENGTH, normaliseIp, parseCidr } from '../../../domain/ip';

// [input, canonical ip, version]
const VALID: [string, string, 4 | 6][] = [
  ['1.2.3.4', '1.2.3.4', 4],
  ['0.0.0.0', '0.0.0.0', 4],
  ['255.255.255.255', '255.255.255.255', 4],
  ['8.8.8.8', '8.8.8.8', 4],
  ['10.0.0.1', '10.0.0.1', 4],
  ['100.64.0.0', '100.64.0.0', 4],
  ['192.168.100.200', '192.168.100.200', 4],
  ['199.249.230.1', '199.249.230.1', 4],
  ['  8.8.4.4  ', '8.8.4.4', 4],
  ['\t203.0.113.7\n', '203.0.113.7', 4],
  ['\u00a0198.51.100.1\u00a0', '198.51.100.1', 4],
  ['1.2.3.4/32', '1.2.3.4', 4],
  [' 1.2.3.4/32 ', '1.2.3.4', 4],
  // IPv6, RFC 5952 output
  ['::', '::', 6],
  ['::1', '::1', 6],
  ['0:0:0:0:0:0:0:0', '::', 6],
  ['0:0:0:0:0:0:0:1', '::1', 6],
  ['1:0:0:0:0:0:0:0', '1::', 6],
  ['2001:db8::1', '2001:db8::1', 6],
  ['2001:DB8::ABCD', '2001:db8::abcd', 6],
  ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1', 6],
  ['2001:db8:0:0:0:0:2:1', '2001:db8::2:1', 6],
  ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1', 6], // a single zero group is not compressed (RFC 5952 4.2.2)
  ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1', 6], // the longest run is compressed (4.2.3)
  ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1', 6], // equal runs: the first one (4.2.3)
  ['fe80:0000:0000:0000:0204:61ff:fe9d:f156', 'fe80::204:61ff:fe9d:f156', 6],
  ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0', 6],
  ['::2:3:4:5:6:7:8', '0:2:3:4:5:6:7:8', 6],
  ['2606:4700:4700::1111', '2606:4700:4700::1111', 6],
  ['2001:4860:4860:0:0:0:0:8888', '2001:4860:4860::8888', 6],
  ['FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF', 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', 6],
  ['[2001:db8::1]', '2001:db8::1', 6],
  ['[::1]', '::1', 6],
  ['2001:db8::1/128', '2001:db8::1', 6],
  ['[2001:db8::1]/128', '2001:db8::1', 6],
  [' 2001:db8::1\n', '2001:db8::1', 6],
  // embedded dotted quads that are not IPv4-mapped stay IPv6
  ['::1.2.3.4', '::102:304', 6], // IPv4-compatible (deprecated), NOT mapped (ipaddr.js alone gets this wrong)
  ['64:ff9b::192.0.2.33', '64:ff9b::c000:221', 6],
  ['::fffe:1.2.3.4', '::fffe:102:304', 6],
  ['::1:ffff:1.2.3.4', '::1:ffff:102:304', 6],
  ['1:2:3:4:5:6:1.2.3.4', '1:2:3:4:5:6:102:304', 6],
  // IPv4-mapped IPv6 is the IPv4 host
  ['::ffff:1.2.3.4', '1.2.3.4', 4],
  ['::FFFF:1.2.3.4', '1.2.3.4', 4],
  ['::ffff:0102:0304', '1.2.3.4', 4],
  ['::ffff:102:304', '1.2.3.4', 4],
  ['0:0:0:0:0:ffff:1.2.3.4', '1.2.3.4', 4],
  ['0000:0000:0000:0000:0000:ffff:0a00:0001', '10.0.0.1', 4],
  ['::ffff:10.0.0.1', '10.0.0.1', 4],
  ['::ffff:0.0.0.0', '0.0.0.0', 4],
  ['::ffff:1.2.3.4/128', '1.2.3.4', 4],
  ['[::ffff:1.2.3.4]', '1.2.3.4', 4],
];

// [input, what the reason must mention]
const INVALID: [string, RegExp][] = [
  ['', /empty/],
  ['   ', /empty/],
  ['\n\t', /empty/],
  ['x'.repeat(2000), /too long/],
  [`1.2.3.4${' '.repeat(2000)}`, /too long/],
  [`::${'0:'.repeat(40)}1`, /too long/],
  ['garbage', /not an IP address/],
  ['localhost', /not an IP address/],
  ['example.com', /not an IP address/],
  ['1.2.3.4.5', /four dotted decimal octets/],
  ['1.2.3', /four dotted decimal octets/],
  ['127.1', /four dotted decimal octets/],
  ['10.1', /four dotted decimal octets/],
  ['2130706433', /four dotted decimal octets/], // 127.0.0.1 as a 32-bit integer
  ['010.1.1.1', /leading zero/],
  ['1.2.3.04', /leading zero/],
  ['00.0.0.0', /leading zero/],
  ['0x7f.1', /hexadecimal/],
  ['0x7f000001', /hexadecimal/],
  ['127.0.0.0x1', /hexadecimal/],
  ['256.1.1.1', /out of range/],
  ['1.2.3.999', /out of range/],
  ['1..2.3', /empty octet/],
  ['1.2.3.', /empty octet/],
  ['.1.2.3', /empty octet/],
  ['1.2.3.-4', /not an IP address/],
  ['1.2.3.4a', /not an IP address/],
  ['+1.2.3.4', /not an IP address/],
  ['1.2.3.4:80', /port/],
  ['1.2.3.4:', /port/],
  ['[::1]:80', /port/],
  ['[2001:db8::1]:443', /port/],
  ['[::1]x', /unexpected text/],
  ['[::1', /unbalanced brackets/],
  ['::1]', /unbalanced brackets/],
  ['[[::1]]', /unbalanced brackets/],
  ['[1.2.3.4]', /only used around IPv6/],
  ['fe80::1%eth0', /zone id/],
  ['fe80::1%1', /zone id/],
  ['[fe80::1%25eth0]', /zone id/],
  ['1.2.3.0/24', /is a network, not a single address/],
  ['0.0.0.0/0', /is a network, not a single address/],
  ['1.2.3.4/31', /is a network, not a single address/],
  ['2001:db8::/32', /is a network, not a single address/],
  ['2001:db8::1/127', /is a network, not a single address/],
  ['::ffff:1.2.3.4/120', /is a network, not a single address/],
  ['1.2.3.4/33', /out of range for IPv4/],
  ['::1/129', /out of range for IPv6/],
  ['1.2.3.4/032', /without leading zeros/],
  ['1.2.3.4/', /without leading zeros/],
  ['1.2.3.4/-1', /without leading zeros/],
  ['1.2.3.4/32/32', /without leading zeros/],
  ['/32', /no address/],
  ['1 .2.3.4', /whitespace/],
  ['2001:db8:: 1', /whitespace/],
  ['１.２.３.４', /non-ASCII digits/], // fullwidth digits
  ['١.٢.٣.٤', /non-ASCII digits/], // Arabic-Indic digits
  ['1.2.3.४', /non-ASCII digits/], // Devanagari four
  ['1.2.3.4\u0000', /control/],
  ['1.2.3.4\u200b', /non-ASCII/], // zero-width space (not trimmed)
  ['ⅰ.2.3.4', /non-ASCII/],
  ['1:2:3:4:5:6:7:8:9', /9 groups instead of 8/],
  ['1:2:3:4:5:6:7', /groups instead of 8/],
  ['1::2::3', /only once/],
  [':::', /empty group|only once/],
  ['::1:', /empty group/],
  [':1::', /empty group/],
  ['1:2:3:4:5:6:7:8::', /too many groups/],
  ['::1:2:3:4:5:6:7:8', /too many groups/],
  ['12345::1', /1-4 hexadecimal digits/],
  ['g::1', /1-4 hexadecimal digits/],
  ['::0x1', /1-4 hexadecimal digits/],
  ['::ffff:1.2.3', /embedded IPv4/],
  ['::ffff:256.1.1.1', /embedded IPv4/],
  ['::ffff:010.1.1.1', /embedded IPv4.*leading zero/],
  ['1.2.3.4::', /only be the last part/],
  ['1:2:3:4:5:6:7:1.2.3.4', /too many|groups instead of 8/],
];

void describe('normaliseIp', () => {
  for (const [input, ip, version] of VALID) {
    void it(`accepts ${JSON.stringify(input)} as ${ip}`, () => {
      assert.deepEqual(normaliseIp(input), { ok: true, ip, version, cidr: `${ip}/${version === 4 ? 32 : 128}` });
    });
  }

  for (const [input, reason] of INVALID) {
    void it(`rejects ${JSON.stringify(input.length > 40 ? `${input.slice(0, 40)}…` : input)} (${reason.source})`, () => {
      const result = normaliseIp(input);
      assert.equal(result.ok, false);
      assert.ok(!result.ok && reason.test(result.reason), `reason was: ${!result.ok ? result.reason : ''}`);
    });
  }

  void it('is idempotent: the canonical text parses to itself', () => {
    for (const [input] of VALID) {
      const first = normaliseIp(input);
      assert.ok(first.ok);
      assert.deepEqual(normaliseIp(first.ip), first);
      assert.deepEqual(normaliseIp(first.cidr), first);
    }
  });

  void it('rejects non-string values at runtime instead of throwing', () => {
    for (const value of [undefined, null, 42, {}, ['1.2.3.4']]) {
      const result = normaliseIp(value as unknown as string);
      assert.deepEqual(result, { ok: false, reason: 'not a string' });
    }
  });

  void it('accepts the longest real spelling and rejects one character more than the cap', () => {
    const longest = '[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]/128';
    assert.ok(longest.length <= MAX_IP_TEXT_LENGTH);
    assert.deepEqual(normaliseIp(longest), normaliseIp('ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'));
    const tooLong = `::${'0'.repeat(MAX_IP_TEXT_LENGTH - 1)}`;
    assert.equal(tooLong.length, MAX_IP_TEXT_LENGTH + 1);
    assert.match((normaliseIp(tooLong) as { reason: string }).reason, /too long/);
  });

  void it('never throws and only returns canonical, re-parseable values (seeded fuzz over 20,000 inputs)', () => {
    let seed = 0x2545f491;
    const next = () => {
      seed ^= seed << 13; seed >>>= 0;
      seed ^= seed >>> 17;
      seed ^= seed << 5; seed >>>= 0;
      return seed;
    };
    const alphabet = '0123456789abcdefABCDEFxX.:/[]% -\u00a0١';
    let accepted = 0;
    for (let n = 0; n < 20_000; n++) {
      const len = next() % 24;
      let text = '';
      for (let i = 0; i < len; i++) text += alphabet[next() % alphabet.length];
      const result = normaliseIp(text);
      if (result.ok) {
        accepted++;
        assert.deepEqual(normaliseIp(result.ip), result, `not idempotent for ${JSON.stringify(text)}`);
        assert.match(result.ip, result.version === 4 ? /^\d{1,3}(\.\d{1,3}){3}$/ : /^[0-9a-f:.]+$/);
      } else {
        assert.equal(typeof result.reason, 'string');
        assert.ok(result.reason.length > 0);
      }
    }
    assert.ok(accepted > 0, 'the fuzz alphabet should produce some valid addresses');
  });
});

// [input, cidr] or [input, RegExp for the reason]
const CIDRS: [string, string | RegExp][] = [
  ['10.0.0.0/8', '10.0.0.0/8'],
  ['192.168.1.0/24', '192.168.1.0/24'],
  ['0.0.0.0/0', '0.0.0.0/0'],
  ['1.2.3.4/32', '1.2.3.4/32'],
  ['1.2.3.4', '1.2.3.4/32'],
  [' 172.16.0.0/12 ', '172.16.0.0/12'],
  ['2001:db8::/32', '2001:db8::/32'],
  ['2001:DB8:0:0::/64', '2001:db8::/64'],
  ['2001:db8::1', '2001:db8::1/128'],
  ['::/0', '::/0'],
  ['[2001:db8::]/48', '2001:db8::/48'],
  ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
  ['::ffff:1.2.3.4', '1.2.3.4/32'],
  ['::ffff:0:0/96', '0.0.0.0/0'],
  ['::fffe:0:0/96', '::fffe:0:0/96'],
  ['10.0.0.1/8', /host bits set \(the network is 10\.0\.0\.0\/8\)/],
  ['192.168.1.10/24', /host bits set \(the network is 192\.168\.1\.0\/24\)/],
  ['2001:db8::1/64', /host bits set \(the network is 2001:db8::\/64\)/],
  ['10.0.0.0/33', /out of range for IPv4/],
  ['2001:db8::/129', /out of range for IPv6/],
  ['10.0.0.0/08', /without leading zeros/],
  ['10.0.0.0/', /without leading zeros/],
  ['10/8', /four dotted decimal octets/],
  ['010.0.0.0/8', /leading zero/],
  ['fe80::%eth0/64', /zone id/],
  ['', /empty/],
  ['any', /not an IP address/],
];

void describe('parseCidr', () => {
  for (const [input, expected] of CIDRS) {
    void it(`${JSON.stringify(input)} → ${expected instanceof RegExp ? `rejected (${expected.source})` : expected}`, () => {
      const result = parseCidr(input);
      if (expected instanceof RegExp) {
        assert.equal(result.ok, false);
        assert.ok(!result.ok && expected.test(result.reason), !result.ok ? result.reason : '');
      } else {
        assert.ok(result.ok, result.ok ? '' : result.reason);
        const [network, prefix] = expected.split('/');
        assert.deepEqual(result, {
          ok: true, network, prefix: Number(prefix), version: network.includes(':') ? 6 : 4, cidr: expected,
        });
      }
    });
  }
});

// [cidr, ip, contained]
const CONTAINS: [string, string, boolean][] = [
  ['10.0.0.0/8', '10.0.0.0', true],
  ['10.0.0.0/8', '10.255.255.255', true],
  ['10.0.0.0/8', '9.255.255.255', false],
  ['10.0.0.0/8', '11.0.0.0', false],
  ['10.0.0.0/8', '::ffff:10.1.2.3', true],
  ['10.0.0.1/8', '10.200.0.1', true], // host bits ignored when matching
  ['192.168.1.0/24', '192.168.1.77', true],
  ['192.168.1.0/24', '192.168.2.1', false],
  ['1.2.3.4', '1.2.3.4', true],
  ['1.2.3.4/32', '1.2.3.5', false],
  ['0.0.0.0/0', '255.255.255.255', true],
  ['0.0.0.0/0', '::1', false], // versions never mix
  ['::/0', '1.2.3.4', false],
  ['::/0', '2001:db8::1', true],
  ['2001:db8::/32', '2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', true],
  ['2001:db8::/32', '2001:db9::', false],
  ['2001:db8::/32', '2001:DB8::1', true],
  ['::ffff:10.0.0.0/104', '10.9.9.9', true],
  ['::ffff:0:0/96', '8.8.8.8', true],
  ['fe80::/10', 'febf::1', true],
  ['fe80::/10', 'fec0::1', false],
  ['not a cidr', '1.2.3.4', false],
  ['10.0.0.0/8', 'not an ip', false],
  ['10.0.0.0/8', '10.0.0.0/8', false], // a network is not a host
  ['10.0.0.0/8', '10.0.0.1/32', true],
];

void describe('cidrContains', () => {
  for (const [cidr, ip, contained] of CONTAINS) {
    void it(`${cidr} ${contained ? 'contains' : 'does not contain'} ${ip}`, () => {
      assert.equal(cidrContains(cidr, ip), contained);
    });
  }
});

void describe('compileRange', () => {
  void it('keeps ::ffff:0:0/96 as IPv6 when asked not to unmap (for the special-purpose table)', () => {
    assert.equal(compileRange('::ffff:0:0/96', { unmapIpv4: false })?.cidr, '::ffff:0:0/96');
    assert.equal(compileRange('::ffff:0:0/96')?.cidr, '0.0.0.0/0');
  });
  void it('returns undefined for invalid text', () => {
    assert.equal(compileRange('nope'), undefined);
    assert.equal(compileRange('1.2.3.4/40', { unmapIpv4: false }), undefined);
  });
});
