// The PHP the XML-RPC and SSH transports send, run by the real php CLI against the pfSense stub
// (config_get_path / config_set_path / write_config / mark_subsystem_dirty / filter_configure over a JSON file).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ownerDetail } from '../../../activities/enforcers/types';
import { planBatch, type AliasOp } from '../../../activities/enforcers/pfsense/model';
import { cliPhpScript, execPhpCode, parsePhpResult, PhpRefusedError, SSH_RESULT_MARKER, type PhpRequest } from '../../../activities/enforcers/pfsense/php';
import { EXEC_PHP_HARNESS } from '../../fakes/pfsense-xmlrpc';
import { FAKE_BIN_DIR } from '../../fakes/pfsense-ssh/sshd';

interface State {
  config: { aliases?: { alias: { name: string; type: string; address: string; detail: string }[] } };
  writes?: number;
  reloads?: number;
  dirty?: string[];
}

let dir: string;
const state = (): State => JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as State;
const alias = (name = 'PALISADE_BLOCK') => state().config.aliases?.alias.find((a) => a.name === name);
const seed = (aliases: { name: string; type: string; address: string; detail: string }[]) =>
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ config: { aliases: { alias: aliases } } }));

/** As pfsense.exec_php runs it: eval inside a function, `$toreturn` returned. */
function viaExecPhp(req: PhpRequest): string {
  const r = spawnSync('/usr/bin/php', ['-n', EXEC_PHP_HARNESS], { input: execPhpCode(req), env: { PFSENSE_FAKE_DIR: dir }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr || r.stdout);
  return (JSON.parse(r.stdout.trim().split('\n').pop()!) as { r: string }).r;
}

/** As the SSH transport runs it: the php CLI reading the script on stdin, pfSense includes on the include path. */
function viaCli(req: PhpRequest): string {
  const r = spawnSync(path.join(FAKE_BIN_DIR, 'php'), [], { input: cliPhpScript(req), env: { PFSENSE_FAKE_DIR: dir, PATH: process.env.PATH }, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr || r.stdout);
  const line = r.stdout.split('\n').filter((l) => l.startsWith(SSH_RESULT_MARKER)).pop()!;
  return line.slice(SSH_RESULT_MARKER.length);
}

const add = (ip: string, blockId: string, reason = 'scanner', type: 'host' | 'network' = 'network'): AliasOp =>
  ({ kind: 'add', ip, value: type === 'network' ? `${ip}/${ip.includes(':') ? 128 : 32}` : ip, blockId, detail: ownerDetail(blockId, reason) });
const del = (ip: string, blockId: string): AliasOp => ({ kind: 'remove', ip, blockId });
const req = (ops: AliasOp[], over: Partial<PhpRequest> = {}): PhpRequest => ({ alias: 'PALISADE_BLOCK', type: 'network', create: true, descr: 'Palisade', ops, ...over });

for (const [variant, run] of [['exec_php (XML-RPC)', viaExecPhp], ['php CLI (SSH)', viaCli]] as const) {
  void describe(`pfSense alias PHP via ${variant}`, () => {
    beforeEach(() => {
      dir = mkdtempSync(path.join(os.tmpdir(), 'palisade-php-'));
      seed([{ name: 'OTHER', type: 'host', address: '192.0.2.1', detail: 'not ours' }]);
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    void it('creates the alias on first add, writes once, reloads once, leaves other aliases alone', () => {
      const r = parsePhpResult(run(req([add('203.0.113.9', '203.0.113.9#1')])), 1);
      assert.deepEqual(r.outcomes, ['added']);
      assert.equal(r.created, true);
      assert.deepEqual(alias(), { name: 'PALISADE_BLOCK', type: 'network', descr: 'Palisade', address: '203.0.113.9/32', detail: 'palisade:203.0.113.9#1 scanner' });
      assert.deepEqual(alias('OTHER'), { name: 'OTHER', type: 'host', address: '192.0.2.1', detail: 'not ours' });
      assert.equal(state().writes, 1);
      assert.equal(state().reloads, 1);
      assert.deepEqual(state().dirty, [], 'aliases subsystem cleared after filter_configure');
      assert.equal(readFileSync(path.join(dir, 'tables', 'PALISADE_BLOCK'), 'utf8'), '203.0.113.9\n');
    });

    void it('duplicate add leaves one entry and does not write', () => {
      run(req([add('203.0.113.9', '203.0.113.9#1')]));
      const r = parsePhpResult(run(req([add('203.0.113.9', '203.0.113.9#1')])), 1);
      assert.deepEqual(r.outcomes, ['present']);
      assert.equal(r.changed, false);
      assert.equal(alias()!.address, '203.0.113.9/32');
      assert.equal(state().writes, 1);
    });

    void it('a batch of adds and removes is one write; address and detail stay aligned', () => {
      run(req([add('203.0.113.1', 'a#1'), add('203.0.113.2', 'b#1'), add('2001:db8::5', 'c#1', 'v6')]));
      const r = parsePhpResult(run(req([del('203.0.113.1', 'a#1'), add('203.0.113.3', 'd#1'), del('203.0.113.9', 'z#1')])), 3);
      assert.deepEqual(r.outcomes, ['removed', 'added', 'absent']);
      assert.equal(alias()!.address, '203.0.113.2/32 2001:db8::5/128 203.0.113.3/32');
      assert.equal(alias()!.detail, 'palisade:b#1 scanner||palisade:c#1 v6||palisade:d#1 scanner');
      assert.equal(state().writes, 2);
    });

    void it('removing the last entry empties the alias', () => {
      run(req([add('203.0.113.9', 'a#1')]));
      const r = parsePhpResult(run(req([del('203.0.113.9', 'a#1')])), 1);
      assert.deepEqual(r.outcomes, ['removed']);
      assert.deepEqual(r.entries, []);
      assert.equal(alias()!.address, '');
      assert.equal(alias()!.detail, '');
      assert.equal(readFileSync(path.join(dir, 'tables', 'PALISADE_BLOCK'), 'utf8'), '');
    });

    void it('never removes an entry Palisade did not create, and matches bare IPs', () => {
      seed([{ name: 'PALISADE_BLOCK', type: 'network', address: '198.51.100.7/32 198.51.100.8', detail: 'operator||Entry added Mon' }]);
      const r = parsePhpResult(run(req([del('198.51.100.7', 'x#1'), del('198.51.100.8', 'y#1'), add('198.51.100.8', 'y#1')])), 3);
      assert.deepEqual(r.outcomes, ['not_owned', 'not_owned', 'present']);
      assert.equal(alias()!.address, '198.51.100.7/32 198.51.100.8');
      assert.equal(state().writes, undefined, 'nothing written');
    });

    void it('lists entries (no ops) without writing, including on a missing alias', () => {
      assert.deepEqual(parsePhpResult(run(req([])), 0).entries, []);
      run(req([add('203.0.113.9', 'a#1', "quote ' and \\ and $x")]));
      const r = parsePhpResult(run(req([])), 0);
      assert.deepEqual(r.entries, [{ address: '203.0.113.9/32', detail: "palisade:a#1 quote ' and \\ and $x" }]);
      assert.equal(state().writes, 1);
    });

    void it('agrees with the TypeScript planner on a mixed sequence', () => {
      const ops = [add('203.0.113.1', 'a#1'), add('203.0.113.1', 'a#2'), del('203.0.113.1', 'a#1'), add('203.0.113.2', 'b#1'), del('203.0.113.2', 'b#1'), add('2001:db8::1', 'c#1')];
      const php = parsePhpResult(run(req(ops)), ops.length);
      const ts = planBatch([], ops);
      assert.deepEqual(php.outcomes, ts.outcomes);
      assert.deepEqual(php.entries, ts.entries);
    });

    void it('refuses values that are not single IPs even if they get past the TypeScript checks', () => {
      const evil: AliasOp = { kind: 'add', ip: "1.2.3.4'); system('touch /tmp/pwned'); ('", value: '1.2.3.4/32', blockId: 'e#1', detail: 'x' };
      assert.throws(() => parsePhpResult(run(req([evil])), 1), (e: unknown) => e instanceof PhpRefusedError && /invalid op 0/.test(e.message));
      const bareInNetwork: AliasOp = { kind: 'add', ip: '1.2.3.4', value: '1.2.3.4', blockId: 'e#1', detail: 'x' };
      assert.throws(() => parsePhpResult(run(req([bareInNetwork])), 1), /network aliases need/);
      const pipes: AliasOp = { kind: 'add', ip: '1.2.3.4', value: '1.2.3.4/32', blockId: 'e#1', detail: 'a||b' };
      assert.throws(() => parsePhpResult(run(req([pipes])), 1), /invalid op 0/);
      assert.throws(() => parsePhpResult(run(req([], { alias: 'BAD NAME' })), 0), /invalid alias name/);
      assert.equal(state().writes, undefined, 'nothing written');
    });

    void it('does not create the alias when createAlias is off', () => {
      assert.throws(() => parsePhpResult(run(req([add('203.0.113.9', 'a#1')], { create: false })), 1), (e: unknown) => e instanceof PhpRefusedError && e.error === 'alias_not_found');
      assert.equal(alias(), undefined);
    });

    void it('refuses an existing alias of the other type', () => {
      seed([{ name: 'PALISADE_BLOCK', type: 'host', address: '198.51.100.7', detail: 'x' }]);
      assert.throws(() => parsePhpResult(run(req([add('203.0.113.9', 'a#1')])), 1), /alias_type_mismatch: alias is host/);
      assert.equal(alias()!.address, '198.51.100.7');
    });

    void it('host aliases store bare IPs', () => {
      const r = parsePhpResult(run(req([add('203.0.113.9', 'a#1', 'x', 'host')], { type: 'host' })), 1);
      assert.deepEqual(r.entries.map((e) => e.address), ['203.0.113.9']);
    });
  });
}
