// The review page in real headless Chromium against the real API, dev server and threat workflow: sign in, see the
// pending threat with its evidence (attacker-controlled strings shown as text, never run), approve it, watch it become
// an active block, extend it. Screenshots go to test-output/screenshots/.
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
const SHOTS = path.resolve(__dirname, '../../test-output/screenshots');
const XSS_PATH = '/.env"><img src=x onerror="window.__xss=1">';
const XSS_UA = '<script>window.__xss=2</script> trufflehog/3.63';

let env: TestWorkflowEnvironment;
let stack: ApiStack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

void describe('[dev-server] review page in headless Chromium', () => {
  const scanner = '45.155.205.17';
  const other = '193.35.18.44';

  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install chromium (scripts/system-packages.txt)`);
    await mkdir(SHOTS, { recursive: true });
    env = await createDevServerEnv();
    stack = await startApiStack(env);
    await stack.sight(scanner, {
      score: 92,
      evidence: {
        summary: '62 requests to sensitive paths in 60 s',
        requestCount: 62,
        paths: ['/.env', '/.git/config', '/wp-config.php', XSS_PATH],
        userAgents: [XSS_UA, 'gitleaks/8.18.2'],
        statusCounts: { '401': 20, '403': 38, '404': 4 },
        narrative: 'Secrets scanner probing for credentials across hosted sites.',
      },
    });
    await stack.sight(other, { score: 86, evidence: { summary: 'SSH brute force', requestCount: 410, paths: [], userAgents: [] } });
    for (const ip of [scanner, other]) await stack.waitForState(ip, (s) => s.status === 'pending_review', 'pending_review');

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('dialog', (d) => void d.accept());
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
    await env?.teardown();
  });

  void test('a wrong token is refused on the login form', async () => {
    await page.goto(`${stack.url}/`);
    await page.locator('#login').waitFor({ state: 'visible' });
    await shot('01-login');
    await page.fill('#login-name', 'alice');
    await page.fill('#login-token', 'not-the-token');
    await page.click('#login-submit');
    await page.locator('#login-error').waitFor({ state: 'visible' });
    assert.match(await page.locator('#login-error').innerText(), /refused/);
    assert.equal(await page.evaluate('sessionStorage.getItem("palisade.token")'), null, 'a refused token is not kept');
  });

  void test('sign in, see the pending threat with its evidence as text, approve it, see it blocked', async () => {
    await page.fill('#login-name', 'alice');
    await page.fill('#login-token', stack.secrets.controlToken);
    await page.click('#login-submit');
    await page.locator('#app').waitFor({ state: 'visible' });
    assert.equal(await page.locator('#who').innerText(), 'alice');

    const card = page.locator(`article.threat[data-ip="${scanner}"]`);
    await card.waitFor({ state: 'visible' });
    await page.locator(`article.threat[data-ip="${other}"]`).waitFor({ state: 'visible' });
    // Details arrive with the threat's state: the policy decision and its reasons.
    await card.locator('.block', { hasText: 'Policy decision' }).locator('ul.reasons li').first().waitFor();
    const text = await card.innerText();
    assert.ok(text.includes(XSS_PATH), 'the hostile path is shown literally');
    assert.ok(text.includes(XSS_UA), 'the hostile user agent is shown literally');
    assert.match(text, /review/);
    assert.equal(await card.locator('img').count(), 0, 'no element was injected');
    assert.equal(await page.evaluate('window.__xss'), undefined, 'no injected script ran');
    assert.equal(await page.locator('#pending-count').innerText(), '2');
    await shot('02-pending-reviews');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('02b-pending-reviews-phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    await card.locator('textarea[name="comment"]').fill('Secrets scanner, 62 hits on /.env');
    await card.locator('input[name="durationHours"]').fill('24');
    await card.locator('button[data-action="approve"]').click();
    await card.locator('.form-status.ok').waitFor();
    assert.match(await card.locator('.form-status').innerText(), /Approved/);

    const row = page.locator(`#blocks-body tr[data-ip="${scanner}"]`);
    await row.waitFor({ state: 'visible', timeout: 60_000 });
    await card.waitFor({ state: 'detached', timeout: 60_000 });
    assert.match(await row.innerText(), new RegExp(`${scanner.replace(/\./g, '\\.')}/32`));
    assert.match(await row.innerText(), /alice via review-page/);
    // Issue 13: the verification levels of the block, each with its evidence on hover.
    const level = row.locator('td .tag', { hasText: /^loaded$/ });
    await level.waitFor({ timeout: 30_000 });
    assert.match(await level.getAttribute('title') ?? '', /^present: yes — .+\nloaded: yes — .+\neffective: not measured \(no effect source configured\)$/);
    assert.equal(await page.locator('#pending-count').innerText(), '1');
    await shot('03-blocked');

    const s = await stack.state(scanner);
    assert.equal(s.status, 'blocked');
    assert.equal(s.review?.decision?.approver, 'alice');
    assert.equal(s.review?.decision?.channel, 'review-page');
    assert.equal(s.review?.decision?.comment, 'Secrets scanner, 62 hits on /.env');
    assert.match(s.review?.decision?.case ?? '', /^1-[0-9a-z]{12}$/, 'the page sent the case it showed');
    assert.equal(s.review?.decision?.case, s.review?.case);
    assert.equal(s.block?.durationHours, 24);
    assert.ok([...stack.enforcer.entries.values()].some((e) => e.blockId === s.block?.blockId), 'the enforcer holds the block');
  });

  void test('extend the active block from the table', async () => {
    const before = (await stack.state(scanner)).block?.expiresAt;
    const row = page.locator(`#blocks-body tr[data-ip="${scanner}"]`);
    await row.locator('input.duration').fill('12');
    await row.locator('button', { hasText: 'Extend' }).click();
    await row.locator('.form-status.ok').waitFor();
    const s = await stack.waitForState(scanner, (st) => st.holdActions.some((a) => a.action === 'extend'), 'extend recorded');
    assert.deepEqual(s.holdActions.map((a) => [a.action, a.by, a.channel, a.hours]), [['extend', 'alice', 'review-page', 12]]);
    assert.equal(Date.parse(s.block!.expiresAt!) - Date.parse(before!), 12 * 3_600_000);
    // The next refresh shows the new expiry (24 h + 12 h).
    await row.locator('td', { hasText: 'in 36 h' }).waitFor();
    await shot('04-extended');
  });

  void test('the signed-link confirmation page renders (and records nothing)', async () => {
    const res = await fetch(`${stack.url}/api/links`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.secrets.controlToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ip: other, decision: 'approve', approver: 'bob', durationHours: 12 }),
    });
    assert.equal(res.status, 201);
    const { token } = (await res.json()) as { token: string };
    const linkPage = await browser.newPage({ viewport: { width: 900, height: 800 } });
    try {
      await linkPage.goto(`${stack.url}/approve/${token}`);
      await linkPage.locator('form button[type="submit"]').waitFor();
      assert.match(await linkPage.locator('h1').innerText(), new RegExp(other.replace(/\./g, '\\.')));
      await linkPage.screenshot({ path: path.join(SHOTS, '05-signed-link-confirm.png'), fullPage: true });
      assert.equal((await stack.state(other)).status, 'pending_review');
      await linkPage.fill('textarea[name="comment"]', 'approved from my phone');
      await linkPage.click('form button[type="submit"]');
      await linkPage.locator('.card.ok').waitFor();
      await linkPage.screenshot({ path: path.join(SHOTS, '06-signed-link-done.png'), fullPage: true });
      const s = await stack.waitForState(other, (st) => st.review?.decision !== undefined, 'decision');
      assert.equal(s.review?.decision?.channel, 'signed-link');
      assert.equal(s.review?.decision?.approver, 'bob');
    } finally {
      await linkPage.close();
    }
  });

  void test('no script errors on the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
