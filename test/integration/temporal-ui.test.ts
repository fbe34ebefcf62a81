// The Temporal Web UI as an approval channel, driven in real headless Chromium against the UI the Temporal CLI dev
// server serves, with the real threat workflow, activities and API. The JSON typed into the UI is read from
// docs/temporal-ui.md and the list filters from README.md, so the documentation is what is tested.
// Screenshots go to test-output/temporal-ui/ (docs/images/temporal-ui/ holds copies of them).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { uiFilterQueries, workflowUiUrl } from '../../domain/temporal-ui';
import type { ThreatState } from '../../domain/threat-state';
import { threatWorkflowId } from '../../workflows/messages';
import { startApiStack, waitUntil, type ApiStack } from '../helpers/api-stack';
import { runCli } from '../helpers/run-cli';
import { createDevServerEnv, freeLoopbackPort } from '../helpers/temporal-env';
import { CHROMIUM_FLAGS, TemporalUi } from '../helpers/temporal-ui-driver';

const ROOT = path.resolve(__dirname, '../..');
const CHROMIUM = process.env.PALISADE_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.join(ROOT, 'test-output/temporal-ui');

/** The ```json examples of docs/temporal-ui.md, keyed by what they do ("decide approve", "hold extend", ...). */
function documentedInputs(): Map<string, string> {
  const doc = readFileSync(path.join(ROOT, 'docs/temporal-ui.md'), 'utf8');
  const out = new Map<string, string>();
  for (const m of doc.matchAll(/```json\n(.*?)\n```/gs)) {
    const text = m[1]!.trim();
    const v = JSON.parse(text) as { decision?: string; action?: string };
    out.set(v.decision ? `decide ${v.decision}` : `hold ${v.action}`, text);
  }
  return out;
}

