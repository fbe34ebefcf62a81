import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { diffBlocks, ipOfBlockId, planRepairs, reconcilerPlan, targetKey, type DesiredBlock } from '../../../domain/reconcile';
import type { BlockEntry } from '../../../domain/types';

const want = (ip: string, cycle = 1): DesiredBlock =>
  ({ workflowId: `threat/${ip}`, ip, target: ip.includes(':') ? `${ip}/128` : `${ip}/32`, blockId: `${ip}#${cycle}`, direction: 'inbound' });
const ours = (ip: string, cycle = 1, target = `${ip}/32`): BlockEntry => ({ target, blockId: `${ip}#${cycle}`, ownedByPalisade: true });
const theirs = (target: string): BlockEntry => ({ target, ownedByPalisade: false, detail: 'by hand' });

const summary = (d: ReturnType<typeof diffBlocks>) => ({
  inSync: d.inSync.map((x) => x.target), missing: d.missing.map((x) => x.target), relabel: d.relabel.map((x) => x.target),
  coveredByForeign: d.coveredByForeign.map((x) => x.target), orphans: d.orphans.map((x) => x.target), foreign: d.foreign.map((x) => x.target),
});
const empty = { inSync: [], missing: [], relabel: [], coveredByForeign: [], orphans: [], foreign: [] };

void describe('diffBlocks', () => {
  const cases: Array<{ name: string; desired: DesiredBlock[]; actual: BlockEntry[]; expect: Partial<ReturnType<typeof summary>> }> = [
    { name: 'nothing anywhere', desired: [], actual: [], expect: {} },
    { name: 'all in sync', desired: [want('203.0.113.1'), want('203.0.113.2')], actual: [ours('203.0.113.1'), ours('203.0.113.2')], expect: { inSync: ['203.0.113.1/32', '203.0.113.2/32'] } },
    { name: 'firewall wiped: everything missing', desired: [want('203.0.113.1'), want('2001:db8::1')], actual: [], expect: { missing: ['2001:db8::1/128', '203.0.113.1/32'] } }, // ordered by workflow id
    { name: 'bare address on the firewall equals the host CIDR', desired: [want('203.0.113.1')], actual: [ours('203.0.113.1', 1, '203.0.113.1')], expect: { inSync: ['203.0.113.1/32'] } },
    { name: 'case-insensitive IPv6', desired: [want('2001:db8::a')], actual: [ours('2001:db8::a', 1, '2001:DB8::A/128')], expect: { inSync: ['2001:db8::a/128'] } },
    { name: 'earlier cycle owns the entry: relabel', desired: [want('203.0.113.1', 2)], actual: [ours('203.0.113.1', 1)], expect: { relabel: ['203.0.113.1/32'] } },
    { name: 'foreign entry already blocks it: left alone', desired: [want('203.0.113.1')], actual: [theirs('203.0.113.1/32')], expect: { coveredByForeign: ['203.0.113.1/32'], foreign: ['203.0.113.1/32'] } },
    { name: 'owned entry nobody wants is an orphan; foreign never is', desired: [], actual: [ours('203.0.113.9'), theirs('198.51.100.0/24')], expect: { orphans: ['203.0.113.9/32'], foreign: ['198.51.100.0/24'] } },
    { name: 'mixed', desired: [want('203.0.113.1'), want('203.0.113.2'), want('203.0.113.3', 4)], actual: [ours('203.0.113.1'), ours('203.0.113.3', 3), ours('203.0.113.7'), theirs('10.0.0.0/8')],
      expect: { inSync: ['203.0.113.1/32'], missing: ['203.0.113.2/32'], relabel: ['203.0.113.3/32'], orphans: ['203.0.113.7/32'], foreign: ['10.0.0.0/8'] } },
    { name: 'duplicate desired targets count once', desired: [want('203.0.113.1'), { ...want('203.0.113.1'), workflowId: 'threat/zzz' }], actual: [], expect: { missing: ['203.0.113.1/32'] } },
  ];
  for (const c of cases) void test(c.name, () => assert.deepEqual(summary(diffBlocks(c.desired, c.actual)), { ...empty, ...c.expect }));
});

