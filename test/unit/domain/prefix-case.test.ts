// Finding 5 (IPv6 rotation), the pure part: which case an address belongs to, what a prefix case blocks, the
// never-block rules for a whole prefix, the evidence of distinct addresses, and the per-run caps.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { caseKeyOf, normaliseCaseSubject, prefixTargetOf } from '../../../domain/case-key';
import { policySchema, type AllowlistEntry, type PolicyConfig } from '../../../domain/config';
import { emptyEvidence, mergeSighting } from '../../../domain/evidence';
import { caseHost, prefixNeverBlockReason, settlePrefixTarget } from '../../../domain/prefix-case';
import { capThreats, type ThreatCaps } from '../../../domain/threat-caps';
import type { MergedEvidence, Mode, PolicyDecision, Sighting } from '../../../domain/types';

const NOW = '2026-11-26T12:00:00.000Z';
const PREFIX = '2a01:4f8:10:2::/64';
const addr = (i: number) => `2a01:4f8:10:2::${(i + 1).toString(16)}`;

function evidenceOf(n: number, subject = PREFIX): MergedEvidence {
  let e = emptyEvidence(subject, NOW);
  for (let i = 0; i < n; i++) {
    const s: Sighting = { source: 'traefik-file', score: 96, direction: 'inbound', observedAt: new Date(Date.parse(NOW) + i * 1000).toISOString(), evidence: {}, address: addr(i) };
    e = mergeSighting(e, s);
  }
  return e;
}

const policy = (over: Record<string, unknown> = {}): PolicyConfig => policySchema.parse(over);
const review = (target: string): PolicyDecision => ({ kind: 'review', reasons: ['r'], dryRun: false, block: { target, durationHours: 24, recommendPermanent: false } });

void describe('case keys', () => {
  const rows: Array<[string, number, string | undefined, string | undefined]> = [
    ['203.0.113.9', 64, '203.0.113.9', undefined],
    ['2A01:4F8:10:2:0:0:0:1', 64, PREFIX, PREFIX],
    ['2a01:4f8:10:2:ffff:1:2:3', 64, PREFIX, PREFIX],
    ['2a01:4f8:10:3::1', 64, '2a01:4f8:10:3::/64', '2a01:4f8:10:3::/64'],
    ['2a01:4f8:10:2::1', 56, '2a01:4f8:10::/56', '2a01:4f8:10::/56'],
    ['2a01:4f8:10:2::1', 128, '2a01:4f8:10:2::1', undefined],
    ['::ffff:203.0.113.9', 64, '203.0.113.9', undefined],
    ['2a01:4f8::1/64', 64, undefined, undefined],
  ];
  for (const [ip, len, subject, prefix] of rows) {
    void test(`${ip} /${len} → ${subject ?? 'rejected'}`, () => {
      const k = caseKeyOf(ip, len);
      if (subject === undefined) return assert.equal(k.ok, false);
      assert.ok(k.ok);
      assert.equal(k.subject, subject);
      assert.equal(k.prefix, prefix);
    });
  }
  void test('operator surfaces accept an address or a canonical IPv6 prefix, nothing wider', () => {
    assert.deepEqual(normaliseCaseSubject('2a01:4f8:10:2::/64'), { ok: true, subject: PREFIX });
    assert.deepEqual(normaliseCaseSubject('203.0.113.9/32'), { ok: true, subject: '203.0.113.9' });
    for (const bad of ['2a01:4f8:10:2::1/64', '2a00::/16', '203.0.113.0/24', 'x/64']) assert.equal(normaliseCaseSubject(bad).ok, false, bad);
  });
});

void describe('evidence of a prefix case', () => {
  void test('distinct addresses in first-seen order, the latest address, duplicates merge', () => {
    let e = evidenceOf(3);
    e = mergeSighting(e, { source: 'x', score: 90, direction: 'inbound', observedAt: '2026-11-26T13:00:00.000Z', evidence: {}, address: addr(0) });
    assert.deepEqual(e.addresses, [addr(0), addr(1), addr(2)]);
    assert.equal(e.latestAddress, addr(0));
    assert.equal(caseHost(PREFIX, e), addr(0));
    // An older sighting arriving late does not move the latest address.
    e = mergeSighting(e, { source: 'x', score: 90, direction: 'inbound', observedAt: '2026-11-26T11:00:00.000Z', evidence: {}, address: addr(7) });
    assert.equal(e.latestAddress, addr(0));
    assert.equal(e.addresses?.length, 4);
    assert.equal(caseHost('203.0.113.9', emptyEvidence('203.0.113.9', NOW)), '203.0.113.9');
    assert.equal(evidenceOf(400).addresses?.length, 256, 'capped');
  });
});

