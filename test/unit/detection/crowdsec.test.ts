import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crowdsecStreamSchema, decisionToSighting, type CrowdSecDecision } from '../../../domain/detection/crowdsec';

const d = (o: Partial<CrowdSecDecision> = {}): CrowdSecDecision => ({
  id: 7, origin: 'crowdsec', scenario: 'crowdsecurity/http-probing', scope: 'Ip', type: 'ban', value: '45.155.205.91', duration: '3h59m59s', ...o,
});
const AT = '2026-11-26T10:00:00.000Z';

test('CrowdSec decisions → sightings: own detections are observed attacks, the community blocklist is reputation', () => {
  const cases: [string, CrowdSecDecision, boolean, string][] = [
    ['a local scenario ban', d(), false, 'observed 85'],
    ['an operator ban (cscli)', d({ origin: 'cscli' }), false, 'observed 85'],
    ['the community blocklist, ignored by default', d({ origin: 'CAPI' }), false, 'ignored'],
    ['the community blocklist, when included', d({ origin: 'lists' }), true, 'known-bad 80'],
    ['a captcha decision', d({ type: 'captcha' }), false, 'ignored'],
    ['a range decision', d({ scope: 'Range', value: '45.155.205.0/24' }), false, 'ignored'],
    ['a garbage value', d({ value: 'not-an-ip' }), false, 'ignored'],
    ['an IPv6 ban, canonicalised', d({ value: '2A01:4F8:0:0::BAD' }), false, 'observed 85'],
  ];
  for (const [name, decision, community, want] of cases) {
    const r = decisionToSighting(decision, AT, community);
    const got = r.kind === 'ignored' ? 'ignored' : `${r.sighting.observedAttack ? 'observed' : r.sighting.knownBad ? 'known-bad' : '?'} ${r.sighting.score}`;
    assert.equal(got, want, name);
    if (r.kind === 'sighting') {
      assert.equal(r.sighting.evidence.extra?.scenario, decision.scenario);
      assert.equal(r.sighting.evidence.extra?.crowdsecDuration, decision.duration);
      assert.ok(!(r.sighting.observedAttack && r.sighting.knownBad), 'never both facts from one decision');
    }
  }
  const v6 = decisionToSighting(d({ value: '2A01:4F8:0:0::BAD' }), AT, false);
  assert.equal(v6.kind === 'sighting' && v6.ip, '2a01:4f8::bad');
});

test('the stream answer as crowdsec 1.4.6 sends it (null lists included) parses; anything else does not', () => {
  assert.ok(crowdsecStreamSchema.safeParse({ deleted: null, new: [d()] }).success);
  assert.ok(crowdsecStreamSchema.safeParse({ deleted: null, new: null }).success);
  assert.ok(!crowdsecStreamSchema.safeParse({ new: [{ id: 'x' }] }).success);
});