/** The filters README.md gives operators, by the label in its table's first column. */
function readmeFilters(): Map<string, string> {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const out = new Map<string, string>();
  for (const m of readme.matchAll(/^\| (pending reviews|active blocks|failures of the last day) \| `([^`]+)` \|/gm)) out.set(m[1]!, m[2]!);
  return out;
}

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const decode = (p: temporal.api.common.v1.IPayload | null | undefined) => defaultPayloadConverter.fromPayload(p as never);

let env: TestWorkflowEnvironment;
let stack: ApiStack;
let uiBase: string;
let browser: Browser;
let page: Page;
let ui: TemporalUi;
const pageErrors: string[] = [];
const docs = documentedInputs();

const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });

async function apiThreat(ip: string): Promise<{ state: ThreatState; links: { temporalUi?: string } }> {
  const res = await fetch(`${stack.url}/api/threats/${encodeURIComponent(ip)}`, { headers: { authorization: `Bearer ${stack.secrets.controlToken}` } });
  assert.equal(res.status, 200);
  return (await res.json()) as { state: ThreatState; links: { temporalUi?: string } };
}

async function history(ip: string): Promise<HistoryEvent[]> {
  return (await env.client.workflow.getHandle(threatWorkflowId(ip)).fetchHistory()).events ?? [];
}

async function visibleIds(query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of env.client.workflow.list({ query })) ids.push(w.workflowId);
  return ids.sort();
}

void describe('[dev-server] approving from the Temporal UI in headless Chromium', () => {
  const viaUpdate = '45.155.205.17';
  const viaSignal = '193.35.18.44';
  const stillPending = '185.220.101.4';
  const failed = '92.118.39.12';
  const doc = (key: string) => {
    const text = docs.get(key);
    assert.ok(text, `docs/temporal-ui.md has a JSON example for ${key}`);
    return text;
  };

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install chromium (scripts/system-packages.txt)`);
    await mkdir(SHOTS, { recursive: true });
    const uiPort = await freeLoopbackPort();
    env = await createDevServerEnv({ uiPort });
    uiBase = `http://127.0.0.1:${uiPort}`;
    stack = await startApiStack(env, { temporal: { uiUrl: uiBase } });
    for (const ip of [viaUpdate, viaSignal, stillPending, failed]) await stack.sight(ip, { score: 90 });
    for (const ip of [viaUpdate, viaSignal, stillPending, failed]) await stack.waitForState(ip, (s) => s.status === 'pending_review', 'pending_review');

    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_FLAGS });
    // Clipboard access: the Queries tab's copy button is how the whole state query result is read back.
    page = await browser.newPage({ viewport: { width: 1280, height: 860 }, timezoneId: 'UTC', permissions: ['clipboard-read', 'clipboard-write'] });
    // The suite runs beside others on two cores: give each UI step a minute before calling it stuck.
    page.setDefaultTimeout(60_000);
    page.on('pageerror', (e) => pageErrors.push(e.message));
    ui = new TemporalUi(page, uiBase, env.namespace ?? 'default');
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
    await env?.teardown();
  });

  void test('the decide update, sent with the documented JSON through More Actions → Send an Update, approves the threat', async () => {
    // The API's deep link is the page the operator lands on.
    const { links } = await apiThreat(viaUpdate);
    assert.equal(links.temporalUi, `${uiBase}/namespaces/default/workflows/threat%2F${viaUpdate}`);
    await page.goto(links.temporalUi!);
    await ui.waitForWorkflowPage(threatWorkflowId(viaUpdate));
    await shot('01-threat-workflow-page');

    await page.getByRole('button', { name: 'More Actions' }).click();
    await page.getByRole('menuitem', { name: 'Send an Update' }).waitFor();
    await shot('02-more-actions-menu');
    await page.getByRole('menuitem', { name: 'Send an Update' }).click();
    const dialog = ui.dialog('Send an Update');
    await dialog.waitFor();
    const json = doc('decide approve');
    await ui.fill(dialog, 'decide', json);
    await shot('03-send-update-decide');
    await ui.submit(dialog);
    await dialog.waitFor({ state: 'hidden' });

    const s = await stack.waitForState(viaUpdate, (st) => st.status === 'blocked', 'blocked');
    const sent = JSON.parse(json) as Record<string, string>;
    const api = (await apiThreat(viaUpdate)).state;
    assert.equal(api.status, 'blocked');
    assert.equal(api.review?.decision?.approver, sent.approver);
    assert.equal(api.review?.decision?.channel, 'temporal-ui');
    assert.equal(api.review?.decision?.comment, sent.comment);
    assert.ok([...stack.enforcer.entries.values()].some((e) => e.blockId === s.block?.blockId), 'the firewall holds the block');

    // The history has the update as the UI sent it (json/plain, the documented object) and its success.
    const events = await history(viaUpdate);
    const accepted = events.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'decide');
    assert.equal(accepted.length, 1);
    const input = accepted[0]!.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.args!.payloads!;
    assert.equal(input.length, 1, 'one argument');
    assert.deepEqual(decode(input[0]), sent);
    const completed = events.find((e) => e.workflowExecutionUpdateCompletedEventAttributes?.meta?.updateId === accepted[0]!.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest?.meta?.updateId);
    const result = decode(completed?.workflowExecutionUpdateCompletedEventAttributes?.outcome?.success?.payloads?.[0]) as { accepted: boolean; decision: { approver: string; channel: string } };
    assert.deepEqual([result.accepted, result.decision.approver, result.decision.channel], [true, api.review!.decision!.approver, api.review!.decision!.channel]);

    await page.getByRole('row', { name: /Workflow Execution Update Completed/ }).first().waitFor();
    await shot('04-after-decide');
  });

  void test('the decideSignal signal, sent with the same JSON through Send a Signal, approves a second threat', async () => {
    await ui.openWorkflow(threatWorkflowId(viaSignal));
    const dialog = await ui.openAction('Send a Signal');
    assert.equal(await dialog.getByRole('radio', { name: 'json/plain' }).isChecked(), true, 'the UI encodes the input as json/plain');
    const json = doc('decide approve');
    await ui.fill(dialog, 'decideSignal', json);
    await shot('05-send-signal-decide');
    await ui.submit(dialog);
    await dialog.waitFor({ state: 'hidden' });

    await stack.waitForState(viaSignal, (st) => st.status === 'blocked', 'blocked');
    const sent = JSON.parse(json) as Record<string, string>;
    const api = (await apiThreat(viaSignal)).state;
    assert.equal(api.review?.decision?.approver, sent.approver);
    assert.equal(api.review?.decision?.channel, 'temporal-ui');
    const signals = (await history(viaSignal)).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'decideSignal');
    assert.equal(signals.length, 1);
    assert.deepEqual(decode(signals[0]!.workflowExecutionSignaledEventAttributes!.input!.payloads![0]), sent);
    assert.ok(api.timeline.some((t) => t.event === `approved by ${sent.approver} via temporal-ui`), 'the timeline records the decision');
  });

  void test('a late decideSignal is recorded and ignored: the timeline says why, the block stays', async () => {
    const before = await stack.state(viaSignal);
    await ui.openWorkflow(threatWorkflowId(viaSignal));
    const dialog = await ui.openAction('Send a Signal');
    await ui.fill(dialog, 'decideSignal', doc('decide reject'));
    await ui.submit(dialog);
    await dialog.waitFor({ state: 'hidden' });
    const s = await stack.waitForState(viaSignal, (st) => st.timeline.some((t) => t.event === 'decision signal ignored'), 'signal ignored');
    assert.equal(s.timeline.find((t) => t.event === 'decision signal ignored')?.detail, 'this threat is not waiting for a review (status: blocked)');
    assert.equal(s.status, 'blocked');
    assert.deepEqual(s.review?.decision, before.review?.decision, 'the first decision stands');
    assert.equal((await history(viaSignal)).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'decideSignal').length, 2, 'the signal is in the history');
  });

  void test('the hold update with extend lengthens the block the UI approved', async () => {
    const before = (await stack.state(viaUpdate)).block!;
    await ui.openWorkflow(threatWorkflowId(viaUpdate));
    const dialog = await ui.openAction('Send an Update');
    const json = doc('hold extend');
    await ui.fill(dialog, 'hold', json);
    await shot('06-send-update-hold-extend');
    await ui.submit(dialog);
    await dialog.waitFor({ state: 'hidden' });

    const sent = JSON.parse(json) as { hours: number; by: string; reason: string };
    const s = await stack.waitForState(viaUpdate, (st) => st.holdActions.length > 0, 'hold action');
    assert.deepEqual(s.holdActions.map((a) => [a.action, a.by, a.channel, a.hours, a.reason]), [['extend', sent.by, 'temporal-ui', sent.hours, sent.reason]]);
    assert.equal(Date.parse(s.block!.expiresAt!) - Date.parse(before.expiresAt!), sent.hours * 3_600_000);
    assert.equal(s.block!.durationHours, before.durationHours + sent.hours);
    assert.equal(s.status, 'blocked');
    const holds = (await history(viaUpdate)).filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input?.name === 'hold');
    assert.equal(holds.length, 1);
  });

  void test('a decision the workflow refuses shows its reason in the dialog and writes nothing to the history', async () => {
    const eventsBefore = (await history(viaUpdate)).length;
    await ui.openWorkflow(threatWorkflowId(viaUpdate));
    const dialog = await ui.openAction('Send an Update');
    await ui.fill(dialog, 'decide', doc('decide reject'));
    await ui.submit(dialog);
    await dialog.getByRole('alert').filter({ hasText: 'this threat is not waiting for a review (status: blocked)' }).waitFor();
    await shot('07-update-refused');
    assert.equal((await history(viaUpdate)).length, eventsBefore, 'a refused update leaves no event');
    assert.equal((await stack.state(viaUpdate)).review?.decision?.decision, 'approve');
    await dialog.getByRole('button', { name: 'Cancel' }).last().click();
    await dialog.waitFor({ state: 'hidden' });
  });

  void test('the state query in the Queries tab returns the whole case as readable JSON', async () => {
    await ui.openWorkflow(threatWorkflowId(viaUpdate));
    const { shown: text, copied } = await ui.runQuery('state');
    await shot('08-state-query');
    assert.match(text, /^\{\n {2}"workflowId": "threat\/45\.155\.205\.17",\n {2}"ip": "45\.155\.205\.17",\n/, 'pretty-printed JSON, two-space indent');
    const shown = JSON.parse(copied) as ThreatState;
    const actual = await stack.state(viaUpdate);
    assert.equal(shown.status, 'blocked');
    assert.deepEqual(shown.review?.decision, actual.review?.decision);
    assert.deepEqual(shown.holdActions, actual.holdActions);
    assert.ok(shown.decision?.reasons.length, 'the policy reasons are there');
    assert.ok(shown.evidence.paths.includes('/.env'), 'the evidence is there');
  });

  void test('the README filters return exactly the matching threats (visibility API and the UI list)', async () => {
    // One case ends as failed: the firewall refuses the block.
    stack.enforcer.faults.permanentApplyError = 'pfSense refused the change: 401';
    try {
      await fetch(`${stack.url}/api/threats/${failed}/decision`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.secrets.controlToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ decision: 'approve', approver: 'carol', channel: 'api' }),
      });
      await stack.waitForState(failed, (s) => s.outcome === 'failed', 'outcome failed');
    } finally {
      stack.enforcer.faults = {};
    }

    const filters = readmeFilters();
    const now = new Date();
    const since = new Date(now.getTime() - 24 * 3_600_000).toISOString();
    const expected = uiFilterQueries(now);
    // The README's time-bound filter is an example: an operator puts the time 24 hours ago in its place.
    const withSince = (q: string) => q.replace(/'\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z'/, `'${since}'`);
    assert.equal(filters.get('pending reviews'), expected.pendingReviews);
    assert.equal(filters.get('active blocks'), expected.activeBlocks);
    assert.equal(withSince(filters.get('failures of the last day') ?? ''), expected.failuresLastDay);

    const ids = (...ips: string[]) => ips.map(threatWorkflowId).sort();
    // Visibility is eventually consistent: wait for the expected set, then it must be exactly that set.
    await waitUntil(() => visibleIds(filters.get('pending reviews')!), (v) => v.join() === ids(stillPending).join(), 'pending reviews filter');
    await waitUntil(() => visibleIds(filters.get('active blocks')!), (v) => v.join() === ids(viaUpdate, viaSignal).join(), 'active blocks filter');
    await waitUntil(() => visibleIds(withSince(filters.get('failures of the last day')!)), (v) => v.join() === ids(failed).join(), 'failures filter');
    // The window matters: the same failure is not "in the last day" of a window starting after it.
    const later = new Date(Date.now() + 60_000).toISOString();
    assert.deepEqual(await visibleIds(filters.get('failures of the last day')!.replace(/'\d{4}-[^']+'/, `'${later}'`)), []);

    // The same strings pasted into the UI's search box list the same workflows.
    await ui.openListSearch();
    const listed: [string, string[]][] = [
      [filters.get('active blocks')!, ids(viaUpdate, viaSignal)],
      [withSince(filters.get('failures of the last day')!), ids(failed)],
      [filters.get('pending reviews')!, ids(stillPending)],
    ];
    for (const [query, want] of listed) {
      await ui.search(query, want);
      assert.deepEqual(await ui.listedIds(), want, query);
    }
    await shot('09-list-pending-reviews');
  });

  void test('deep links: the review page and `palisade show` open the threat in the Temporal UI', async () => {
    const expected = workflowUiUrl(uiBase, 'default', threatWorkflowId(stillPending));
    const review = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    review.context().setDefaultTimeout(60_000);
    try {
      await review.goto(`${stack.url}/`);
      await review.getByLabel('Your name').fill('alice');
      await review.getByLabel('Control token').fill(stack.secrets.controlToken);
      await review.getByRole('button', { name: /sign in/i }).click();
      const card = review.locator(`article.threat[data-ip="${stillPending}"]`);
      const link = card.getByRole('link', { name: /Temporal UI/ });
      await link.waitFor();
      assert.equal(await link.getAttribute('href'), expected);
      const [opened] = await Promise.all([review.context().waitForEvent('page'), link.click()]);
      await ui.waitForWorkflowPage(threatWorkflowId(stillPending), opened);
      await opened.close();
      const blockLink = review.locator(`#blocks-body tr[data-ip="${viaUpdate}"]`).getByRole('link', { name: /Temporal UI/ });
      assert.equal(await blockLink.getAttribute('href'), workflowUiUrl(uiBase, 'default', threatWorkflowId(viaUpdate)));
    } finally {
      await review.close();
    }

    const cwd = await mkdtemp(path.join(os.tmpdir(), 'palisade-ui-cli-'));
    const show = await runCli(['--address', env.address, '--namespace', env.namespace ?? 'default', 'show', stillPending], {
      cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, PALISADE_CONFIG: '/dev/null', TEMPORAL_UI_URL: uiBase },
    });
    assert.equal(show.code, 0, show.stderr);
    assert.ok(show.stdout.split('\n').includes(`Temporal UI: ${expected}`), show.stdout);
    const noUi = await runCli(['--address', env.address, 'show', stillPending], { cwd, env: { PATH: process.env.PATH ?? '', HOME: cwd, PALISADE_CONFIG: '/dev/null' } });
    assert.equal(noUi.code, 0, noUi.stderr);
    assert.doesNotMatch(noUi.stdout, /Temporal UI/, 'a cluster without temporal.uiUrl gets no link');
  });

  void test('no script errors in the Temporal UI', () => {
    assert.deepEqual(pageErrors, []);
  });
});
