// Issue 15, bulk decisions, on a Temporal dev server with the real threat workflow, API and CLI:
// 50 pending reviews; `palisade approve --all --expected-count 49` refuses and changes nothing; `--expected-count 50`
// approves all 50, each through the `decide` update and counted by the governor as a human action. The API's filter
// and explicit list (409 on a count that differs, per-IP results), Discord's reject-all through the same function, and
// the review page's select-all in headless Chromium (screenshots in test-output/screenshots/bulk/).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { chromium, type Browser } from 'playwright-core';
import { handleCommand, operatorOpsFor } from '../../api/discord/handlers';
import { SA } from '../../domain/search-attributes';
import { GOVERNOR_WORKFLOW_ID, governorStateQuery, THREAT_WORKFLOW_TYPE } from '../../workflows/messages';
import { startApiStack, waitUntil, type ApiStack } from '../helpers/api-stack';
import { runCli, type CliResult } from '../helpers/run-cli';
import { createDevServerEnv } from '../helpers/temporal-env';

const CHROMIUM = process.env.PALISADE_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.resolve(__dirname, '../../test-output/screenshots/bulk');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'palisade-bulk-'));

let env: TestWorkflowEnvironment;
let stack: ApiStack;
let n = 0;
const nextIp = () => `45.148.${Math.floor(n / 250)}.${(n++ % 250) + 1}`;

function cli(args: string[]): Promise<CliResult> {
  // USER: the operator recorded when --operator is not given (over SSH, the login name).
  return runCli(['--address', env.address, '--namespace', env.namespace ?? 'default', ...args], {
    cwd: tmp, env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp, PALISADE_CONFIG: '/dev/null', USER: 'alice' },
  });
}