void describe('planRepairs', () => {
  const diff = diffBlocks([want('203.0.113.1'), want('203.0.113.2', 2)], [ours('203.0.113.2', 1), ours('203.0.113.8'), ours('203.0.113.9'), theirs('10.0.0.0/8')]);
  const cases: Array<{ name: string; removeOrphans: boolean; maxRepairs: number; reapply: string[]; remove: string[]; deferred: number }> = [
    { name: 'report-only orphans', removeOrphans: false, maxRepairs: 10, reapply: ['203.0.113.1/32', '203.0.113.2/32'], remove: [], deferred: 0 },
    { name: 'remove orphans', removeOrphans: true, maxRepairs: 10, reapply: ['203.0.113.1/32', '203.0.113.2/32'], remove: ['203.0.113.8/32', '203.0.113.9/32'], deferred: 0 },
    { name: 'budget: re-applies first', removeOrphans: true, maxRepairs: 3, reapply: ['203.0.113.1/32', '203.0.113.2/32'], remove: ['203.0.113.8/32'], deferred: 1 },
    { name: 'budget smaller than re-applies', removeOrphans: true, maxRepairs: 1, reapply: ['203.0.113.1/32'], remove: [], deferred: 3 },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      const p = planRepairs(diff, { removeOrphans: c.removeOrphans, maxRepairs: c.maxRepairs });
      assert.deepEqual({ reapply: p.reapply.map((x) => x.target), remove: p.remove.map((x) => x.target), deferred: p.deferred }, { reapply: c.reapply, remove: c.remove, deferred: c.deferred });
    });
  }
  void test('an owned entry without a blockId is never removed', () => {
    const p = planRepairs(diffBlocks([], [{ target: '203.0.113.5/32', ownedByPalisade: true }]), { removeOrphans: true, maxRepairs: 10 });
    assert.deepEqual(p.remove, []);
  });
});

void describe('helpers', () => {
  const ids: Array<[string | undefined, string | undefined]> = [['203.0.113.1#3', '203.0.113.1'], ['2001:db8::1#1', '2001:db8::1'], ['203.0.113.1', undefined], ['x#1', undefined], [undefined, undefined], ['1.2.3.4#1; rm', undefined]];
  for (const [id, ip] of ids) void test(`ipOfBlockId(${id})`, () => assert.equal(ipOfBlockId(id), ip));
  void test('targetKey', () => {
    assert.equal(targetKey('203.0.113.1'), '203.0.113.1/32');
    assert.equal(targetKey('2001:DB8::1'), '2001:db8::1/128');
    assert.equal(targetKey(' 10.0.0.0/8 '), '10.0.0.0/8');
  });
  void test('reconcilerPlan from configuration', () => {
    const base = { temporal: { enforceTaskQueue: 'palisade-enforce' }, enforcement: { enforcer: 'traefik', reconcile: { enabled: true, intervalMinutes: 15, removeOrphans: true, maxRepairsPerRun: 50 } } };
    assert.deepEqual(reconcilerPlan(base), {
      enabled: true, scheduleId: 'palisade-reconciler', workflowId: 'palisade-reconciler', workflowType: 'reconcilerWorkflow', intervalMinutes: 15,
      input: { enforcers: ['traefik'], removeOrphans: true, maxRepairsPerRun: 50, enforceTaskQueue: 'palisade-enforce' },
    });
    assert.equal(reconcilerPlan({ ...base, enforcement: { ...base.enforcement, enforcer: 'simulated' } }).enabled, false);
    assert.equal(reconcilerPlan({ ...base, enforcement: { ...base.enforcement, reconcile: { ...base.enforcement.reconcile, enabled: false } } }).enabled, false);
  });
});
