// enrichThreat against the wire-compatible provider fakes: degradation, retries with Retry-After, budgets, cache,
// missing keys, IPv6, IPinfo Lite, no providers. It never throws for a provider being down.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createIntelActivities } from '../../../activities/intel/index';
import { intelSchema } from '../../../domain/config/intel';
import { DailyBudget, Limiter } from '../../../activities/intel/budget';
import { startFakeOtx } from '../../fakes/otx';
import { startFakeIpinfo } from '../../fakes/ipinfo';
import { REC, deadUrl, enrichInput, fastHttp, intelConfig, KEYS, readSecret, startIntelFakes, type IntelFakes } from './helpers';

void describe('enrichThreat degradation and accounting', () => {
  let fakes: IntelFakes;
  before(async () => {
    fakes = await startIntelFakes({ abuseDailyLimit: 3 });
  });
  after(() => fakes.close());

  void it('no provider configured: intel from the sightings, low confidence, saying so', async () => {
    const { enrichThreat } = createIntelActivities(intelSchema.parse({}), { readSecret });
    const t = await enrichThreat(enrichInput('45.155.205.233', { maxScore: 91, knownBad: true }));
    assert.equal(t.confidence, 'low');
    assert.equal(t.compositeScore, 91);
    assert.equal(t.knownBad, true);
    assert.ok(t.notes.includes('no intel provider is configured'));
  });

  void it('a provider that is down degrades confidence and is recorded; all down falls back to the sightings', async () => {
    const dead = await deadUrl();
    const cfg = intelConfig(fakes, { greynoise: { baseUrl: dead } });
    const { enrichThreat } = createIntelActivities(cfg, { readSecret, http: fastHttp() });
    const t = await enrichThreat(enrichInput('45.155.205.233'));
    assert.equal(t.confidence, 'medium');
    const g = t.providers.find((p) => p.provider === 'greynoise')!;
    assert.equal(g.status, 'error');
    assert.match(g.detail!, /network error: ECONNREFUSED/);
    assert.equal(t.compositeScore, 100, 'renormalised over AbuseIPDB and OTX');

    const none = intelConfig(fakes, { abuseipdb: { baseUrl: dead }, greynoise: { baseUrl: dead }, otx: { baseUrl: dead }, ipinfo: { baseUrl: dead } });
    const all = await createIntelActivities(none, { readSecret, http: fastHttp() }).enrichThreat(enrichInput('45.155.205.233', { maxScore: 88 }));
    assert.equal(all.confidence, 'low');
    assert.equal(all.compositeScore, 88);
    assert.ok(all.providers.every((p) => p.status === 'error'));
    assert.ok(all.notes.some((n) => /composite score taken from the sightings \(88\)/.test(n)));
  });

  void it('a timeout is an error status, not a throw', async () => {
    const cfg = intelConfig(fakes, { otx: { timeoutSeconds: 0.3 } });
    fakes.otx.faults.push('hang');
    const t = await createIntelActivities(cfg, { readSecret, http: fastHttp() }).enrichThreat(enrichInput('45.155.205.233'));
    const o = t.providers.find((p) => p.provider === 'otx')!;
    assert.deepEqual([o.status, o.detail], ['error', 'timed out after 300 ms']);
  });

  void it('429 and 5xx are retried, honouring Retry-After', async () => {
    const retries: { delayMs: number; reason: string }[] = [];
    const { enrichThreat } = createIntelActivities(intelConfig(fakes, { abuseipdb: { enabled: false } }), { readSecret, http: fastHttp((i) => retries.push(i)) });
    const before = fakes.grey.requests.length;
    fakes.grey.faults.push({ status: 429, headers: { 'Retry-After': '1' }, json: { message: 'slow down' } }, { status: 503, json: { message: 'unavailable' } });
    const t = await enrichThreat(enrichInput('45.155.205.233'));
    assert.equal(t.providers.find((p) => p.provider === 'greynoise')!.status, 'ok');
    assert.equal(fakes.grey.requests.length - before, 3);
    assert.deepEqual(retries.map((r) => [r.delayMs, r.reason]), [[1000, 'HTTP 429'], [20, 'HTTP 503']]);
  });

  void it('AbuseIPDB over its daily quota: budget_exhausted, and no further calls that UTC day', async () => {
    let now = Date.parse('2026-11-22T16:00:00Z');
    const { enrichThreat } = createIntelActivities(intelConfig(fakes, { greynoise: { enabled: false }, otx: { enabled: false }, ipinfo: { enabled: false } }), { readSecret, http: fastHttp(), now: () => now });
    fakes.abuse.used = 2; // one request left on the provider's side
    const first = await enrichThreat(enrichInput('45.155.205.233'));
    assert.equal(first.providers[0]!.status, 'ok');
    const second = await enrichThreat(enrichInput('91.92.93.94'));
    assert.equal(second.providers[0]!.status, 'budget_exhausted');
    assert.match(second.providers[0]!.detail!, /HTTP 429: Daily rate limit of 3 requests exceeded/);
    const calls = fakes.abuse.requests.length;
    const third = await enrichThreat(enrichInput('8.8.8.8'));
    assert.equal(third.providers[0]!.status, 'budget_exhausted');
    assert.equal(third.providers[0]!.detail, 'the provider reported its daily quota exhausted (resets 00:00 UTC)');
    assert.equal(fakes.abuse.requests.length, calls, 'no request once the quota is known to be gone');
    now = Date.parse('2026-11-23T00:00:01Z');
    fakes.abuse.used = 0;
    const nextDay = await enrichThreat(enrichInput('8.8.8.8'));
    assert.equal(nextDay.providers[0]!.status, 'ok');
  });

  void it('the configured daily budget (AbuseIPDB default 1,000) stops lookups before the provider has to', async () => {
    const cfg = intelConfig(fakes, { abuseipdb: { dailyBudget: 1 }, greynoise: { enabled: false }, otx: { enabled: false }, ipinfo: { enabled: false } });
    assert.equal(intelConfig(fakes).abuseipdb.dailyBudget, 1000);
    fakes.abuse.used = 0;
    const acts = createIntelActivities(cfg, { readSecret, http: fastHttp() });
    assert.equal((await acts.enrichThreat(enrichInput('45.155.205.233'))).providers[0]!.status, 'ok');
    const calls = fakes.abuse.requests.length;
    const second = await acts.enrichThreat(enrichInput('91.92.93.94'));
    assert.deepEqual(second.providers[0], { provider: 'abuseipdb', status: 'budget_exhausted', detail: 'daily budget of 1 lookups used (resets 00:00 UTC)' });
    assert.equal(fakes.abuse.requests.length, calls);
  });

  void it('the configured daily budget is counted per UTC day', () => {
    let now = Date.parse('2026-11-22T23:59:59Z');
    const b = new DailyBudget(2, () => now);
    assert.deepEqual([b.tryTake(), b.tryTake(), b.tryTake()], [true, true, false]);
    now += 2000;
    assert.equal(b.tryTake(), true);
    assert.equal(b.remaining, 1);
  });

  void it('a missing required key skips the provider, naming the variable; OTX and IPinfo work anonymously', async () => {
    const cfg = intelConfig(fakes, { abuseipdb: { apiKey: { env: 'PALISADE_TEST_NO_SUCH_KEY' } }, otx: { apiKey: { env: 'PALISADE_TEST_NO_SUCH_KEY' } } });
    const t = await createIntelActivities(cfg, { readSecret, http: fastHttp() }).enrichThreat(enrichInput('45.155.205.233'));
    assert.deepEqual(t.providers.find((p) => p.provider === 'abuseipdb'), { provider: 'abuseipdb', status: 'skipped', detail: 'no API key (environment variable PALISADE_TEST_NO_SUCH_KEY)' });
    assert.equal(t.providers.find((p) => p.provider === 'otx')!.status, 'ok');
    assert.equal(fakes.otx.requests.at(-1)!.headers['x-otx-api-key'], undefined);
    assert.ok(!JSON.stringify(t).includes(KEYS.ABUSEIPDB_API_KEY!));
  });

  void it('sends each provider its own auth header and path', async () => {
    await createIntelActivities(intelConfig(fakes), { readSecret, http: fastHttp() }).enrichThreat(enrichInput('91.92.93.94'));
    const a = fakes.abuse.requests.at(-1)!;
    assert.deepEqual([a.path, a.query.get('ipAddress'), a.query.get('maxAgeInDays'), a.headers.key, a.headers.accept], ['/api/v2/check', '91.92.93.94', '90', 'abuse-key', 'application/json']);
    const g = fakes.grey.requests.at(-1)!;
    assert.deepEqual([g.path, g.headers.key], ['/v3/community/91.92.93.94', 'gn-key']);
    const o = fakes.otx.requests.at(-1)!;
    assert.deepEqual([o.path, o.headers['x-otx-api-key']], ['/api/v1/indicators/IPv4/91.92.93.94/general', 'otx-key']);
    const i = fakes.ipinfo.requests.at(-1)!;
    assert.deepEqual([i.path, i.headers.authorization], ['/91.92.93.94/json', 'Bearer ipinfo-token']);
  });

  void it('IPv6: GreyNoise skipped (IPv4 only), OTX asked on the IPv6 path', async () => {
    const t = await createIntelActivities(intelConfig(fakes), { readSecret, http: fastHttp() }).enrichThreat(enrichInput('2a0d:5600:24:aa::1'));
    assert.equal(t.providers.find((p) => p.provider === 'greynoise')!.status, 'skipped');
    assert.equal(decodeURIComponent(fakes.otx.requests.at(-1)!.path), '/api/v1/indicators/IPv6/2a0d:5600:24:aa::1/general');
    assert.equal(t.confidence, 'medium');
  });

  void it('IPinfo Lite uses /lite/{ip}?token= and country_code', async () => {
    const cfg = intelConfig(fakes, { abuseipdb: { enabled: false }, greynoise: { enabled: false }, otx: { enabled: false }, ipinfo: { lite: true } });
    const t = await createIntelActivities(cfg, { readSecret, http: fastHttp() }).enrichThreat(enrichInput('45.155.205.233'));
    const r = fakes.ipinfo.requests.at(-1)!;
    assert.deepEqual([r.path, r.query.get('token')], ['/lite/45.155.205.233', 'ipinfo-token']);
    assert.deepEqual([t.asn, t.country, t.org], ['AS213438', 'NL', 'AS213438 ColocaTel Inc.']);
  });
});

