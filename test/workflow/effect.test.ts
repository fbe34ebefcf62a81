// Issue 13, must-show 3, end to end on the dev server: the real threat workflow and activities, a Traefik JSON access
// log as the effect source. A scanner keeps sending after an approved block: when Traefik refuses its later requests
// itself (403, no OriginStatus) the block is `effective`; when they still reach the backend it is `ineffective`,
// kept, notified loudly and a review is opened with the evidence. Also: present but not loaded → rolled back.
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createEffectActivities } from '../../activities/effect';
import type { PalisadeConfig } from '../../domain/config';
import { buildTimeline, fetchThreatHistories, formatTimeline } from '../../runtime/audit';
import { loadConfig, type DeepPartial } from '../../runtime/config';
import { decideUpdate } from '../../workflows/messages';
import { createDevServerEnv, workflowBundle } from '../helpers/temporal-env';
import { threatHarness } from '../helpers/threat-harness';

const dir = mkdtempSync(path.join(tmpdir(), 'palisade-effect-wf-'));

/** A Traefik JSON access-log line of the scanner; `origin` set = the request reached the backend. */
const line = (ip: string, o: { status: number; origin?: number; path: string }) => JSON.stringify({
  ClientAddr: `${ip}:41000`, ClientHost: ip, DownstreamStatus: o.status, ...(o.origin !== undefined ? { OriginStatus: o.origin } : {}),
  RequestMethod: 'GET', RequestPath: o.path, RequestHost: 'shop.example.net', RouterName: 'web-shop@kubernetescrd',
  StartUTC: new Date().toISOString(), 'request_User-Agent': 'Mozilla/5.0 (compatible; Nuclei)', level: 'info', msg: '',
});