void describe('what a prefix case blocks', () => {
  const single = `${addr(9)}/128`;
  const rows: Array<{ name: string; n: number; mode: Mode; decision?: PolicyDecision; policy?: Record<string, unknown>; allowlist?: AllowlistEntry[]; subject?: string; enforcer?: string; target: string; reason: RegExp }> = [
    { name: 'review mode, at the count: widened to the prefix', n: 8, mode: 'review', target: PREFIX, reason: /8 distinct addresses .* ≥ 8: the block is widened to 2a01:4f8:10:2::\/64 \(a widening: a human approves it\)/ },
    { name: 'below the count: the latest /128, with why', n: 7, mode: 'review', target: single, reason: /7 distinct addresses .*below 8 .*blocking 2a01:4f8:10:2::a\/128, the latest address/ },
    { name: 'configurable count', n: 3, mode: 'review', policy: { ipv6: { prefixBlockMinAddresses: 3 } }, target: PREFIX, reason: /widened/ },
    { name: 'auto mode never widens', n: 50, mode: 'auto', decision: { kind: 'auto', reasons: [], dryRun: false, block: { target: single, durationHours: 24, recommendPermanent: false } }, target: single, reason: /proposed only in review mode \(mode auto\)/ },
    { name: 'auto mode sent to review (below the auto bar) still does not widen', n: 50, mode: 'auto', target: single, reason: /only in review mode \(mode auto\)/ },
    { name: 'own network overlapping the prefix', n: 50, mode: 'review', policy: { neverBlock: { ownNetworks: ['2a01:4f8:10::/48'] } }, target: single, reason: /never blocked as a whole: .*overlaps own network 2a01:4f8:10::\/48/ },
    { name: 'infrastructure inside the prefix', n: 50, mode: 'review', policy: { neverBlock: { infrastructure: ['2a01:4f8:10:2::53'] } }, target: single, reason: /overlaps infrastructure 2a01:4f8:10:2::53\/128/ },
    { name: 'allowlisted address inside the prefix', n: 50, mode: 'review', allowlist: [{ cidr: '2a01:4f8:10:2::8000/128', description: 'partner' }], target: single, reason: /overlaps allowlist entry 2a01:4f8:10:2::8000\/128 \(partner\)/ },
    { name: 'an expired allowlist entry no longer protects', n: 50, mode: 'review', allowlist: [{ cidr: '2a01:4f8:10:2::8000/128', description: 'old', expiresAt: '2026-01-01T00:00:00Z' }], target: PREFIX, reason: /widened/ },
    { name: 'special-purpose range (documentation)', n: 50, mode: 'review', subject: '2001:db8:1:2::/64', target: single, reason: /overlaps 2001:db8::\/32 \(Documentation\)/ },
    { name: 'an enforcer that holds single addresses only (pfSense)', n: 50, mode: 'review', enforcer: 'pfsense', target: single, reason: /enforcer pfsense holds single addresses only/ },
    { name: 'a special-purpose range inside a wider prefix', n: 50, mode: 'review', subject: '2620:4f::/32', target: single, reason: /overlaps 2620:4f:8000::\/48/ },
  ];
  for (const r of rows) {
    void test(r.name, () => {
      const evidence = { addresses: Array.from({ length: r.n }, (_, i) => addr(i)), latestAddress: addr(9) };
      const d = settlePrefixTarget(r.decision ?? review(single), {
        subject: r.subject ?? PREFIX, evidence, mode: r.mode, policy: policy(r.policy), allowlist: r.allowlist ?? [], now: NOW, enforcer: r.enforcer ?? 'traefik',
      });
      assert.equal(d.block?.target, r.target);
      assert.match(d.reasons.at(-1)!, r.reason);
    });
  }
  void test('a single-address case and a decision without a block are left as they are', () => {
    const d = review('203.0.113.9/32');
    assert.equal(settlePrefixTarget(d, { subject: '203.0.113.9', evidence: {}, mode: 'review', policy: policy(), allowlist: [], now: NOW, enforcer: 'traefik' }), d);
    const rec: PolicyDecision = { kind: 'record', reasons: [], dryRun: false };
    assert.equal(settlePrefixTarget(rec, { subject: PREFIX, evidence: evidenceOf(50), mode: 'review', policy: policy(), allowlist: [], now: NOW, enforcer: 'traefik' }), rec);
  });
  void test('enforcers accept a prefix target only for a case prefix containing the address', () => {
    assert.equal(prefixTargetOf(addr(3), PREFIX), PREFIX);
    assert.equal(prefixTargetOf('2a01:4f8:10:3::1', PREFIX), undefined, 'address outside the prefix');
    assert.equal(prefixTargetOf(addr(3), '2a01:4f8:10:2::4/64'), undefined, 'host bits set');
    assert.equal(prefixTargetOf(addr(3), '2a01::/16'), undefined, 'wider than /32');
    assert.equal(prefixTargetOf('203.0.113.9', '203.0.113.0/24'), undefined, 'IPv4 is never widened');
  });
  void test('prefix never-block: a clean prefix is blockable', () => {
    assert.equal(prefixNeverBlockReason(PREFIX, policy(), [], NOW), undefined);
    assert.match(prefixNeverBlockReason('fe80::/64', policy(), [], NOW)!, /Link-Local/i);
  });
});