void describe('provider edge answers', () => {
  void it('OTX: a 404 for an unknown indicator is a miss; a rejected key is an error that says so', async () => {
    const otx404 = await startFakeOtx({ apiKey: 'otx-key', records: REC.otx, unknownAs404: true });
    try {
      const only = (extra: Record<string, unknown>) =>
        intelSchema.parse({ otx: { enabled: true, baseUrl: otx404.url, ...extra } });
      const miss = await createIntelActivities(only({}), { readSecret, http: fastHttp() }).enrichThreat(enrichInput('91.92.93.95'));
      assert.deepEqual(miss.providers, [{ provider: 'otx', status: 'miss', detail: 'unknown indicator' }]);
      assert.equal(miss.otxPulses, 0);
      const wrongKey = await createIntelActivities(only({ apiKey: { env: 'WRONG_OTX' } }), { readSecret: async () => 'nope', http: fastHttp() }).enrichThreat(enrichInput('91.92.93.94'));
      assert.equal(wrongKey.providers[0]!.status, 'error');
      assert.match(wrongKey.providers[0]!.detail!, /^HTTP 403: Authentication credentials were not provided\. \(check the OTX API key\)$/);
      assert.ok(!JSON.stringify(wrongKey).includes('nope'));
    } finally {
      await otx404.close();
    }
  });

  void it('IPinfo: 429 over quota is budget_exhausted; a wrong token is an error', async () => {
    const ipinfo = await startFakeIpinfo({ token: 'ipinfo-token', standard: REC.ipinfo, lite: REC.ipinfoLite, limit: 0 });
    try {
      const cfg = intelSchema.parse({ ipinfo: { enabled: true, baseUrl: ipinfo.url } });
      const t = await createIntelActivities(cfg, { readSecret, http: { retries: 0 } }).enrichThreat(enrichInput('45.155.205.233'));
      assert.equal(t.providers[0]!.status, 'budget_exhausted');
      assert.match(t.providers[0]!.detail!, /^HTTP 429: Upgrade to increase your usage limits$/);
      const bad = await createIntelActivities(cfg, { readSecret: async () => 'wrong-token', http: { retries: 0 } }).enrichThreat(enrichInput('45.155.205.233'));
      assert.equal(bad.providers[0]!.status, 'error');
      assert.match(bad.providers[0]!.detail!, /^HTTP 403/);
    } finally {
      await ipinfo.close();
    }
  });
});

