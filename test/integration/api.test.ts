// The HTTP API end to end: real express server on 127.0.0.1, real Temporal dev server, the real threat workflow and
// workers (in-memory enforcer as the firewall). Refusals must start nothing; decisions must land in the workflow.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { signApprovalLink, UsedLinkStore, usedLinksFile, verifyApprovalLink } from '../../runtime/signed-links';
import { createDevServerEnv } from '../helpers/temporal-env';
import { feedSighting, startApiStack, waitUntil, type ApiStack } from '../helpers/api-stack';
import { submitSighting } from '../../runtime/sightings';
import { GOVERNOR_WORKFLOW_ID, threatWorkflowId } from '../../workflows/messages';

let env: TestWorkflowEnvironment;
let stack: ApiStack;
let ipCounter = 10;
/** A fresh public IP per test (documentation ranges are never-block, so these come from routable space; no traffic is sent). */
const nextIp = () => `45.146.${Math.floor(ipCounter / 250)}.${(ipCounter++ % 250) + 1}`;

async function call(method: string, path: string, opts: { token?: string | null; body?: unknown; raw?: string; contentType?: string; accept?: string } = {}) {
  const headers: Record<string, string> = {};
  const token = opts.token === undefined ? stack.secrets.controlToken : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (opts.body !== undefined || opts.raw !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
  if (opts.accept) headers.accept = opts.accept;
  const res = await fetch(`${stack.url}${path}`, {
    method, headers, body: opts.raw ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

function assertRefused(r: { status: number; json: any; text: string }, status: number, message: RegExp) {
  assert.equal(r.status, status, `expected ${status}, got ${r.status}: ${r.text.slice(0, 300)}`);
  assert.match(r.json?.error ?? r.text, message);
  assert.ok(!/\n\s+at /.test(r.text), 'no stack trace in the response');
}

const pendingIp = async () => {
  const ip = nextIp();
  await stack.sight(ip, { score: 90 });
  await stack.waitForState(ip, (s) => s.status === 'pending_review', 'pending_review');
  return ip;
};

void describe('[dev-server] HTTP API', () => {
  before(async () => {
    env = await createDevServerEnv();
    stack = await startApiStack(env, { api: { maxBodyBytes: 2048 } }, { operatorTimeoutMs: 2000 });
  });
  after(async () => {
    await stack?.stop();
    await env?.teardown();
  });

  void test('the workers start the rate governor before any threat asks for it', async () => {
    // No sighting has been sent yet in this file: the governor is running because createWorkers started it.
    const d = await env.client.workflow.getHandle(GOVERNOR_WORKFLOW_ID).describe();
    assert.equal(d.status.name, 'RUNNING');
    assert.equal(d.taskQueue, stack.config.temporal.governorTaskQueue);
  });

  void test('health reports Temporal reachable; unknown API routes are JSON 404s', async () => {
    const h = await call('GET', '/health', { token: null });
    assert.equal(h.status, 200);
    assert.equal(h.json.status, 'ok');
    assert.equal(h.json.temporal.reachable, true);
    // Issue 13: /health carries the live preconditions (here a simulated / in-memory enforcer: nothing to refuse).
    assert.equal(h.json.preconditions.ok, true);
    assert.deepEqual(h.json.preconditions.sections.map((s: { name: string }) => s.name).slice(1), ['effect sources']);
    assert.match(h.json.preconditions.sections[0].checks[0].detail, /nothing runs against a real data plane/);
    const r = await call('GET', '/api/nope');
    assertRefused(r, 404, /no such endpoint/);
    assert.match(r.headers.get('content-type') ?? '', /json/);
  });

  void describe('refusals start nothing', () => {
    void test('no token, wrong token, ingest token on the control API → 401/403', async () => {
      const ip = nextIp();
      const body = { decision: 'approve', approver: 'mallory' };
      assertRefused(await call('POST', `/api/threats/${ip}/decision`, { token: null, body }), 401, /authentication required/);
      assertRefused(await call('POST', `/api/threats/${ip}/decision`, { token: 'wrong', body }), 403, /not valid/);
      assertRefused(await call('POST', `/api/threats/${ip}/decision`, { token: stack.secrets.ingestToken, body }), 403, /not valid/);
      assertRefused(await call('GET', '/api/threats', { token: `${stack.secrets.controlToken}x` }), 403, /not valid/);
      assertRefused(await call('POST', '/api/sightings', { token: null, body: { ip } }), 401, /authentication required/);
      assertRefused(await call('POST', '/api/sightings', { token: 'wrong', body: { ip } }), 403, /not valid/);
      assertRefused(await call('POST', '/api/links', { token: null, body: { ip, decision: 'approve', approver: 'x' } }), 401, /authentication/);
      assertRefused(await call('POST', '/webhook/alertmanager', { token: null, body: { version: '4', alerts: [] } }), 401, /authentication required/);
      assertRefused(await call('POST', '/webhook/icinga', { token: 'wrong', body: {} }), 401, /authentication required/);
      assert.equal(await stack.workflowAbsent(ip), true);
    });

    void test('oversized, malformed, wrongly typed and invalid bodies → 4xx with a message', async () => {
      const ip = nextIp();
      const big = JSON.stringify({ ip, evidence: { narrative: 'x'.repeat(4000) } });
      assertRefused(await call('POST', '/api/sightings', { token: stack.secrets.ingestToken, raw: big }), 413, /too large/);
      assertRefused(await call('POST', '/api/sightings', { token: stack.secrets.ingestToken, raw: '{"ip": "1.2.3.4",' }), 400, /not valid JSON/);
      assertRefused(await call('POST', '/api/sightings', { token: stack.secrets.ingestToken, raw: `ip=${ip}`, contentType: 'application/x-www-form-urlencoded' }), 415, /must be JSON/);
      assertRefused(await call('POST', '/api/sightings', { token: stack.secrets.ingestToken, body: { ip, direction: 'sideways' } }), 400, /direction/);
      assertRefused(await call('POST', '/api/sightings', { token: stack.secrets.ingestToken, body: { ip, evidence: { paths: 'not-a-list' } } }), 400, /evidence\.paths/);
      assertRefused(await call('POST', '/api/sightings', { token: stack.secrets.ingestToken, body: { ip: `${ip}/24` } }), 400, /network/);
      assertRefused(await call('POST', '/api/sightings', { token: stack.secrets.ingestToken, body: { ip, unknownField: 1 } }), 400, /unknownField|Unrecognized/i);
      // Never-block addresses are refused with the reason, whatever their spelling.
      assertRefused(await call('POST', '/api/sightings', { token: stack.secrets.ingestToken, body: { ip: '::ffff:127.0.0.1' } }), 400, /never block \(special-purpose\): 127\.0\.0\.1 is in 127\.0\.0\.0\/8/);
      assertRefused(await call('POST', '/api/sightings', { token: stack.secrets.ingestToken, body: { ip: '10.20.30.40' } }), 400, /never block.*private/i);
      assert.equal(await stack.workflowAbsent('127.0.0.1'), true);
      assert.equal(await stack.workflowAbsent('10.20.30.40'), true);
      const bad = await call('POST', `/api/threats/${ip}/decision`, { body: { decision: 'approve' } });
      assertRefused(bad, 400, /approver/);
      assert.ok(Array.isArray(bad.json.details));
      assertRefused(await call('POST', `/api/threats/${ip}/decision`, { body: { decision: 'approve', approver: 'alice' } }), 404, /no open threat workflow/);
      assertRefused(await call('POST', '/api/threats/not-an-ip/decision', { body: { decision: 'approve', approver: 'alice' } }), 400, /not a single IP/);
      assertRefused(await call('POST', `/api/threats/${ip}/hold`, { body: { action: 'extend', approver: 'alice' } }), 400, /hours/);
      assertRefused(await call('GET', '/api/threats?status=everything'), 400, /unknown status/);
      assertRefused(await call('POST', '/api/links', { body: { ip, decision: 'approve', approver: 'alice' } }), 404, /no open threat workflow/);
      assert.equal(await stack.workflowAbsent(ip), true);
    });

    void test('forged, tampered, expired and malformed signed links → 403/410/400', async () => {
      const ip = nextIp();
      const forged = signApprovalLink('not-the-key', { ip, case: '1-9f2c4e1a7b3d', decision: 'approve', approver: 'mallory' }, { ttlSeconds: 600 }).token;
      assertRefused(await call('POST', `/approve/${forged}`, { token: null, body: {} }), 403, /signature is not valid/);
      const genuine = signApprovalLink(stack.secrets.linkSigningKey, { ip, case: '1-9f2c4e1a7b3d', decision: 'reject', approver: 'alice' }, { ttlSeconds: 600 }).token;
      const [v, body, sig] = genuine.split('.');
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString());
      const tampered = [v, Buffer.from(JSON.stringify({ ...claims, decision: 'approve' })).toString('base64url'), sig].join('.');
      assertRefused(await call('POST', `/approve/${tampered}`, { token: null, body: {} }), 403, /signature is not valid/);
      const expired = signApprovalLink(stack.secrets.linkSigningKey, { ip, case: '1-9f2c4e1a7b3d', decision: 'approve', approver: 'alice' }, { ttlSeconds: 60, now: Date.now() - 3_600_000 }).token;
      assertRefused(await call('POST', `/approve/${expired}`, { token: null, body: {} }), 410, /expired/);
      assertRefused(await call('GET', `/approve/${expired}`, { token: null, accept: 'text/html' }), 410, /expired/);
      assertRefused(await call('POST', '/approve/garbage', { token: null, body: {} }), 400, /malformed/);
      assert.equal(await stack.workflowAbsent(ip), true);
    });
  });

  void test('a manual sighting never carries the caller score: recorded as claimedScore, scored from intel', async () => {
    const ip = nextIp();
    const r = await call('POST', '/api/sightings', {
      token: stack.secrets.ingestToken,
      body: { ip, score: 100, knownBad: true, reason: 'saw it in our WAF', evidence: { paths: ['/.env'], requestCount: 3 } },
    });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.json.workflowId, `threat/${ip}`);
    const s = await stack.waitForState(ip, (st) => Boolean(st.decision), 'a policy decision');
    assert.equal(s.evidence.maxScore, 0);
    assert.equal(s.evidence.knownBad, false);
    assert.deepEqual(s.evidence.sources, ['manual']);
    const extra = s.evidence.recent.at(-1)?.evidence.extra;
    assert.equal(extra?.claimedScore, 100);
    assert.equal(extra?.claimedKnownBad, true);
    assert.notEqual(s.decision?.kind, 'auto');
    assert.notEqual(s.decision?.kind, 'review');
  });

  void test('approve through the API: recorded with approver and channel, enforced, listed, then held and released', async () => {
    const ip = await pendingIp();
    const listed = await waitUntil(() => call('GET', '/api/threats?status=pending_review'), (r) => r.json?.threats?.some((t: any) => t.ip === ip), 'visibility listing');
    assert.equal(listed.json.threats.find((t: any) => t.ip === ip).status, 'pending_review');

    const detail = await call('GET', `/api/threats/${ip}`);
    assert.equal(detail.status, 200);
    assert.equal(detail.json.state.status, 'pending_review');
    assert.ok(detail.json.state.timeline.length > 0);
    assert.equal(detail.json.execution.executionStatus, 'RUNNING');

    const d = await call('POST', `/api/threats/${ip}/decision`, { body: { decision: 'approve', approver: 'alice', comment: 'scanner', durationHours: 6 } });
    assert.equal(d.status, 200, d.text);
    assert.equal(d.json.accepted, true);
    assert.equal(d.json.decision.approver, 'alice');
    assert.equal(d.json.decision.channel, 'api');

    const blocked = await stack.waitForState(ip, (s) => s.status === 'blocked', 'blocked');
    assert.equal(blocked.review?.decision?.approver, 'alice');
    assert.equal(blocked.review?.decision?.comment, 'scanner');
    assert.equal(blocked.block?.target, `${ip}/32`);
    assert.ok([...stack.enforcer.entries.values()].some((e) => e.blockId === blocked.block?.blockId));

    // A second decision is refused by the workflow's validator: 409 with its reason.
    assertRefused(await call('POST', `/api/threats/${ip}/decision`, { body: { decision: 'reject', approver: 'bob' } }), 409, /not waiting for a review/);

    const ext = await call('POST', `/api/threats/${ip}/hold`, { body: { action: 'extend', hours: 2, approver: 'bob' } });
    assert.equal(ext.status, 200, ext.text);
    const rel = await call('POST', `/api/threats/${ip}/hold`, { body: { action: 'release', approver: 'bob', reason: 'false positive' } });
    assert.equal(rel.status, 200, rel.text);
    const released = await stack.waitForState(ip, (s) => s.outcome === 'released', 'released');
    assert.deepEqual(released.holdActions.map((a) => [a.action, a.by, a.channel]), [['extend', 'bob', 'api'], ['release', 'bob', 'api']]);
    assert.ok(![...stack.enforcer.entries.values()].some((e) => e.blockId === blocked.block?.blockId), 'block removed from the enforcer');
  });

  void test('a link clicked while its case is not yet pending is not used up: it works once the case awaits review', async () => {
    const ip = nextIp();
    // A link is bound to a case (finding 2); this one names a case of a workflow that does not exist yet.
    const early = signApprovalLink(stack.secrets.linkSigningKey, { ip, case: '1-000000000000', decision: 'reject', approver: 'dave' }, { ttlSeconds: 600 }).token;
    assertRefused(await call('POST', `/approve/${early}`, { token: null, body: {} }), 404, /no open threat workflow/);
    const v = verifyApprovalLink(stack.secrets.linkSigningKey, early);
    assert.ok(v.ok);
    if (v.ok) assert.equal(await new UsedLinkStore(usedLinksFile(stack.config.dataDir)).isUsed(v.fingerprint), false, 'not used up');
    await stack.sight(ip, { score: 90 });
    const { review } = await stack.waitForState(ip, (s) => s.status === 'pending_review', 'pending_review');
    // Another case's link stays refused once a case is pending (and is still not used up).
    assertRefused(await call('POST', `/approve/${early}`, { token: null, body: {} }), 409, /this link was for case 1 of an earlier workflow/);
    const { token } = signApprovalLink(stack.secrets.linkSigningKey, { ip, case: review!.case!, decision: 'reject', approver: 'dave' }, { ttlSeconds: 600 });
    const used = await call('POST', `/approve/${token}`, { token: null, body: {} });
    assert.equal(used.status, 200, used.text);
    assert.equal((await stack.waitForState(ip, (s) => s.outcome === 'rejected', 'rejected')).review?.decision?.approver, 'dave');
    assertRefused(await call('POST', `/approve/${token}`, { token: null, body: {} }), 410, /already been used/);
  });

  void test('a signed link: confirm page records nothing, POST decides once, reuse is refused (410), also after a restart of the store', async () => {
    const ip = await pendingIp();
    const minted = await call('POST', '/api/links', { body: { ip, decision: 'reject', approver: 'carol', ttlSeconds: 600 } });
    assert.equal(minted.status, 201, minted.text);
    const token = minted.json.url.split('/approve/')[1];
    assert.equal(token, minted.json.token);

    const page = await call('GET', `/approve/${token}`, { token: null, accept: 'text/html' });
    assert.equal(page.status, 200);
    assert.match(page.text, new RegExp(ip.replace(/\./g, '\\.')));
    assert.match(page.text, /pending_review/);
    assert.equal((await stack.state(ip)).status, 'pending_review', 'opening the link decided nothing');

    const used = await call('POST', `/approve/${token}`, { token: null, raw: 'comment=not+ours', contentType: 'application/x-www-form-urlencoded', accept: 'text/html' });
    assert.equal(used.status, 200, used.text);
    assert.match(used.text, /Rejected/);
    const s = await stack.waitForState(ip, (st) => st.outcome === 'rejected', 'rejected');
    assert.equal(s.review?.decision?.channel, 'signed-link');
    assert.equal(s.review?.decision?.approver, 'carol');
    assert.equal(s.review?.decision?.comment, 'not ours');

    assertRefused(await call('POST', `/approve/${token}`, { token: null, body: {} }), 410, /already been used/);
    assertRefused(await call('GET', `/approve/${token}`, { token: null, accept: 'application/json' }), 410, /already been used/);
    // A new server process reads the same store file: still refused.
    const v = verifyApprovalLink(stack.secrets.linkSigningKey, token);
    assert.ok(v.ok);
    if (v.ok) assert.equal(await new UsedLinkStore(usedLinksFile(stack.config.dataDir)).isUsed(v.fingerprint), true);
  });

  // Issue 11, finding 2: an approval is bound to the case it was issued for, not to the address.
  void test('an unused link from case 1 is refused against case 2 of the same IP, naming both cases; the API refuses a stale case too', async () => {
    const ip = await pendingIp();
    const case1 = (await stack.state(ip)).review?.case;
    assert.match(case1 ?? '', /^1-[0-9a-z]{12}$/, 'the review of case 1 carries its case reference');
    const minted = await call('POST', '/api/links', { body: { ip, decision: 'approve', approver: 'carol', ttlSeconds: 600 } });
    assert.equal(minted.status, 201, minted.text);
    assert.equal(minted.json.case, case1);
    // Case 1 is decided elsewhere; the link stays unused.
    const rejected = await call('POST', `/api/threats/${ip}/decision`, { body: { decision: 'reject', approver: 'dave', case: case1 } });
    assert.equal(rejected.status, 200, rejected.text);
    assert.equal(rejected.json.decision.case, case1);
    await stack.waitForState(ip, (s) => s.outcome === 'rejected', 'case 1 rejected');
    // The IP comes back stronger: case 2 opens (score +10 reopens within the cooldown) and waits for review.
    await stack.sight(ip, { score: 100 });
    const s2 = await stack.waitForState(ip, (s) => s.cycle === 2 && s.status === 'pending_review', 'case 2 pending');
    const case2 = s2.review?.case;
    assert.match(case2 ?? '', /^2-[0-9a-z]{12}$/);

    const page = await call('GET', `/approve/${minted.json.token}`, { token: null, accept: 'text/html' });
    assert.equal(page.status, 200);
    assert.match(page.text, /this link was for case 1; case 2 is pending/, 'the confirm page warns before the button is pressed');
    const used = await call('POST', `/approve/${minted.json.token}`, { token: null, body: {} });
    assertRefused(used, 409, /this link was for case 1; case 2 is pending/);
    // The review page / API sent the case it looked at: case 1 is no longer the one pending.
    assertRefused(await call('POST', `/api/threats/${ip}/decision`, { body: { decision: 'approve', approver: 'erin', channel: 'review-page', case: case1 } }), 409, /this decision was for case 1; case 2 is pending/);
    assertRefused(await call('POST', '/api/links', { body: { ip, decision: 'approve', approver: 'carol', case: case1 } }), 409, /is not the review pending/);
    const after = await stack.state(ip);
    assert.equal(after.status, 'pending_review', 'nothing was decided');
    assert.equal(after.review?.decision, undefined);
    assert.equal(stack.enforcer.entries.size === 0 || ![...stack.enforcer.entries.values()].some((e) => e.blockId === `${ip}#2`), true, 'nothing was blocked');
    // The case on screen decides it.
    const ok = await call('POST', `/api/threats/${ip}/decision`, { body: { decision: 'reject', approver: 'erin', channel: 'review-page', case: case2 } });
    assert.equal(ok.status, 200, ok.text);
  });

  void test('no worker answers: 503 with an honest message, the signed link is given back, nothing accepted', async () => {
    const ip = nextIp();
    // The workflow exists but its task queue has no worker (workers down or partitioned).
    const orphanConfig = { ...stack.config, temporal: { ...stack.config.temporal, taskQueue: `nobody-polls-${ip}` } };
    await submitSighting(env.client, orphanConfig, ip, feedSighting(90));
    const handle = env.client.workflow.getHandle(threatWorkflowId(ip));
    try {
      assertRefused(await call('POST', `/api/threats/${ip}/decision`, { body: { decision: 'approve', approver: 'alice' } }), 503, /may still be applied/);
      const { token } = signApprovalLink(stack.secrets.linkSigningKey, { ip, case: '1-9f2c4e1a7b3d', decision: 'approve', approver: 'alice' }, { ttlSeconds: 600 });
      assertRefused(await call('POST', `/approve/${token}`, { token: null, body: {} }), 503, /may still be applied/);
      const v = verifyApprovalLink(stack.secrets.linkSigningKey, token);
      assert.ok(v.ok);
      if (v.ok) assert.equal(await new UsedLinkStore(usedLinksFile(stack.config.dataDir)).isUsed(v.fingerprint), false, 'the link can be used again');
      const history = await handle.fetchHistory();
      const types = (history.events ?? []).map((e) => Number(e.eventType));
      assert.ok(types.length > 0 && types.every(Number.isInteger), `event types are enum numbers: ${types.join(",")}`);
      // temporal.api.enums.v1.EventType: 41 WORKFLOW_EXECUTION_UPDATE_ACCEPTED, 43 WORKFLOW_EXECUTION_UPDATE_COMPLETED
      assert.ok(!types.includes(41) && !types.includes(43), `no update accepted or completed: ${types.join(',')}`);
    } finally {
      await handle.terminate('test cleanup');
    }
  });

  void test('bulk decision: one result per IP, each through the same path', async () => {
    const a = await pendingIp();
    const b = await pendingIp();
    const missing = nextIp();
    // A list with an entry that is not an IP is refused whole: nothing is half-applied.
    assertRefused(await call('POST', '/api/decisions/bulk', { body: { decision: 'reject', approver: 'dave', ips: [a, b, missing, 'bogus'] } }), 400, /not an IP address: "bogus"; nothing was decided/);
    for (const ip of [a, b]) assert.equal((await stack.waitForState(ip, (st) => st.status === 'pending_review', 'still pending')).review?.decision, undefined);
    const r = await call('POST', '/api/decisions/bulk', { body: { decision: 'reject', approver: 'dave', ips: [a, b, missing] } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.accepted, 2);
    const byIp = Object.fromEntries(r.json.results.map((x: any) => [x.ip, x]));
    assert.equal(byIp[a].ok, true);
    assert.equal(byIp[b].ok, true);
    assert.equal(byIp[missing].code, 'not_found');
    for (const ip of [a, b]) {
      const s = await stack.waitForState(ip, (st) => st.outcome === 'rejected', 'rejected');
      assert.equal(s.review?.decision?.approver, 'dave');
    }
    assert.equal(await stack.workflowAbsent(missing), true);
  });

  void test('allowlist: add, list, remove; bad CIDR and unknown entry refused', async () => {
    const add = await call('POST', '/api/allowlist', { body: { cidr: '198.18.7.0/24', description: 'partner', approver: 'erin' } });
    assert.equal(add.status, 201, add.text);
    assert.equal(add.json.entry.cidr, '198.18.7.0/24');
    const list = await call('GET', '/api/allowlist');
    assert.ok(list.json.entries.some((e: any) => e.cidr === '198.18.7.0/24'));
    assertRefused(await call('POST', '/api/allowlist', { body: { cidr: '10.0.0.1/8', approver: 'erin' } }), 400, /host bits/);
    // The config's width rule for never-block lists applies here too: no switching blocking off through the allowlist.
    for (const wide of ['0.0.0.0/0', '::/0', '44.0.0.0/7', '2000::/15']) {
      assertRefused(await call('POST', '/api/allowlist', { body: { cidr: wide, approver: 'mallory' } }), 400, /wider than/);
    }
    assert.ok(!(await call('GET', '/api/allowlist')).json.entries.some((e: any) => /\/(0|7|15)$/.test(e.cidr)));
    const del = await call('DELETE', '/api/allowlist', { body: { cidr: '198.18.7.0/24', approver: 'erin' } });
    assert.equal(del.status, 200, del.text);
    assertRefused(await call('DELETE', '/api/allowlist', { body: { cidr: '198.18.7.0/24', approver: 'erin' } }), 404, /no allowlist entry/);
  });

  void test('metrics: decisions by channel and result, pending-review gauge from visibility', async () => {
    const m = await call('GET', '/metrics', { token: null });
    assert.equal(m.status, 200);
    assert.match(m.text, /palisade_human_decisions_total\{subject="threat",decision="approve",channel="api",result="accepted"\} 1/);
    // Two signed-link rejections were accepted above (the early-clicked link, then the confirm-page link).
    assert.match(m.text, /palisade_human_decisions_total\{subject="threat",decision="reject",channel="signed-link",result="accepted"\} 2/);
    assert.match(m.text, /palisade_signed_link_uses_total\{result="bad_signature"\} 2/);
    assert.match(m.text, /palisade_pending_reviews \d+/);
    assert.match(m.text, /palisade_api_auth_failures_total\{kind="control"\} \d+/);
  });
});