void describe('[dev-server] block verification: the effect from the access log', () => {
  let env: TestWorkflowEnvironment;
  let bundle: WorkflowBundleWithSourceMap;
  before(async () => {
    env = await createDevServerEnv();
    bundle = await workflowBundle();
  });
  after(async () => {
    await env?.teardown();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A harness whose main worker also runs the effect activities, with the access log as the effect source. */
  function setup(name: string) {
    const file = path.join(dir, `${name}.log`);
    writeFileSync(file, '');
    const overrides: DeepPartial<PalisadeConfig> = {
      policy: { mode: 'review', dryRun: false, verification: { effect: { sources: ['access-log'], settleSeconds: 4 } } },
      detection: { accessLog: { file } },
    };
    const config = loadConfig({ env: {}, file: '/dev/null', overrides });
    const h = threatHarness(env, bundle, { config: overrides, activities: createEffectActivities({ config }) });
    return { h, file };
  }

  /** Sighting → review → approval; resolves once the block is applied and verified (the effect check is waiting). */
  async function approvedBlock(h: ReturnType<typeof setup>['h'], ip: string) {
    const handle = await h.sight(ip, { score: 88 });
    await h.waitFor(ip, (s) => s.status === 'pending_review', 'pending review');
    await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', approver: 'alice', channel: 'test', comment: 'scanner' }] });
    return h.waitFor(ip, (s) => s.verification !== undefined, 'applied and verified');
  }

  void test('the scanner\'s later requests are refused by Traefik (403, no OriginStatus) → effective, kept', async () => {
    const { h, file } = setup('effective');
    const ip = '45.155.207.10';
    await h.run(async () => {
      const verified = await approvedBlock(h, ip);
      assert.equal(verified.verification!.level, 'loaded');
      // The scanner keeps sending; the deny middleware answers itself.
      for (const p of ['/.env', '/.git/config', '/wp-config.php.bak']) appendFileSync(file, `${line(ip, { status: 403, path: p })}\n`);
      const s = await h.waitFor(ip, (x) => x.verification?.effect !== undefined && x.status === 'blocked', 'effect measured');
      assert.equal(s.verification!.effect!.outcome, 'effective');
      assert.equal(s.verification!.level, 'effective');
      assert.equal(s.verification!.next!.step, 'keep');
      assert.equal(s.verification!.effect!.sources[0].refused, 3);
      assert.equal(s.verification!.effect!.sources[0].reached, 0);
      assert.equal(s.verification!.review, undefined);
      assert.ok(s.timeline.some((t) => t.event === 'effect: effective → keep'));
      assert.equal(h.enforcer.entries.has(`${ip}/32`), true);
      assert.ok(!h.notifications.some((n) => n.kind === 'block_ineffective'));
    });
  });

  void test('the scanner\'s later requests still reach the backend → ineffective: kept, notified loudly, review opened with the evidence', async () => {
    const { h, file } = setup('ineffective');
    const ip = '45.155.207.11';
    await h.run(async () => {
      await approvedBlock(h, ip);
      // Blocked on the firewall, but the requests come in through another path (a CDN) and reach the backend.
      appendFileSync(file, `${line(ip, { status: 200, origin: 200, path: '/.env' })}\n${line(ip, { status: 404, origin: 404, path: '/.git/config' })}\n`);
      // The effect is recorded while the case is still enforcing; wait until the saga has settled on an outcome.
      const s = await h.waitFor(ip, (x) => x.verification?.review !== undefined && x.status !== 'enforcing', 'review opened');
      assert.equal(s.verification!.effect!.outcome, 'ineffective');
      assert.equal(s.verification!.next!.step, 'review');
      assert.equal(s.status, 'blocked', 'the block is kept by default');
      assert.equal(h.enforcer.entries.has(`${ip}/32`), true);
      assert.match(s.verification!.review!.evidence[0], new RegExp(`access-log: .*2 request\\(s\\) from ${ip.replace(/\./g, '\\.')} reached a backend, 0 were refused by Traefik \\(1x 200, 1x 404\\)`));
      const n = h.notifications.find((x) => x.kind === 'block_ineffective');
      assert.ok(n, 'notified');
      assert.match(n.title, /INEFFECTIVE: 45\.155\.207\.11 is blocked on memory but its requests still reach a backend/);
      assert.match(n.body, /reached a backend/);
      // `palisade audit` shows the three levels with their evidence.
      const audit = formatTimeline(buildTimeline(await fetchThreatHistories(h.client, ip)));
      assert.match(audit, /firewall: verify 45\.155\.207\.11\/32: level reached: loaded on memory/);
      assert.match(audit, /present: yes — 45\.155\.207\.11\/32 is in the block set/);
      assert.match(audit, /loaded: yes — 45\.155\.207\.11\/32 is in the running set/);
      assert.match(audit, /effect of the block \(level effective when it stopped the traffic\): ineffective since /);
      assert.match(audit, /access-log: ineffective — .*2 request\(s\) from 45\.155\.207\.11 reached a backend/);
    });
  });

  void test('present in the configuration but not loaded by the data plane → rolled back, outcome failed', async () => {
    const { h } = setup('not-loaded');
    h.enforcer.faults.notLoaded = true;
    const ip = '45.155.207.12';
    await h.run(async () => {
      const handle = await h.sight(ip, { score: 88 });
      await h.waitFor(ip, (s) => s.status === 'pending_review', 'pending review');
      await handle.executeUpdate(decideUpdate, { args: [{ decision: 'approve', approver: 'alice', channel: 'test' }] });
      const s = await h.waitFor(ip, (x) => x.outcome !== undefined, 'outcome');
      assert.equal(s.outcome, 'failed');
      assert.deepEqual(s.enforcement.map((e) => `${e.step}:${e.ok}`), ['apply:true', 'verify:false', 'rollback:true']);
      assert.equal(s.verification!.level, 'present');
      assert.match(s.enforcement[1].detail, /present: yes .*loaded: NO/);
      assert.equal(s.verification!.effect, undefined, 'no effect check for a block that did not take');
    });
    assert.equal(h.enforcer.entries.size, 0, 'rolled back');
  });
});
