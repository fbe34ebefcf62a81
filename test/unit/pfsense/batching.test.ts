// One alias is shared by every block: concurrent approvals must become a few read-modify-writes, and none may be lost.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createPfSenseEnforcer } from '../../../activities/enforcers/pfsense';
import type { EnforcementResult } from '../../../domain/types';
import { aliasBlockRule, FakePfRest } from '../../fakes/pfsense-rest';
import { FakePfXmlRpc } from '../../fakes/pfsense-xmlrpc';
import { block, fakeConfig, ips, pfConfig, SECRETS } from './helpers';

void describe('pfSense alias batching (REST)', () => {
  let fake: FakePfRest;
  let port: number;
  const enforcer = () => createPfSenseEnforcer(pfConfig({ transports: ['rest'], batchWindowMs: 10, rest: { port } }), { restApplyPollMs: 1 });
  const ours = () => fake.aliases.find((a) => a.name === 'PALISADE_BLOCK');

  before(async () => {
    fake = new FakePfRest({ rules: [aliasBlockRule()], apiKey: SECRETS.apiKey, applyPolls: 2 });
    port = await fake.start();
  });
  after(() => fake.close());
  beforeEach(() => {
    fake.aliases = [{ name: 'PALISADE_BLOCK', type: 'network', descr: '', address: ['198.51.100.7/32'], detail: ['operator entry'] }];
    fake.aliasWrites = 0;
    fake.applyCalls = 0;
  });

  void it('500 concurrent applies: every IP present exactly once, few writes, one apply per batch', async () => {
    const e = enforcer();
    const targets = ips(500);
    const results = await Promise.all(targets.map((ip) => e.apply(block(ip))));
    assert.ok(results.every((r) => r.ok && /^added/.test(r.detail)));
    const addrs = ours()!.address;
    assert.equal(addrs.length, 501);
    assert.equal(new Set(addrs).size, 501, 'no duplicates');
    for (const ip of targets) assert.ok(addrs.includes(`${ip}/32`), `${ip} lost`);
    assert.equal(ours()!.detail.length, 501);
    assert.equal(ours()!.detail[0], 'operator entry');
    console.log(`500 concurrent applies → ${fake.aliasWrites} alias writes, ${fake.applyCalls} applies, ${e.batchStats.batches} batches`);
    assert.ok(fake.aliasWrites <= 20, `${fake.aliasWrites} writes`);
    assert.equal(fake.applyCalls, e.batchStats.batches);
  });

  void it('requests arriving while a batch is being written go into the next batch; nothing is lost', async () => {
    const e = enforcer();
    const waves = [ips(100, 0), ips(100, 100), ips(100, 200), ips(100, 300), ips(100, 400)];
    const pending: Promise<EnforcementResult>[] = [];
    let allSubmitted!: () => void;
    const submitted = new Promise<void>((r) => (allSubmitted = r));
    const submitWave = (i: number) => {
      pending.push(...waves[i].map((ip) => e.apply(block(ip))));
      if (i + 1 === waves.length) allSubmitted();
      // The next wave arrives in the middle of this wave's read-modify-write (after the PATCH, before the apply).
      if (i + 1 < waves.length) fake.beforeNext('POST', '/api/v2/firewall/apply', () => submitWave(i + 1));
    };
    submitWave(0);
    // Wait for every wave to have been submitted (each is submitted by the previous batch), then for all results.
    await submitted;
    await Promise.all(pending);
    const addrs = new Set(ours()!.address);
    assert.equal(addrs.size, 501);
    for (const ip of waves.flat()) assert.ok(addrs.has(`${ip}/32`), `${ip} lost`);
    console.log(`5 overlapping waves of 100 → ${e.batchStats.batches} batches, ${fake.aliasWrites} alias writes, ${fake.applyCalls} applies`);
    assert.equal(e.batchStats.batches, 5);
    assert.ok(fake.aliasWrites <= 10);
  });

  void it('mixed concurrent applies and removes: the final set is exactly the expected one', async () => {
    const e = enforcer();
    const old = ips(250, 0);
    const fresh = ips(250, 250);
    await Promise.all(old.map((ip) => e.apply(block(ip))));
    fake.aliasWrites = 0;
    fake.applyCalls = 0;
    const ops = fresh.flatMap((ip, i) => [e.apply(block(ip)), e.remove(block(old[i]))]);
    const results = await Promise.all(ops);
    assert.ok(results.every((r) => r.ok));
    assert.deepEqual([...ours()!.address].sort(), ['198.51.100.7/32', ...fresh.map((ip) => `${ip}/32`)].sort());
    assert.equal(ours()!.detail.length, ours()!.address.length);
    console.log(`250 applies + 250 removes concurrently → ${fake.aliasWrites} alias writes, ${fake.applyCalls} applies`);
    assert.ok(fake.aliasWrites <= 20);
  });
});

void describe('pfSense alias batching (XML-RPC, PHP under php-cli)', () => {
  let fake: FakePfXmlRpc;
  let port: number;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'palisade-batch-'));
    writeFileSync(path.join(dir, 'config.json'), fakeConfig());
    fake = new FakePfXmlRpc({ username: 'admin', password: SECRETS.xmlrpcPassword, stateDir: dir });
    port = await fake.start();
  });
  after(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('500 concurrent applies then 500 concurrent removes: few config writes and reloads, nothing lost', async () => {
    const e = createPfSenseEnforcer(pfConfig({ transports: ['xmlrpc'], batchWindowMs: 10, xmlrpc: { port } }));
    const targets = ips(500);
    await Promise.all(targets.map((ip) => e.apply(block(ip))));
    const st = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { config: { aliases: { alias: { address: string }[] } }; writes: number; reloads: number };
    const addrs = st.config.aliases.alias[0].address.split(' ');
    assert.equal(new Set(addrs).size, 500);
    console.log(`XML-RPC: 500 concurrent applies → ${st.writes} write_config, ${st.reloads} filter_configure`);
    assert.ok(st.writes <= 20 && st.reloads <= 20);
    await Promise.all(targets.map((ip) => e.remove(block(ip))));
    const after2 = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { config: { aliases: { alias: { address: string }[] } }; writes: number };
    assert.equal(after2.config.aliases.alias[0].address, '');
    assert.ok(after2.writes - st.writes <= 20);
  });
});
