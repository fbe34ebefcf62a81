// Issue 12, must-show 5: a real CrowdSec Local API (Debian's crowdsec 1.4.6) as a source. `cscli decisions add`
// → the poll workflow → threat/<ip> whose evidence names the scenario; the same decision seen twice is one case; a
// LAPI that is down is a health message, not a failure.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { configSchema } from '../../domain/config';
import type { ThreatState } from '../../domain/threat-state';
import { createDetectionActivities, type CrowdSecPollSummary } from '../../activities/detection';
import { crowdsecStatePath } from '../../activities/detection/crowdsec-source';
import { createWorkers } from '../../workers';
import { startCrowdSec, type CrowdSecLapi } from '../helpers/crowdsec';
import { createDevServerEnv, uniqueQueue, workflowBundle } from '../helpers/temporal-env';
import { recordHistory } from '../helpers/histories';

const IP = '45.155.205.91';

/** A loopback port nothing listens on (bound, then released). */
const closedPort = () => new Promise<number>((resolve) => {
  const s = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = s.address() as net.AddressInfo;
    s.close(() => resolve(port));
  });
});
const KEY_ENV = 'PALISADE_TEST_CROWDSEC_KEY';

void describe('[dev-server] CrowdSec LAPI source (real crowdsec 1.4.6)', () => {
  let env: TestWorkflowEnvironment;
  let lapi: CrowdSecLapi;
  let dir: string;
  before(async () => {
    [env, lapi] = await Promise.all([createDevServerEnv(), startCrowdSec()]);
    dir = await mkdtemp(path.join(os.tmpdir(), 'palisade-crowdsec-test-'));
    process.env[KEY_ENV] = lapi.bouncerKey;
  });
  after(async () => {
    delete process.env[KEY_ENV];
    await lapi?.stop();
    await env?.teardown();
    await rm(dir, { recursive: true, force: true });
  });

  void test('cscli decisions add --reason crowdsecurity/http-probing → threat/<ip> naming the scenario; seen twice = one case', async () => {
    const config = configSchema.parse({
      dataDir: dir, temporal: { taskQueue: uniqueQueue('palisade'), enforceTaskQueue: uniqueQueue('enforce') },
      detection: { crowdsec: { enabled: true, url: lapi.url, apiKey: { env: KEY_ENV } } },
    });
    const workers = await createWorkers({ config, connection: env.nativeConnection, client: env.client, logger: pino({ level: 'silent' }), workflowBundle: await workflowBundle() });
    const running = workers.run();
    try {
      await lapi.cscli(['decisions', 'add', '--ip', IP, '--reason', 'crowdsecurity/http-probing', '--duration', '4h']);
      const pollIds: string[] = [];
      const poll = () => {
        pollIds.push(uniqueQueue('crowdsec-poll'));
        return env.client.workflow.execute('crowdsecPollWorkflow', { taskQueue: config.temporal.taskQueue, workflowId: pollIds.at(-1)! }) as Promise<CrowdSecPollSummary>;
      };
      const first = await poll();
      await recordHistory(env.client, pollIds[0], 'one-decision');
      assert.equal(first.stats.health, 'ok');
      assert.deepEqual(first.sightings.map((s) => [s.ip, s.workflowId, s.behaviour]), [[IP, `threat/${IP}`, 'crowdsec']]);
      const threat = env.client.workflow.getHandle(`threat/${IP}`);
      let state: ThreatState | undefined;
      for (let i = 0; i < 120 && state?.status !== 'pending_review'; i++) {
        state = await threat.query<ThreatState>('state').catch(() => undefined);
        if (state?.status !== 'pending_review') await new Promise((r) => setTimeout(r, 500));
      }
      assert.equal(state?.status, 'pending_review', 'a local CrowdSec ban is an observed attack: it reaches review at the defaults');
      assert.equal(state.evidence.sources[0], 'crowdsec');
      assert.match(JSON.stringify(state.evidence), /crowdsecurity\/http-probing/);
      assert.match(JSON.stringify(state.evidence), /CrowdSec duration 3h59m/);
      const runId = (await threat.describe()).runId;

      // The next poll gets only what changed: nothing.
      const second = await poll();
      assert.deepEqual(second.sightings, []);
      // The same decision seen again (our cursor lost, the stream replayed from the start): still one case.
      await rm(crowdsecStatePath(dir, lapi.url), { force: true });
      const third = await poll();
      assert.deepEqual(third.sightings.map((s) => s.workflowId), [`threat/${IP}`]);
      const after = await threat.describe();
      assert.equal(after.runId, runId, 'the same workflow run merged the repeated decision');
      const merged = await threat.query<ThreatState>('state');
      assert.equal(merged.status, 'pending_review');
      // Deletions are counted, not acted on.
      await lapi.cscli(['decisions', 'delete', '--ip', IP]);
      const fourth = await poll();
      assert.equal(fourth.stats.deleted, 1);
      assert.deepEqual(fourth.sightings, []);
      await threat.terminate('test cleanup');
    } finally {
      workers.shutdown();
      await running;
    }
  });

  void test('a LAPI that is down or refuses the key degrades to a health message; nothing is submitted', async () => {
    const closed = await closedPort();
    const down = configSchema.parse({ dataDir: dir, detection: { crowdsec: { enabled: true, url: `http://127.0.0.1:${closed}`, apiKey: { env: KEY_ENV } } } });
    const a = await createDetectionActivities({ client: env.client, config: down }).pollCrowdSecDecisions();
    assert.equal(a.stats.health, `CrowdSec LAPI at http://127.0.0.1:${closed} unreachable: ECONNREFUSED`);
    assert.deepEqual(a.sightings, []);
    process.env.PALISADE_TEST_CROWDSEC_BAD = 'not-the-key';
    try {
      const refused = configSchema.parse({ dataDir: dir, detection: { crowdsec: { enabled: true, url: lapi.url, apiKey: { env: 'PALISADE_TEST_CROWDSEC_BAD' } } } });
      const b = await createDetectionActivities({ client: env.client, config: refused }).pollCrowdSecDecisions();
      assert.match(b.stats.health, /refused the bouncer key \(HTTP 403\)/);
      assert.ok(!b.stats.health.includes('not-the-key'), 'the key never appears in the message');
    } finally {
      delete process.env.PALISADE_TEST_CROWDSEC_BAD;
    }
  });
});