async function call(method: string, p: string, body?: unknown) {
  const res = await fetch(`${stack.url}${p}`, {
    method,
    headers: { authorization: `Bearer ${stack.secrets.controlToken}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json: any;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: res.status, json, text };
}

const pendingCount = async () => (await env.client.workflow.count(
  `WorkflowType = '${THREAT_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND ${SA.status.name} = 'pending_review'`,
)).count;
const waitPendingCount = (want: number) => waitUntil(pendingCount, (c) => c === want, `${want} pending reviews in visibility`, 1200);
const humanActions = async () => (await env.client.workflow.getHandle(GOVERNOR_WORKFLOW_ID).query(governorStateQuery)).recent.filter((a) => a.kind === 'human');

async function sightPending(count: number, extra: Parameters<ApiStack['sight']>[1] = {}): Promise<string[]> {
  const ips = Array.from({ length: count }, nextIp);
  for (const ip of ips) await stack.sight(ip, extra);
  for (const ip of ips) await stack.waitForState(ip, (s) => s.status === 'pending_review', 'pending_review');
  return ips;
}

void describe('[dev-server] bulk decisions: CLI, API, Discord and the review page through one path', () => {
  before(async () => {
    env = await createDevServerEnv();
    stack = await startApiStack(env);
  });
  after(async () => {
    await stack?.stop();
    await env?.teardown();
  });

  void test('50 pending: approve --all --expected-count 49 refuses and changes nothing; 50 approves all 50, counted by the governor', async () => {
    const ips = await sightPending(50);
    await waitPendingCount(50);
    // What the operator looks at first: the list, with the count to pass.
    const listed = await cli(['pending']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^50 pending review\(s\); to decide exactly these: palisade approve\|reject --all --expected-count 50$/m);

    const noCount = await cli(['approve', '--all', '--operator', 'alice', '--comment', 'wave of scanners']);
    assert.equal(noCount.code, 2, noCount.stderr);
    assert.match(noCount.stderr, /--expected-count is required with --all/);

    // The commands exactly as an operator types them (the operator is the login name; a comment is optional).
    const refused = await cli(['approve', '--all', '--expected-count', '49']);
    assert.equal(refused.code, 4, refused.stdout + refused.stderr);
    assert.match(refused.stderr, /^palisade: all pending reviews match 50 case\(s\) now, not the 49 expected; nothing was decided/);
    assert.doesNotMatch(refused.stderr, /\n\s+at /, 'no stack trace');
    for (const ip of ips) {
      const s = await stack.state(ip);
      assert.equal(s.status, 'pending_review', `${ip} still pending after the refusal`);
      assert.equal(s.review?.decision, undefined, `${ip} has no decision`);
    }
    assert.equal(await pendingCount(), 50);
    assert.equal((await humanActions().catch(() => [])).length, 0, 'the governor counted nothing');

    const approved = await cli(['approve', '--all', '--expected-count', '50']);
    assert.equal(approved.code, 0, approved.stdout + approved.stderr);
    assert.match(approved.stdout, /^approved 50 of 50 \(all pending reviews\) as alice$/m);
    for (const ip of ips) {
      const s = await stack.waitForState(ip, (st) => st.status === 'blocked', 'blocked');
      assert.equal(s.review?.decision?.decision, 'approve');
      assert.equal(s.review?.decision?.approver, 'alice');
      assert.equal(s.review?.decision?.channel, 'cli');
      assert.equal(s.review?.decision?.comment, undefined);
      assert.equal(s.review?.decision?.case, s.review?.case, 'each decision records the case it was bound to');
      assert.equal(s.governor?.granted, true, 'the human approval was counted (countHumanApproval)');
    }
    // The governor counts each bulk approval as a human action, exactly as it does for one.
    const human = await humanActions();
    assert.deepEqual(new Set(human.map((a) => a.ip)), new Set(ips));
    assert.equal(human.length, 50);
    await waitPendingCount(0);

    const nothing = await cli(['reject', '--all', '--expected-count', '0', '--operator', 'alice', '--comment', 'x']);
    assert.equal(nothing.code, 0, nothing.stderr);
    assert.match(nothing.stdout, /^rejected 0 of 0/);
  });

  void test('CLI usage errors: an IP and --all, a bad filter, --case with --all, a count that is not a number', async () => {
    const cases: [string[], RegExp][] = [
      [['approve', '203.0.113.5', '--all', '--expected-count', '1'], /give an IP or --all, not both/],
      [['approve', '--all', '--filter', 'country=RU', '--expected-count', '1'], /--filter: unknown filter key "country"/],
      [['reject', '--all', '--filter', 'status=blocked', '--expected-count', '1'], /applies only to pending reviews/],
      [['approve', '--all', '--case', '1-9f2c4e1a7b3d', '--expected-count', '1'], /--case names one case/],
      [['approve', '--all', '--expected-count', 'fifty'], /--expected-count: not a whole number/],
      [['approve', '203.0.113.5', '--expected-count', '1'], /--filter and --expected-count go with --all/],
      [['approve'], /approve needs an IP, or --all --expected-count/],
    ];
    for (const [args, message] of cases) {
      const r = await cli([...args, '--operator', 'alice', '--comment', 'x']);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message, args.join(' '));
    }
  });

  void test('API: filter with expectedCount (409 on a different count, nothing decided), per-IP results, 400s with messages', async () => {
    const crowd = await sightPending(3, { source: 'crowdsec' });
    const feed = await sightPending(2);
    await waitPendingCount(5);
    const listed = await cli(['pending', '--filter', 'source=crowdsec']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(new Set(listed.stdout.split('\n').filter((l) => /^45\./.test(l)).map((l) => l.split(/\s+/)[0])), new Set(crowd));
    assert.match(listed.stdout, /^3 pending review\(s\) match; to decide exactly these: palisade approve\|reject --all --filter 'source=crowdsec' --expected-count 3$/m);
    const base = { decision: 'approve', approver: 'dave', comment: 'crowdsec wave' };

    const bad: [unknown, RegExp][] = [
      [{ ...base, filter: { source: 'crowdsec' } }, /expectedCount: expectedCount is required with a filter/],
      [{ ...base, filter: {}, expectedCount: 1 }, /filter\.all: an empty filter/],
      [{ ...base, filter: { all: true, source: 'crowdsec' }, expectedCount: 3 }, /not both/],
      [{ ...base, filter: { status: 'blocked' }, expectedCount: 3 }, /filter\.status: a decision applies only to pending reviews/],
      [{ ...base, filter: { minScore: 101 }, expectedCount: 3 }, /filter\.minScore/],
      [{ ...base, filter: { all: true }, ips: [crowd[0]], expectedCount: 1 }, /exactly one/],
      [{ ...base, all: true, filter: { source: 'crowdsec' }, expectedCount: 3 }, /Unrecognized key/],
      [{ ...base, all: true, ips: [crowd[0]], expectedCount: 1 }, /Unrecognized key/],
      [{ ...base, all: 'yes', expectedCount: 1 }, /Unrecognized key/],
      [{ ...base }, /exactly one/],
      [{ ...base, filter: { all: false }, expectedCount: 1 }, /filter\.all/],
      [{ ...base, ips: [crowd[0], crowd[1]], expectedCount: 3 }, /names 2 distinct IP\(s\) but expectedCount is 3/],
      [{ ...base, filter: { all: true }, expectedCount: 5, case: '1-9f2c4e1a7b3d' }, /case/],
      // A list with an entry that is not an IP is refused whole: the valid IPs beside it are not decided either.
      [{ ...base, ips: [crowd[0], 'not-an-ip', { ip: '10.0.0.0/8' }], expectedCount: 3 }, /not an IP address: "not-an-ip", "10\.0\.0\.0\/8"; nothing was decided/],
    ];
    for (const [body, message] of bad) {
      const r = await call('POST', '/api/decisions/bulk', body);
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.text}`);
      assert.match(r.json.error, message);
    }

    // `{"all": true}` at the top is short for `filter: {all: true}`: the same count check (5 pending, not 4).
    const allStale = await call('POST', '/api/decisions/bulk', { ...base, all: true, expectedCount: 4 });
    assert.equal(allStale.status, 409, allStale.text);
    assert.deepEqual(allStale.json.details, { matched: 5, expectedCount: 4 });
    const allNoCount = await call('POST', '/api/decisions/bulk', { ...base, all: true });
    assert.equal(allNoCount.status, 400, allNoCount.text);
    assert.match(allNoCount.json.error, /expectedCount is required with a filter/);

    const stale = await call('POST', '/api/decisions/bulk', { ...base, filter: { source: 'crowdsec' }, expectedCount: 2 });
    assert.equal(stale.status, 409, stale.text);
    assert.match(stale.json.error, /^pending reviews with source=crowdsec match 3 case\(s\) now, not the 2 expected; nothing was decided/);
    assert.deepEqual(stale.json.details, { matched: 3, expectedCount: 2 });
    for (const ip of [...crowd, ...feed]) assert.equal((await stack.state(ip)).review?.decision, undefined, `${ip} untouched`);

    const ok = await call('POST', '/api/decisions/bulk', { ...base, filter: { source: 'crowdsec' }, expectedCount: 3 });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.matched, 3);
    assert.equal(ok.json.accepted, 3);
    assert.equal(ok.json.filter, 'pending reviews with source=crowdsec');
    assert.deepEqual(new Set(ok.json.results.map((r: any) => r.ip)), new Set(crowd));
    for (const ip of crowd) assert.equal((await stack.waitForState(ip, (s) => s.review?.decision !== undefined, 'decided')).review?.decision?.approver, 'dave');
    for (const ip of feed) assert.equal((await stack.state(ip)).status, 'pending_review', `${ip} is not covered by the filter`);

    // Explicit list: a case decided in between is reported per IP, not counted; a wrong case is refused per IP.
    const [a, b] = feed;
    const first = await call('POST', `/api/threats/${a}/decision`, { decision: 'reject', approver: 'erin' });
    assert.equal(first.status, 200, first.text);
    const missing = nextIp();
    const list = await call('POST', '/api/decisions/bulk', {
      ...base, ips: [a, { ip: b, case: '9-000000000000' }, missing, a], expectedCount: 3,
    });
    assert.equal(list.status, 200, list.text);
    assert.equal(list.json.matched, 3);
    assert.equal(list.json.accepted, 0);
    const byIp = Object.fromEntries(list.json.results.map((r: any) => [r.ip, r]));
    assert.equal(byIp[a].code, 'invalid_state');
    assert.match(byIp[a].error, /refused/);
    assert.equal(byIp[b].code, 'invalid_state');
    assert.match(byIp[b].error, /case 9/);
    assert.equal(byIp[missing].code, 'not_found');
    const caseB = (await stack.state(b)).review!.case!;
    const right = await call('POST', '/api/decisions/bulk', { ...base, ips: [{ ip: b, case: caseB }], expectedCount: 1 });
    assert.equal(right.json.accepted, 1, right.text);
    assert.equal((await stack.waitForState(b, (s) => s.review?.decision !== undefined, 'decided')).review?.decision?.case, caseB);
    await waitPendingCount(0);
  });

  void test('Discord /reject-all goes through the same function: refused on another count, then rejects all', async () => {
    const ips = await sightPending(2);
    await waitPendingCount(2);
    const deps = { ops: operatorOpsFor(env.client), access: { guildIds: ['1'], channelIds: ['2'], roleIds: ['3'] } };
    const actor = { userId: '4', username: 'frank', guildId: '1', channelId: '2', roleIds: ['3'] };
    const stale = await handleCommand({ actor, commandName: 'reject-all', options: { expected: 1, comment: 'ours' } }, deps);
    // (Discord escapes markdown characters such as parentheses.)
    assert.match(stale.content!, /^✖ all pending reviews match 2 case.*now, not the 1 expected; nothing was decided/);
    for (const ip of ips) assert.equal((await stack.state(ip)).status, 'pending_review');
    const done = await handleCommand({ actor, commandName: 'reject-all', options: { expected: 2, comment: 'ours' } }, deps);
    assert.match(done.content!, /^❌ Rejected 2 of 2/);
    for (const ip of ips) {
      const s = await stack.waitForState(ip, (st) => st.outcome === 'rejected', 'rejected');
      assert.equal(s.review?.decision?.channel, 'discord');
      assert.equal(s.review?.decision?.comment, 'ours');
    }
    await waitPendingCount(0);
  });

  void test('review page: select-all, deselect one, approve the selection in headless Chromium', async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install chromium (scripts/system-packages.txt)`);
    await mkdir(SHOTS, { recursive: true });
    const ips = await sightPending(4);
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-sync'] });
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      page.on('dialog', (d) => void d.accept());
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${stack.url}/`);
      await page.fill('#login-name', 'grace');
      await page.fill('#login-token', stack.secrets.controlToken);
      await page.click('#login-submit');
      for (const ip of ips) await page.locator(`article.threat[data-ip="${ip}"] input.select-case`).waitFor();

      await page.locator('#select-all').check();
      assert.equal(await page.locator('#bulk-count').innerText(), '4 selected');
      const kept = ips[3]!;
      await page.locator(`article.threat[data-ip="${kept}"] input.select-case`).uncheck();
      assert.equal(await page.locator('#bulk-count').innerText(), '3 selected');
      assert.equal(await page.locator('#select-all').isChecked(), false, 'select-all reflects a partial selection');
      await page.fill('#bulk-comment', 'same scanner family');
      await page.screenshot({ path: path.join(SHOTS, '01-selection.png'), fullPage: true });
      await page.locator('#bulk-approve').click();
      await page.locator('#bulk-status.ok').waitFor();
      assert.match(await page.locator('#bulk-status').innerText(), /Approved 3 of 3/);
      await page.screenshot({ path: path.join(SHOTS, '02-approved.png'), fullPage: true });

      for (const ip of ips.slice(0, 3)) {
        const s = await stack.waitForState(ip, (st) => st.review?.decision !== undefined, 'decided');
        assert.equal(s.review?.decision?.approver, 'grace');
        assert.equal(s.review?.decision?.channel, 'review-page');
        assert.equal(s.review?.decision?.comment, 'same scanner family');
        assert.equal(s.review?.decision?.case, s.review?.case, 'the page sent the case it showed');
      }
      assert.equal((await stack.state(kept)).status, 'pending_review', 'the deselected case is untouched');
      // Decided cards stay a few seconds with their confirmation, but are no longer selectable.
      await page.locator('#select-all').check();
      assert.equal(await page.locator('#bulk-count').innerText(), '1 selected');
      await page.locator('#bulk-reject').click();
      await page.locator('#bulk-status.ok').waitFor();
      assert.match(await page.locator('#bulk-status').innerText(), /Rejected 1 of 1/);
      await stack.waitForState(kept, (st) => st.outcome === 'rejected', 'rejected');
      assert.deepEqual(errors, []);
    } finally {
      await browser?.close();
    }
  });
});
