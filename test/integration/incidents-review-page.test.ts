// The review page's Incidents panel in real headless Chromium (Debian's chromium) against the real API, dev server and
// alert investigation workflow: an Alertmanager webhook opens an incident, the operator signs in, sees it with its
// (hostile) alert text shown as text, approves it with a comment, and the history records operator and channel.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createDevServerEnv } from '../helpers/temporal-env';
import { startApiStack, type ApiStack } from '../helpers/api-stack';
import { decisionsInHistory, postAlert, waitForIncident } from '../helpers/incidents';

const CHROMIUM = process.env.PALISADE_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.resolve(__dirname, '../../test-output/screenshots');
const HOSTILE = 'DiskFull<img src=x onerror="window.__xss=1">';

let env: TestWorkflowEnvironment;
let stack: ApiStack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

void describe('[dev-server] review page: Incidents panel in headless Chromium', () => {
  const id = 'babe000000000001';
  const other = 'babe000000000002';

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install chromium (scripts/system-packages.txt)`);
    await mkdir(SHOTS, { recursive: true });
    env = await createDevServerEnv();
    stack = await startApiStack(env);
    await postAlert(stack, 'firing', id, HOSTILE);
    await postAlert(stack, 'firing', other, 'HighLatency');
    for (const i of [id, other]) await waitForIncident(env.client, i, (s) => s.status === 'awaiting_decision', 'awaiting_decision');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
    await env?.teardown();
  });

  void test('sign in, see the incident with its alert text as text, approve it with a comment → history has operator and channel', async () => {
    await page.goto(`${stack.url}/`);
    await page.fill('#login-name', 'alice');
    await page.fill('#login-token', stack.secrets.controlToken);
    await page.click('#login-submit');
    await page.locator('#app').waitFor({ state: 'visible' });

    // The list is a visibility query: the row appears once the status attribute is indexed (the page refreshes).
    const row = page.locator(`#incidents-body tr[data-incident="${id}"]`);
    await row.waitFor({ state: 'visible', timeout: 60_000 });
    await page.locator(`#incidents-body tr[data-incident="${other}"][data-status="awaiting_decision"]`).waitFor({ timeout: 60_000 });
    await row.locator('td', { hasText: 'No diagnosis' }).waitFor();
    const text = await row.innerText();
    assert.ok(text.includes(HOSTILE), 'the hostile alert name is shown literally');
    assert.match(text, /awaiting decision/);
    assert.match(text, /critical/);
    assert.equal(await row.locator('img').count(), 0, 'no element was injected');
    assert.equal(await page.evaluate('window.__xss'), undefined, 'no injected script ran');
    assert.match(await page.locator('#incidents-pending').innerText(), /2 awaiting a decision/);
    await page.screenshot({ path: path.join(SHOTS, 'incidents-01-pending.png'), fullPage: true });
    // On a phone the incident rows are cards like every table (style.css conventions): nothing runs off the edge.
    await page.setViewportSize({ width: 390, height: 844 });
    assert.equal(await page.evaluate('document.documentElement.scrollWidth'), 390, 'no horizontal scroll at 390 px');
    const approveBox = await row.locator('button[data-action="approve"]').boundingBox();
    assert.ok(approveBox && approveBox.x + approveBox.width <= 390 && approveBox.height >= 44, `Approve reachable with a 44 px target: ${JSON.stringify(approveBox)}`);
    await page.screenshot({ path: path.join(SHOTS, 'incidents-01b-pending-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    await row.locator('input[name="comment"]').fill('disk cleanup scheduled');
    await row.locator('button[data-action="approve"]').click();
    const status = page.locator(`.incident-decide[data-incident="${id}"] .form-status.ok`);
    await status.waitFor();
    assert.match(await status.innerText(), /Approved — recorded \(execution: execution disabled\)/);

    const decisions = await decisionsInHistory(env.client, id);
    assert.deepEqual(decisions.map((d) => d.input), [{ decision: 'approve', operator: 'alice', channel: 'review-page', comment: 'disk cleanup scheduled' }]);
    assert.equal(decisions[0]!.result?.execution, 'execution_disabled');

    // The row follows the workflow: decided, by whom and through which channel; no more decision buttons.
    const decidedRow = page.locator(`#incidents-body tr[data-incident="${id}"][data-status="decided"]`);
    await decidedRow.waitFor({ timeout: 60_000 });
    await decidedRow.locator('td', { hasText: 'approve by alice via review-page' }).waitFor({ timeout: 30_000 });
    await decidedRow.locator('button[data-action]').first().waitFor({ state: 'detached', timeout: 30_000 });
    assert.match(await page.locator('#incidents-pending').innerText(), /1 awaiting a decision/);
    await page.screenshot({ path: path.join(SHOTS, 'incidents-02-decided.png'), fullPage: true });
  });

  void test('a decision the workflow refuses (decided elsewhere meanwhile) is shown as the refusal, not as success', async () => {
    // The page still shows what it last loaded: freeze its reads at the state before the other decision.
    const auth = { authorization: `Bearer ${stack.secrets.controlToken}` };
    const staleList = await (await fetch(`${stack.url}/api/incidents`, { headers: auth })).text();
    const staleDetail = await (await fetch(`${stack.url}/api/incidents/${other}`, { headers: auth })).text();
    await page.route((u) => u.pathname === '/api/incidents', (r) => r.fulfill({ status: 200, contentType: 'application/json', body: staleList }));
    await page.route((u) => u.pathname === `/api/incidents/${other}`, (r) => r.fulfill({ status: 200, contentType: 'application/json', body: staleDetail }));
    const res = await fetch(`${stack.url}/api/incidents/${other}/decision`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ decision: 'reject', approver: 'bob' }),
    });
    assert.equal(res.status, 200);
    const row = page.locator(`#incidents-body tr[data-incident="${other}"]`);
    await row.locator('button[data-action="acknowledge"]').click();
    const error = page.locator(`.incident-decide[data-incident="${other}"] .form-status.error`);
    await error.waitFor();
    assert.match(await error.innerText(), /already rejected by bob via api/);
    assert.deepEqual((await decisionsInHistory(env.client, other)).map((d) => d.input.operator), ['bob'], 'only the first decision is in the history');
    await page.unrouteAll();
    assert.deepEqual(pageErrors, []);
  });
});
