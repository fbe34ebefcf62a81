// The pure half of the ownership record: JSON Pointers and "remove one occurrence from the recorded list only".
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPointer, occurrences, parsePointer, planRemoval, valueAt, type WrittenEntry } from '../../../domain/written-entry';

const mw = (list: string[]) => ({ metadata: { name: 'deny' }, spec: { plugin: { denyip: { ipDenyList: list, other: 1 } } } });
const at = (field: string, entry = '203.0.113.9/32', name = 'deny'): WrittenEntry => ({ kind: 'Middleware', namespace: 'traefik', name, field, entry });
const DENY = '/spec/plugin/denyip/ipDenyList';

void describe('written entries', () => {
  void test('pointers round-trip keys with "/" and "~"', () => {
    for (const segs of [['spec', 'plugin', 'a/b~c', 'denyList'], ['spec', 'ingress', 0, 'from', 12, 'ipBlock', 'except']]) {
      assert.deepEqual(parsePointer(formatPointer(segs)), segs.map(String));
    }
    assert.equal(parsePointer('spec/x'), undefined);
    assert.equal(valueAt({ a: [{ b: 1 }] }, '/a/0/b'), 1);
    assert.equal(valueAt({ a: [{ b: 1 }] }, '/a/01/b'), undefined);
    assert.equal(valueAt({ a: { b: 1 } }, '/a/toString'), undefined, 'no inherited properties');
  });

  const cases: Array<{ name: string; obj: unknown; entries: WrittenEntry[]; patch?: unknown; removed: number; missing: number }> = [
    { name: 'one occurrence from the recorded list', obj: mw(['198.51.100.1', '203.0.113.9/32']), entries: [at(DENY)],
      patch: { spec: { plugin: { denyip: { ipDenyList: ['198.51.100.1'] } } } }, removed: 1, missing: 0 },
    { name: "an operator's identical entry stays", obj: mw(['203.0.113.9/32', '198.51.100.1', '203.0.113.9/32']), entries: [at(DENY)],
      patch: { spec: { plugin: { denyip: { ipDenyList: ['198.51.100.1', '203.0.113.9/32'] } } } }, removed: 1, missing: 0 },
    { name: 'a differently spelled entry is not ours', obj: mw(['203.0.113.9']), entries: [at(DENY)], removed: 0, missing: 1 },
    { name: 'the list is gone', obj: { spec: {} }, entries: [at(DENY)], removed: 0, missing: 1 },
    { name: 'a bad pointer touches nothing', obj: mw(['203.0.113.9/32']), entries: [at('spec.plugin')], removed: 0, missing: 1 },
    {
      name: 'NetworkPolicy: only the recorded except list, empty except dropped, whole ingress in the patch',
      obj: { spec: { ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['203.0.113.9/32'] } }] }, { from: [{ ipBlock: { cidr: '203.0.0.0/16', except: ['203.0.113.9/32'] } }] }] } },
      entries: [at('/spec/ingress/0/from/0/ipBlock/except')],
      patch: { spec: { ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }, { from: [{ ipBlock: { cidr: '203.0.0.0/16', except: ['203.0.113.9/32'] } }] }] } },
      removed: 1, missing: 0,
    },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      const before = structuredClone(c.obj);
      const plan = planRemoval(c.obj, c.entries);
      assert.deepEqual(plan.patch, c.patch);
      assert.equal(plan.removed.length, c.removed);
      assert.equal(plan.missing.length, c.missing);
      assert.deepEqual(c.obj, before, 'the input is not modified');
    });
  }

  void test('occurrences counts exact text only', () => {
    assert.equal(occurrences(mw(['203.0.113.9/32', '203.0.113.9', '203.0.113.9/32']), DENY, '203.0.113.9/32'), 2);
    assert.equal(occurrences(mw([]), '/spec/nothing', 'x'), 0);
  });
});
