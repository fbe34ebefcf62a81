// The production topology, run for real: `palisade cluster` (Temporal v1.29.1 on PostgreSQL) and Palisade split by
// role into processes as temporal-compose.yml deploys it: one API, two workers on the main queue, one enforcement
// worker in front of a pfSense (the wire-compatible REST fake, the one firewall all processes share).
// End to end: access-log scans from the file source → review → approval through the API → enforcement → expiry and
// lift, with one main worker SIGKILLed in the middle. One cluster for the whole file.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, chmod, mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { aliasBlockRule, FakePfRest } from '../fakes/pfsense-rest';
import { scanLines, scannerIps } from '../helpers/access-log';
import { freePort, startRole, startTestCluster, writeConfig, type RoleProcess, type TestCluster } from '../helpers/cluster';

const ALIAS = 'PALISADE_BLOCK';
const OPERATOR_ENTRY = '198.51.100.7/32';
const SECRETS = { PALISADE_CONTROL_TOKEN: 'cluster-test-control-token-0123456789abcdef', PFSENSE_API_KEY: 'cluster-test-pf-key' };

describe('[cluster] the compose topology as processes against palisade cluster', () => {
  let dir: string;
  let cluster: TestCluster | undefined;
  const pf = new FakePfRest({ rules: [aliasBlockRule()], apiKey: SECRETS.PFSENSE_API_KEY, applyPolls: 1 });
  const procs: RoleProcess[] = [];
  let apiUrl: string;
  let accessLog: string;

  const api = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(`${apiUrl}${p}`, {
      method, headers: { authorization: `Bearer ${SECRETS.PALISADE_CONTROL_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => ({}));
    return { status: res.status, json: json as any };
  };
  const stateOf = async (ip: string) => (await api('GET', `/api/threats/${ip}`)).json.state;
  const waitAll = async (ips: string[], what: string, pred: (s: any) => boolean, timeoutMs = 240_000) => {
    const deadline = Date.now() + timeoutMs;
    let states: any[] = [];
    while (Date.now() < deadline) {
      states = await Promise.all(ips.map(stateOf));
      if (states.every((s) => s && pred(s))) return states;
      await new Promise((r) => setTimeout(r, 1000));
    }
    assert.fail(`${what}: not reached within ${timeoutMs / 1000} s: ${JSON.stringify(states.map((s, i) => [ips[i], s?.status, s?.outcome]))}`);
  };
  const ours = () => pf.aliases.find((a) => a.name === ALIAS)?.address ?? [];
  const live = () => pf.live.find((a) => a.name === ALIAS)?.address ?? [];

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'palisade-cluster-'));
    await chmod(dir, 0o755); // PostgreSQL runs as the postgres user when the tests run as root
    cluster = await startTestCluster(path.join(dir, 'cluster'), { shards: 2, namespace: 'palisade' });
    pf.aliases = [{ name: ALIAS, type: 'network', descr: 'Palisade blocks', address: [OPERATOR_ENTRY], detail: ['operator entry'] }];
    const pfPort = await pf.start();
    const apiPort = await freePort();
    apiUrl = `http://127.0.0.1:${apiPort}`;
    accessLog = path.join(dir, 'access.log');
    await writeFile(accessLog, '');
    const logDir = path.join(dir, 'logs');
    await mkdir(logDir);
    const configFile = await writeConfig(path.join(dir, 'palisade.yaml'), {
      dataDir: path.join(dir, 'data'),
      logLevel: 'warn',
      temporal: { address: cluster.address, namespace: cluster.namespace },
      // 72-second blocks, so expiry and lift happen on the real clock.
      policy: { mode: 'review', dryRun: false, verifySettleSeconds: 1, durations: { minHours: 0.001, maxHours: 0.02, ladderHours: [0.02] } },
      enforcement: {
        enforcer: 'pfsense',
        pfsense: { host: '127.0.0.1', transports: ['rest'], alias: ALIAS, batchWindowMs: 50, rest: { scheme: 'http', port: pfPort, apiKey: { env: 'PFSENSE_API_KEY' } } },
      },
      detection: { accessLog: { file: accessLog }, scanEveryMinutes: 0.1 },
      api: { host: '127.0.0.1', port: apiPort, publicUrl: apiUrl },
    });
    const start = (role: 'api' | 'worker' | 'enforce-worker', name: string) =>
      startRole(role, name, { configFile, logDir, env: SECRETS });
    // In parallel, as compose would start them.
    procs.push(...await Promise.all([start('worker', 'worker-1'), start('worker', 'worker-2'), start('enforce-worker', 'enforce'), start('api', 'api')]));
  });

  after(async () => {
    await Promise.all(procs.map((p) => p.kill('SIGTERM').catch(() => undefined)));
    await pf.close().catch(() => undefined);
    // The last test stops the cluster; this is for a run that failed before it.
    if (cluster) await cluster.stop().catch(() => undefined);
    if (!process.env.PALISADE_KEEP_CLUSTER_TEST_DIR) await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  });

  test('palisade cluster start said what it did, and status reports the running cluster', async () => {
    for (const step of [/Temporal server v1\.29\.1/, /PostgreSQL: created a private cluster/, /schema temporal: database present, schema up to date/,
      /schema temporal_visibility:/, /Temporal server: started/, /namespace palisade: created/, /search attributes PalisadeIp, .*registered/,
      /2 history shards/]) {
      assert.match(cluster!.startOutput, step);
    }
    const s = await cluster!.cli(['cluster', 'status', '--json']);
    assert.equal(s.code, 0, s.stderr);
    const status = JSON.parse(s.stdout);
    assert.deepEqual([status.server.running, status.postgres.running, status.shards, status.address], [true, true, 2, cluster!.address]);
    assert.deepEqual(status.namespaces, ['palisade']);
    // Re-running start on a running cluster changes nothing and says so.
    const again = await cluster!.cli(['cluster', 'start', '--port', String(cluster!.port), '--shards', '2', '--namespace', 'palisade']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /PostgreSQL: using the existing cluster/);
    assert.match(again.stdout, /Temporal server: already running/);
    assert.match(again.stdout, /namespace palisade: exists/);
  });

  test('file source → review → approval through the API → pfSense → expiry and lift, with a main worker SIGKILLed', async () => {
    const ips = scannerIps(6, 40);
    await appendFile(accessLog, ips.map((ip) => scanLines(ip, 'review')).join(''));
    // The scheduled scan (every 6 s) turns each scan into a threat/<ip> workflow that waits for a human.
    await waitAll(ips, 'pending review', (s) => s.status === 'pending_review');
    assert.deepEqual(ours(), [OPERATOR_ENTRY], 'nothing is enforced before approval');

    const decided = await api('POST', '/api/decisions/bulk', { decision: 'approve', approver: 'cluster-test', comment: 'scanner', ips });
    assert.equal(decided.status, 200, JSON.stringify(decided.json));
    assert.equal(decided.json.accepted, ips.length);
    // One main worker dies right after the approvals, while the blocks are being enforced and held.
    const victim = procs.find((p) => p.name === 'worker-1')!;
    await victim.kill('SIGKILL');

    const blocked = await waitAll(ips, 'blocked', (s) => s.status === 'blocked' || s.outcome !== undefined);
    for (const s of blocked) {
      assert.equal(s.review?.decision?.approver, 'cluster-test');
      assert.equal(s.review?.decision?.channel, 'api');
    }
    const held = ours();
    assert.equal(new Set(held).size, held.length, 'no duplicate entries in the alias');
    for (const ip of ips) assert.ok(live().includes(`${ip}/32`) || blocked.find((s) => s.ip === ip).outcome, `${ip}/32 applied on the firewall`);

    const done = await waitAll(ips, 'expired and lifted', (s) => s.outcome !== undefined);
    for (const s of done) {
      assert.equal(s.outcome, 'expired', `${s.ip}: ${s.outcome}`);
      assert.ok(s.block?.liftedAt, `${s.ip} lifted`);
      // Exactly one apply and one remove per block: nothing lost, nothing applied twice despite the killed worker.
      assert.deepEqual(s.enforcement.map((e: any) => e.step), ['apply', 'verify', 'remove', 'verify_removal'], s.ip);
    }
    assert.deepEqual(ours(), [OPERATOR_ENTRY], 'every block lifted, the operator\'s entry untouched');
    assert.deepEqual(live(), [OPERATOR_ENTRY]);
    assert.ok(pf.aliasWrites < ips.length * 2, `approvals batched into few alias writes (${pf.aliasWrites})`);
    // The surviving worker, the enforcement worker and the API are still up.
    for (const p of procs.filter((x) => x !== victim)) assert.equal(p.child.exitCode, null, `${p.name} still running`);
  });

  test('palisade cluster stop stops the server and PostgreSQL; status then exits 5', async () => {
    await Promise.all(procs.map((p) => p.kill('SIGTERM')));
    await cluster!.stop();
    const s = await cluster!.cli(['cluster', 'status', '--json']);
    assert.equal(s.code, 5);
    const status = JSON.parse(s.stdout);
    assert.deepEqual([status.server.running, status.postgres.running], [false, false]);
    cluster = undefined;
  });
});
