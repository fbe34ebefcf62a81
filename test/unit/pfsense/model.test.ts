import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PermanentEnforcementError, ownerDetail } from '../../../activities/enforcers/types';
import { entryIp, planBatch, validateTarget, type AliasEntry, type AliasOp } from '../../../activities/enforcers/pfsense/model';

void describe('pfSense model: target validation', () => {
  const ok: [string, string, 'host' | 'network', string][] = [
    ['203.0.113.9', '203.0.113.9/32', 'network', '203.0.113.9/32'],
    ['203.0.113.9', '203.0.113.9', 'host', '203.0.113.9'],
    ['2001:DB8:0::1', '2001:db8::1/128', 'network', '2001:db8::1/128'],
    ['2001:db8::1', '2001:db8::1', 'host', '2001:db8::1'],
  ];
  for (const [ip, target, type, value] of ok) {
    void it(`accepts ${ip} / ${target} for a ${type} alias`, () => {
      assert.deepEqual(validateTarget({ ip, target, blockId: `${ip}#1` }, type).value, value);
    });
  }
  const bad: [string, string, string][] = [
    ['1.2.3.4; reboot', '1.2.3.4/32', 'shell metacharacters'],
    ["1.2.3.4') ; system('id", '1.2.3.4/32', 'PHP injection'],
    ['01.2.3.4', '01.2.3.4/32', 'leading zero octet'],
    ['1.2.3.0', '1.2.3.0/24', 'a network, not one address'],
    ['1.2.3.4', '1.2.3.5/32', 'target differs from ip'],
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4/128', 'IPv4-mapped IPv6'],
    ['fe80::1%eth0', 'fe80::1%eth0/128', 'zone id'],
    ['example.com', 'example.com', 'a name'],
    ['', '', 'empty'],
  ];
  for (const [ip, target, why] of bad) {
    void it(`rejects ${why}`, () => {
      assert.throws(() => validateTarget({ ip, target, blockId: 'x#1' }, 'network'), (e: unknown) => e instanceof PermanentEnforcementError && e.reason === 'validation');
    });
  }
  void it('rejects a blockId with spaces', () => {
    assert.throws(() => validateTarget({ ip: '1.2.3.4', target: '1.2.3.4/32', blockId: 'a b' }, 'network'), PermanentEnforcementError);
  });
});

void describe('pfSense model: entry matching', () => {
  const table: [string, string | undefined][] = [
    ['1.2.3.4', '1.2.3.4'], ['1.2.3.4/32', '1.2.3.4'], ['1.2.3.0/24', undefined], ['2001:0db8::0001/128', '2001:db8::1'],
    ['2001:db8::1/64', undefined], ['host.example.com', undefined], ['OTHER_ALIAS', undefined],
  ];
  for (const [address, ip] of table) void it(`${address} → ${ip}`, () => assert.equal(entryIp(address), ip));
});

void describe('pfSense model: batch planning', () => {
  const add = (ip: string, blockId: string): AliasOp => ({ kind: 'add', ip, value: `${ip}/32`, blockId, detail: ownerDetail(blockId, 'scan') });
  const del = (ip: string, blockId: string): AliasOp => ({ kind: 'remove', ip, blockId });
  const manual: AliasEntry = { address: '198.51.100.7/32', detail: 'added by the operator' };
  const cases: { name: string; current: AliasEntry[]; ops: AliasOp[]; outcomes: string[]; addresses: string[] }[] = [
    { name: 'add to empty', current: [], ops: [add('1.1.1.1', 'a#1')], outcomes: ['added'], addresses: ['1.1.1.1/32'] },
    { name: 'duplicate add in one batch', current: [], ops: [add('1.1.1.1', 'a#1'), add('1.1.1.1', 'a#1')], outcomes: ['added', 'present'], addresses: ['1.1.1.1/32'] },
    { name: 'add then remove', current: [], ops: [add('1.1.1.1', 'a#1'), del('1.1.1.1', 'a#1')], outcomes: ['added', 'removed'], addresses: [] },
    { name: 'remove what another block owns', current: [], ops: [add('1.1.1.1', 'a#1'), del('1.1.1.1', 'a#2')], outcomes: ['added', 'not_owned'], addresses: ['1.1.1.1/32'] },
    { name: 'never remove a manual entry', current: [manual], ops: [del('198.51.100.7', 'x#1')], outcomes: ['not_owned'], addresses: ['198.51.100.7/32'] },
    { name: 'manual entry counts as present', current: [manual], ops: [add('198.51.100.7', 'x#1')], outcomes: ['present'], addresses: ['198.51.100.7/32'] },
    { name: 'retag an entry of an earlier cycle', current: [{ address: '1.1.1.1/32', detail: ownerDetail('a#1', 'x') }], ops: [add('1.1.1.1', 'a#2'), del('1.1.1.1', 'a#2')], outcomes: ['retagged', 'removed'], addresses: [] },
    { name: 'remove absent', current: [manual], ops: [del('1.1.1.1', 'a#1')], outcomes: ['absent'], addresses: ['198.51.100.7/32'] },
    { name: 'bare-IP entry matches', current: [{ address: '1.1.1.1', detail: ownerDetail('a#1', 'x') }], ops: [del('1.1.1.1', 'a#1')], outcomes: ['removed'], addresses: [] },
  ];
  for (const c of cases) {
    void it(c.name, () => {
      const before = JSON.stringify(c.current);
      const r = planBatch(c.current, c.ops);
      assert.deepEqual(r.outcomes, c.outcomes);
      assert.deepEqual(r.entries.map((e) => e.address), c.addresses);
      assert.equal(JSON.stringify(c.current), before, 'input not mutated');
    });
  }
});