void describe('per-run threat caps', () => {
  const caps: ThreatCaps = { maxThreatsPerRun: 3, maxThreatsPerPrefix: 2, prefixV4: 24, prefixV6: 48, maxSightingsPerThreat: 4 };
  const item = (subject: string, address: string, score: number) => ({ subject, address, score });
  void test('many addresses of one /64 are one threat, bounded by the per-threat sighting cap', () => {
    const items = Array.from({ length: 6 }, (_, i) => item(PREFIX, addr(i), 90 + i));
    const r = capThreats(items, caps);
    assert.equal(r.admitted.length, 4);
    assert.deepEqual(r.admitted.map((x) => x.score), [95, 94, 93, 92], 'strongest sightings first');
    assert.match(r.note!, /2 sighting\(s\) over the per-threat cap \(4\)/);
  });
  void test('per-prefix cap: /64s of one /48, and IPv4 /24s', () => {
    const items = [
      item('2a01:4f8:10:1::/64', '2a01:4f8:10:1::1', 99), item('2a01:4f8:10:2::/64', '2a01:4f8:10:2::1', 98),
      item('2a01:4f8:10:3::/64', '2a01:4f8:10:3::1', 97), item('203.0.113.1', '203.0.113.1', 80),
    ];
    const r = capThreats(items, caps);
    assert.deepEqual(r.admitted.map((x) => x.subject), ['2a01:4f8:10:1::/64', '2a01:4f8:10:2::/64', '203.0.113.1']);
    assert.deepEqual(r.capped.map((c) => [c.item.subject, c.reason]), [['2a01:4f8:10:3::/64', 'prefix cap: 2 threats per 2a01:4f8:10::/48 per scan run']]);
    assert.match(r.note!, /1 threat\(s\) over the per-prefix cap/);
  });
  void test('run cap keeps the strongest threats', () => {
    const items = ['198.51.100.1', '192.0.2.1', '203.0.113.1', '100.64.1.1', '45.155.205.1'].map((ip, i) => item(ip, ip, 50 + i * 10));
    const r = capThreats(items, caps);
    assert.deepEqual(r.admitted.map((x) => x.score), [90, 80, 70]);
    assert.equal(r.capped.length, 2);
    assert.match(r.note!, /2 threat\(s\) over the run cap \(3\); not submitted this run, e\.g\. 192\.0\.2\.1, 198\.51\.100\.1/);
  });
  void test('under every cap: no note', () => {
    const r = capThreats([item('203.0.113.1', '203.0.113.1', 90)], caps);
    assert.equal(r.note, undefined);
    assert.equal(r.capped.length, 0);
  });
});
