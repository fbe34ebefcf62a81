// The composite score: pure table, then on the recorded provider responses (served by the wire-compatible fakes and
// parsed by the real provider clients), including the misses: GreyNoise 404 body, OTX unknown IP, IPinfo bogon.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compositeScore } from '../../../domain/scoring';
import { createIntelActivities } from '../../../activities/intel/index';
import { enrichInput, fastHttp, intelConfig, readSecret, startIntelFakes, type IntelFakes } from './helpers';

void describe('compositeScore (pure)', () => {
  const table: { name: string; in: Parameters<typeof compositeScore>[0]; score: number | undefined; knownBad: boolean; fp: boolean; note?: RegExp }[] = [
    { name: 'all three maximal', in: { abuseScore: 100, otxPulses: 37, greynoise: { classification: 'malicious', noise: true, riot: false } }, score: 100, knownBad: true, fp: false },
    { name: 'weights 50/30/20', in: { abuseScore: 60, otxPulses: 5, greynoise: { classification: 'unknown', noise: true, riot: false } }, score: 48, knownBad: true, fp: false },
    { name: 'OTX capped at 20 pulses', in: { abuseScore: 0, otxPulses: 500, greynoise: { classification: 'unknown', noise: false, riot: false } }, score: 30, knownBad: true, fp: false },
    { name: 'renormalised without GreyNoise', in: { abuseScore: 60, otxPulses: 5 }, score: 47, knownBad: true, fp: false, note: /renormalised over abuseipdb, otx \(80 % of the weight answered\)/ },
    { name: 'AbuseIPDB only', in: { abuseScore: 42 }, score: 42, knownBad: false, fp: false, note: /50 % of the weight/ },
    { name: 'RIOT forces 0', in: { abuseScore: 90, otxPulses: 20, greynoise: { classification: 'benign', noise: false, riot: true } }, score: 0, knownBad: true, fp: true, note: /RIOT .* forces the score from 75 to 0/ },
    { name: 'benign caps at 20', in: { abuseScore: 80, otxPulses: 10, greynoise: { classification: 'benign', noise: true, riot: false } }, score: 20, knownBad: true, fp: true, note: /capped from 55 to 20/ },
    { name: 'nothing answered', in: {}, score: undefined, knownBad: false, fp: false, note: /no scoring provider answered/ },
    { name: 'custom pulse cap', in: { otxPulses: 5, otxPulseCap: 10 }, score: 50, knownBad: true, fp: false },
    { name: 'out-of-range inputs are clamped', in: { abuseScore: 250, otxPulses: -3 }, score: 63, knownBad: true, fp: false },
  ];
  for (const t of table) {
    void it(t.name, () => {
      const s = compositeScore(t.in);
      assert.equal(s.score, t.score);
      assert.equal(s.knownBad, t.knownBad);
      assert.equal(s.likelyFalsePositive, t.fp);
      if (t.note) assert.ok(s.notes.some((n) => t.note!.test(n)), s.notes.join(' | '));
    });
  }
});

void describe('composite score on recorded provider responses', () => {
  let fakes: IntelFakes;
  before(async () => {
    fakes = await startIntelFakes();
  });
  after(() => fakes.close());

  void it('mass scanner: every provider answers, score 100, known bad, high confidence', async () => {
    const { enrichThreat } = createIntelActivities(intelConfig(fakes), { readSecret, http: fastHttp() });
    const t = await enrichThreat(enrichInput('45.155.205.233'));
    assert.equal(t.compositeScore, 100);
    assert.equal(t.knownBad, true);
    assert.equal(t.likelyFalsePositive, false);
    assert.equal(t.confidence, 'high');
    assert.deepEqual(t.providers.map((p) => `${p.provider}=${p.status}`), ['abuseipdb=ok', 'greynoise=ok', 'otx=ok', 'ipinfo=ok']);
    assert.deepEqual([t.abuseScore, t.abuseReports, t.otxPulses, t.greynoise?.classification], [100, 1873, 37, 'malicious']);
    assert.deepEqual([t.org, t.asn, t.country, t.usageType], ['AS213438 ColocaTel Inc.', 'AS213438', 'NL', 'Data Center/Web Hosting/Transit']);
  });

  void it('never-seen IP: GreyNoise 404 body, OTX count 0 and no AbuseIPDB reports are misses that still count as answers', async () => {
    const { enrichThreat } = createIntelActivities(intelConfig(fakes), { readSecret, http: fastHttp() });
    const t = await enrichThreat(enrichInput('91.92.93.94'));
    assert.deepEqual(t.providers.map((p) => `${p.provider}=${p.status}`), ['abuseipdb=miss', 'greynoise=miss', 'otx=miss', 'ipinfo=ok']);
    assert.equal(t.compositeScore, 0);
    assert.equal(t.knownBad, false);
    assert.equal(t.confidence, 'high');
    assert.deepEqual(t.greynoise, { classification: 'unknown', noise: false, riot: false });
  });

  void it('GreyNoise RIOT (Google Public DNS): score forced to 0, likely false positive, whitelisted noted', async () => {
    const { enrichThreat } = createIntelActivities(intelConfig(fakes), { readSecret, http: fastHttp() });
    const t = await enrichThreat(enrichInput('8.8.8.8', { maxScore: 96, knownBad: true }));
    assert.equal(t.compositeScore, 0);
    assert.equal(t.likelyFalsePositive, true);
    assert.equal(t.greynoise?.riot, true);
    assert.ok(t.notes.some((n) => /whitelisted/.test(n)));
    assert.ok(t.notes.some((n) => /RIOT/.test(n)));
  });

  void it('bogon: IPinfo bogon is a miss, GreyNoise 400 an error, the rest renormalised, likely false positive', async () => {
    const { enrichThreat } = createIntelActivities(intelConfig(fakes), { readSecret, http: fastHttp() });
    const t = await enrichThreat(enrichInput('10.1.2.3'));
    assert.deepEqual(t.providers.map((p) => `${p.provider}=${p.status}`), ['abuseipdb=miss', 'greynoise=error', 'otx=miss', 'ipinfo=miss']);
    assert.match(t.providers.find((p) => p.provider === 'ipinfo')!.detail!, /bogon/);
    assert.match(t.providers.find((p) => p.provider === 'greynoise')!.detail!, /HTTP 400: Request is not a valid routable IPv4 address/);
    assert.equal(t.compositeScore, 0);
    assert.equal(t.likelyFalsePositive, true);
    assert.equal(t.confidence, 'medium');
    assert.ok(t.notes.some((n) => /renormalised over abuseipdb, otx/.test(n)), t.notes.join(' | '));
  });
});
