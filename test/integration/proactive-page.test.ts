// The review page's Proactive panel in real headless Chromium, against the real API, a Temporal dev server running
// the real proactive workflows, and a real Prometheus scraping an exporter this test controls (each busy client is one
// hotspot). The operator sees the hotspots with their ack ids, verdicts and the incident the loop opened, acks one
// inline with a reason and hours, sees it in the muted list, and unacks it; the loop's state records each action.
// Screenshots go to test-output/screenshots/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ProactiveStatus } from '../../domain/proactive/types';
import { getProactiveStatus, runProactiveOnce } from '../../runtime/proactive';
import { startApiStack, waitUntil, type ApiStack } from '../helpers/api-stack';
import { startPrometheus, startTrafficExporter, type RealPrometheus, type TrafficExporter } from '../helpers/prometheus';
import { createDevServerEnv } from '../helpers/temporal-env';
import { readRulePackFile, SHIPPED_RULE_PACK } from '../../runtime/proactive-rules';

const CHROMIUM = process.env.PALISADE_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.resolve(__dirname, '../../test-output/screenshots');
// A label value is scraped text: it reaches the page only as text.
const HOSTILE = '<img src=x onerror=window.__xss=1>';

let env: TestWorkflowEnvironment;
let stack: ApiStack;
let prometheus: RealPrometheus;
let exporter: TrafficExporter;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
const status = (): Promise<ProactiveStatus> => getProactiveStatus(env.client, stack.config);

void describe('[dev-server] review page: the Proactive panel in headless Chromium', () => {
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM}: apt-get install chromium (scripts/system-packages.txt)`);
    await mkdir(SHOTS, { recursive: true });
    exporter = await startTrafficExporter();
    exporter.hit('db-backup', 50);
    exporter.hit(HOSTILE, 3);
    prometheus = await startPrometheus(exporter.url);
    await prometheus.waitForScrape('count(traefik_requests_by_client_total) == 2');
    env = await createDevServerEnv();
    stack = await startApiStack(env, {
      proactive: {
        mode: 'on', prometheusUrl: prometheus.url, disabledRules: readRulePackFile(SHIPPED_RULE_PACK).map((r) => r.name),
        rules: [
          { name: 'very-busy-client', severity: 'critical', query: 'traefik_requests_by_client_total > 10', explanation: 'a client far above its usual rate', title: 'very busy client {{client}}', probes: [] },
          { name: 'busy-client', severity: 'medium', query: 'traefik_requests_by_client_total <= 10', explanation: 'a client is sending requests', title: 'busy client {{client}}', probes: [] },
        ],
      },
    });
    // One cycle: the critical hotspot is investigated (budget 1 per cycle), the other reported.
    const run = await runProactiveOnce(env.client, stack.config, { operator: 'test', channel: 'test' }, { wait: true });
    assert.equal(run.result?.hotspots, 2, JSON.stringify(run.result));

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
    await prometheus?.stop();
    await exporter?.close();
  });

  void test('hotspots with ack ids, verdicts and the incident opened; inline Ack; the muted list; Unack', async () => {
    const s = await status();
    const decisions = s.lastCycle!.decisions;
    const investigated = decisions.find((d) => d.verdict === 'investigated')!;
    const reported = decisions.find((d) => d.verdict === 'reported')!;
    assert.ok(investigated && reported, JSON.stringify(decisions));
    assert.equal(investigated.title, 'very busy client db-backup');
    const incident = s.investigations.find((i) => i.fingerprint === investigated.fingerprint)!.workflowId!;

    await page.goto(`${stack.url}/`);
    await page.fill('#login-name', 'alice');
    await page.fill('#login-token', stack.secrets.controlToken);
    await page.click('#login-submit');
    const panel = page.locator('#proactive');
    await panel.waitFor({ state: 'visible' });
    const inv = panel.locator(`#proactive-body tr[data-fingerprint="${investigated.fingerprint}"]`);
    const rep = panel.locator(`#proactive-body tr[data-fingerprint="${reported.fingerprint}"]`);
    await rep.waitFor();
    assert.equal(await page.locator('#proactive-count').innerText(), '2');
    assert.match(await page.locator('#proactive-summary').innerText(), /mode on/);

    // Ack ids, severities and verdicts with their reasons; the investigated one links to its incident.
    assert.equal(await inv.locator('td').first().innerText(), investigated.ackId);
    assert.match(await inv.innerText(), /critical/);
    assert.match(await inv.innerText(), /investigated/i);
    assert.ok((await inv.innerText()).includes(investigated.why));
    const link = inv.locator('a.incident-link');
    assert.match(await link.innerText(), new RegExp(incident.replace(/[/.]/g, '\\$&')));
    assert.match(await link.getAttribute('href') ?? '', new RegExp(`^http://.*/workflows/${encodeURIComponent(incident).replace(/[.%]/g, '\\$&')}$`));
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    assert.match(await rep.innerText(), /reported/i);
    assert.equal(await rep.locator('td').first().innerText(), reported.ackId);
    // The hostile label value is shown as text, never run.
    assert.ok((await rep.innerText()).includes(reported.title));
    assert.equal(await panel.locator('img').count(), 0, 'no element was injected');
    assert.equal(await page.evaluate('window.__xss'), undefined, 'no injected script ran');
    await shot('proactive-01-hotspots');

    // Ack without a reason: the API's refusal is shown, nothing recorded.
    await rep.locator('button[data-action="ack"]').click();
    await rep.locator('.form-status.error').waitFor();
    assert.match(await rep.locator('.form-status').innerText(), /reason is required/);
    assert.deepEqual((await status()).suppressions, []);

    // Inline Ack with a reason and hours.
    await rep.locator('input[name="reason"]').fill('known noisy client, ticket OPS-12');
    await rep.locator('input[name="hours"]').fill('8');
    await rep.locator('button[data-action="ack"]').click();
    const mutedRow = panel.locator(`#proactive-muted-body tr[data-fingerprint="${reported.fingerprint}"]`);
    await mutedRow.waitFor({ timeout: 30_000 });
    assert.match(await mutedRow.innerText(), /known noisy client, ticket OPS-12/);
    assert.match(await mutedRow.innerText(), /alice via review-page/);
    assert.equal(await page.locator('#proactive-muted-count').innerText(), '1');
    await rep.locator('td.actions-col', { hasText: 'muted' }).waitFor();
    const sup = (await status()).suppressions;
    assert.equal(sup.length, 1);
    assert.equal(sup[0]!.fingerprint, reported.fingerprint);
    assert.equal(sup[0]!.operator, 'alice');
    assert.equal(sup[0]!.channel, 'review-page');
    assert.equal(Date.parse(sup[0]!.expiresAt) - Date.parse(sup[0]!.at), 8 * 3_600_000);
    await shot('proactive-02-acked');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot('proactive-02b-acked-phone');
    // On a phone the panel's tables are cards like the threat tables: nothing wider than the viewport.
    assert.ok(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth'), 'no horizontal scrolling at 390 px');
    await page.setViewportSize({ width: 1280, height: 900 });

    // Unack from the muted list.
    await mutedRow.locator('button[data-action="unack"]').click();
    await mutedRow.waitFor({ state: 'detached', timeout: 30_000 });
    await waitUntil(status, (x) => x.suppressions.length === 0, 'the suppression removed');
    assert.equal(await page.locator('#proactive-muted-count').innerText(), '0');
    assert.ok(await page.locator('#proactive-muted-empty').isVisible());
    await rep.locator('button[data-action="ack"]').waitFor();
    await shot('proactive-03-unacked');
  });

  void test('no script errors on the page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
