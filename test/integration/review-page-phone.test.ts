// Issue 15: the review page on a phone (390 × 844) in real headless Chromium against the real API, dev server and
// threat workflow: sign in, approve a pending review, extend and release the active block. At every step the page
// is no wider than the viewport (document.documentElement.scrollWidth equals the viewport width), every visible
// control is inside the viewport and at least 44 × 44 px, and tables are shown as cards. Screenshots go to
// test-output/screenshots/phone/ (git-ignored).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createDevServerEnv } from '../helpers/temporal-env';
import { startApiStack, type ApiStack } from '../helpers/api-stack';

const CHROMIUM = process.env.PALISADE_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.resolve(__dirname, '../../test-output/screenshots/phone');
const PHONE = { width: 390, height: 844 };

let env: TestWorkflowEnvironment;
let stack: ApiStack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

interface Layout { scrollWidth: number; innerWidth: number; offenders: string[] }

/**
 * Page width, and every visible control that is outside the viewport or smaller than 44 × 44 px. Runs in the page
 * (a string: this project compiles without the DOM library).
 */
const LAYOUT_PROBE = `(() => {
  const offenders = [];
  const describe = (n) => n.tagName.toLowerCase() + (n.id ? '#' + n.id : '') + (n.className ? '.' + String(n.className).replace(/\\s+/g, '.') : '') + ' "' + (n.textContent || '').trim().slice(0, 20) + '"';
  for (const n of document.querySelectorAll('button, input, select, textarea, summary, a, label.check')) {
    if (n.matches('label.check input')) continue; // a checkbox's touch target is the label around it
    const r = n.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue; // not rendered (hidden)
    if (r.height < 44 || r.width < 44) offenders.push(describe(n) + ' is ' + Math.round(r.width) + 'x' + Math.round(r.height));
    if (r.left < 0 || r.right > window.innerWidth + 0.5) offenders.push(describe(n) + ' spans x ' + Math.round(r.left) + '..' + Math.round(r.right));
  }
  return { scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, offenders };
})()`;

const layout = () => page.evaluate<Layout>(LAYOUT_PROBE);
/** The computed display of an element, and of its ::before content. */
const styleOf = (selector: string) => page.evaluate<{ display: string; before: string }>(
  `(() => { const n = document.querySelector(${JSON.stringify(selector)}); return { display: getComputedStyle(n).display, before: getComputedStyle(n, '::before').content }; })()`,
);

async function checkPhoneStep(name: string) {
  const l = await layout();
  assert.equal(l.innerWidth, PHONE.width);
  assert.equal(l.scrollWidth, PHONE.width, `${name}: no horizontal scroll (document ${l.scrollWidth} px wide)`);
  assert.deepEqual(l.offenders, [], `${name}: every control inside the viewport and at least 44 × 44 px`);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

void describe('[dev-server] review page on a phone (390 × 844) in headless Chromium', () => {
  const ip = '45.155.205.61';

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install chromium (scripts/system-packages.txt)`);
    await mkdir(SHOTS, { recursive: true });
    env = await createDevServerEnv();
    stack = await startApiStack(env);
    await stack.sight(ip, {
      score: 91,
      evidence: {
        summary: 'secrets scanner', requestCount: 62, statusCounts: { '404': 62 },
        // Long unbroken strings must wrap, not widen the page.
        paths: ['/.env', `/${'wp-content/plugins/'.repeat(8)}backup-${'x'.repeat(80)}.zip`],
        userAgents: [`Mozilla/5.0 ${'(compatible;scanner)'.repeat(10)}`],
      },
    });
    await stack.waitForState(ip, (s) => s.status === 'pending_review', 'pending_review');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('dialog', (d) => void d.accept());
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
    await env?.teardown();
  });

  void test('sign in on the phone', async () => {
    await page.goto(`${stack.url}/`);
    await page.locator('#login').waitFor({ state: 'visible' });
    await checkPhoneStep('01-login');
    await page.fill('#login-name', 'alice');
    await page.fill('#login-token', stack.secrets.controlToken);
    await page.tap('#login-submit');
    await page.locator(`article.threat[data-ip="${ip}"] .block`, { hasText: 'Policy decision' }).locator('ul.reasons li').first().waitFor();
    await checkPhoneStep('02-pending');
  });

  void test('approve the pending review; the block appears as a card, not a table row', async () => {
    const card = page.locator(`article.threat[data-ip="${ip}"]`);
    await card.locator('textarea[name="comment"]').fill('scanner, from my phone');
    await card.locator('input[name="durationHours"]').fill('24');
    await card.locator('button[data-action="approve"]').tap();
    await card.locator('.form-status.ok').waitFor();
    const row = page.locator(`#blocks-body tr[data-ip="${ip}"]`);
    await row.waitFor({ state: 'visible', timeout: 60_000 });
    // The decided card stays a few seconds with its confirmation (8 s); the layout holds while both are shown.
    await checkPhoneStep('03-approved');
    await card.waitFor({ state: 'detached', timeout: 60_000 });
    const s = await stack.waitForState(ip, (st) => st.status === 'blocked', 'blocked');
    assert.equal(s.review?.decision?.approver, 'alice');
    assert.equal(s.review?.decision?.channel, 'review-page');

    // Cards: cells stacked with their column header as the label, the header row hidden.
    const cell = await styleOf(`#blocks-body tr[data-ip="${ip}"] td:nth-child(2)`);
    assert.notEqual(cell.display, 'table-cell');
    assert.equal(cell.before, '"Target"');
    assert.ok(((await page.locator('#blocks-table thead').boundingBox())?.height ?? 0) <= 1, 'the header row is hidden');
    await checkPhoneStep('04-blocked');
  });

  void test('extend and release the active block without horizontal scrolling', async () => {
    const row = page.locator(`#blocks-body tr[data-ip="${ip}"]`);
    const before = (await stack.state(ip)).block!.expiresAt!;
    await row.locator('input.duration').fill('12');
    await row.locator('button', { hasText: 'Extend' }).tap();
    await row.locator('.form-status.ok', { hasText: 'Extended' }).waitFor();
    const extended = await stack.waitForState(ip, (st) => st.holdActions.some((a) => a.action === 'extend'), 'extend recorded');
    assert.equal(Date.parse(extended.block!.expiresAt!) - Date.parse(before), 12 * 3_600_000);
    await row.locator('td', { hasText: 'in 36 h' }).waitFor();
    await checkPhoneStep('05-extended');

    await row.locator('button', { hasText: 'Release' }).tap();
    await row.locator('.form-status.ok', { hasText: 'Released' }).waitFor();
    await checkPhoneStep('06-released');
    const released = await stack.waitForState(ip, (st) => st.outcome === 'released', 'released');
    assert.deepEqual(released.holdActions.map((a) => [a.action, a.by, a.channel]), [['extend', 'alice', 'review-page'], ['release', 'alice', 'review-page']]);
    await row.waitFor({ state: 'detached', timeout: 60_000 });
    await checkPhoneStep('07-after-release');
  });

  void test('the desktop layout keeps its tables', async () => {
    await stack.sight('45.155.205.62', { score: 90 });
    await stack.waitForState('45.155.205.62', (s) => s.status === 'pending_review', 'pending_review');
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.locator('#open-body tr td').first().waitFor();
    assert.equal((await styleOf('#open-body tr td')).display, 'table-cell');
    assert.equal((await styleOf('#open-table thead th')).display, 'table-cell');
  });

  void test('no script errors on the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