void describe('enrichThreat cache', () => {
  let fakes: IntelFakes;
  let dir: string;
  before(async () => {
    fakes = await startIntelFakes();
    dir = mkdtempSync(path.join(tmpdir(), 'palisade-intel-'));
  });
  after(async () => {
    await fakes.close();
    rmSync(dir, { recursive: true, force: true });
  });

  void it('does not look the same IP up again within the TTL, persists under dataDir, expires after it', async () => {
    let now = Date.parse('2026-11-22T16:00:00Z');
    const cfg = intelConfig(fakes, { cacheTtlHours: 6 });
    const acts = createIntelActivities(cfg, { readSecret, http: fastHttp(), dataDir: dir, now: () => now });
    const count = () => fakes.abuse.requests.length + fakes.grey.requests.length + fakes.otx.requests.length + fakes.ipinfo.requests.length;
    await acts.enrichThreat(enrichInput('45.155.205.233'));
    const afterFirst = count();
    assert.equal(afterFirst, 4);
    const again = await acts.enrichThreat(enrichInput('45.155.205.233'));
    assert.equal(count(), afterFirst);
    assert.ok(again.providers.every((p) => p.cached === true));
    assert.equal(again.compositeScore, 100);
    const file = JSON.parse(readFileSync(path.join(dir, 'intel-cache.json'), 'utf8')) as { entries: unknown[] };
    assert.equal(file.entries.length, 4);

    const restarted = createIntelActivities(cfg, { readSecret, http: fastHttp(), dataDir: dir, now: () => now });
    await restarted.enrichThreat(enrichInput('45.155.205.233'));
    assert.equal(count(), afterFirst, 'a restarted worker reuses the persisted cache');

    now += 6 * 3_600_000 + 1;
    await restarted.enrichThreat(enrichInput('45.155.205.233'));
    assert.equal(count(), afterFirst + 4, 'looked up again after the TTL');
  });

  void it('errors are not cached', async () => {
    const cfg = intelConfig(fakes, { abuseipdb: { enabled: false }, otx: { enabled: false }, ipinfo: { enabled: false } });
    const acts = createIntelActivities(cfg, { readSecret, http: { retries: 0 } });
    fakes.grey.faults.push({ status: 500, json: { message: 'boom' } });
    assert.equal((await acts.enrichThreat(enrichInput('91.92.93.94'))).providers[0]!.status, 'error');
    assert.equal((await acts.enrichThreat(enrichInput('91.92.93.94'))).providers[0]!.status, 'miss');
  });
});

void describe('Limiter (bounded concurrency)', () => {
  void it('never runs more than max tasks at once and keeps FIFO order', async () => {
    const limiter = new Limiter(2);
    let peak = 0;
    const order: number[] = [];
    const gates: (() => void)[] = [];
    const tasks = [0, 1, 2, 3, 4].map((i) =>
      limiter.run(async () => {
        peak = Math.max(peak, limiter.running);
        order.push(i);
        await new Promise<void>((r) => gates.push(r));
      }),
    );
    // Release one task at a time, waiting until the next one has started.
    for (let released = 0; released < 5; released++) {
      while (gates.length === 0) await new Promise((r) => setImmediate(r));
      gates.shift()!();
    }
    await Promise.all(tasks);
    assert.equal(peak, 2);
    assert.deepEqual(order, [0, 1, 2, 3, 4]);
  });
});
