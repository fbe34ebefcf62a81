// Tables for the verification decisions: levels reached, effect outcomes per source, the combined outcome, the
// workflow's next step for every (levels × effect × policy) case, and the pfSense / Traefik preconditions.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { aliasRuleChecks, ruleFromConfig, ruleFromRest, type FilterRule } from '../../../domain/pfsense-rules';
import { traefikPreconditionChecks } from '../../../domain/traefik-preconditions';
import type { TraefikInventory } from '../../../domain/traefik-pattern';
import {
  accessLogOutcome, blockGone, blockTook, combineEffect, highestLevel, levelOf, nextStepAfterVerification, promqlOutcome,
  type BlockLevels, type EffectCheck, type EffectOutcome, type EffectSourceResult, type NextStep, type VerificationPolicy,
} from '../../../domain/verification';

const lv = (present: boolean | null, loaded: boolean | null): BlockLevels => ({ present: { ok: present, evidence: 'p' }, loaded: { ok: loaded, evidence: 'l' } });
const effect = (outcome: EffectOutcome): EffectCheck => ({ outcome, since: 'a', at: 'b', sources: [], summary: `summary ${outcome}` });
const POLICY: VerificationPolicy = { onIneffective: 'review', recheckInconclusiveMinutes: 0 };

void describe('verification levels', () => {
  const cases: Array<[BlockLevels, string, boolean, boolean]> = [
    // levels, level reached, took, gone
    [lv(true, true), 'loaded', true, false],
    [lv(true, null), 'present', true, false],
    [lv(true, false), 'present', false, false],
    [lv(false, true), 'none', false, false],
    [lv(false, false), 'none', false, true],
    [lv(false, null), 'none', false, true],
  ];
  for (const [levels, level, took, gone] of cases) {
    void test(`present=${levels.present.ok} loaded=${levels.loaded.ok} → ${level}, took=${took}, gone=${gone}`, () => {
      assert.equal(levelOf(levels), level);
      assert.equal(blockTook(levels), took);
      assert.equal(blockGone(levels), gone);
    });
  }
  void test('highest level: effective only on top of a present block', () => {
    assert.equal(highestLevel(lv(true, true), effect('effective')), 'effective');
    assert.equal(highestLevel(lv(true, null), effect('effective')), 'effective');
    assert.equal(highestLevel(lv(false, false), effect('effective')), 'none');
    assert.equal(highestLevel(lv(true, true), effect('ineffective')), 'loaded');
    assert.equal(highestLevel(undefined, undefined), 'none');
  });
});

void describe('effect outcomes', () => {
  const access: Array<[number, number, EffectOutcome]> = [[0, 0, 'no_traffic'], [0, 5, 'effective'], [1, 5, 'ineffective'], [3, 0, 'ineffective']];
  for (const [reached, refused, out] of access) {
    void test(`access log: ${reached} reached a backend, ${refused} refused by Traefik → ${out}`, () => assert.equal(accessLogOutcome(reached, refused), out));
  }
  const prom: Array<[number | undefined, number | undefined, number, EffectOutcome]> = [
    [120, 0, 0, 'effective'], [120, undefined, 0, 'effective'], [120, 4, 0, 'ineffective'], [120, 4, 5, 'effective'],
    [0, 0, 0, 'no_traffic'], [undefined, undefined, 0, 'no_traffic'], [0, 3, 0, 'ineffective'],
  ];
  for (const [before, after, max, out] of prom) {
    void test(`PromQL: before ${before}, after ${after}, maxAfter ${max} → ${out}`, () => assert.equal(promqlOutcome(before, after, max), out));
  }
  const src = (outcome: EffectSourceResult['outcome']): EffectSourceResult => ({ source: 'access-log', outcome, evidence: '' });
  const combined: Array<[EffectSourceResult['outcome'][], EffectOutcome]> = [
    [['effective', 'ineffective'], 'ineffective'], [['effective', 'no_traffic'], 'effective'], [['no_traffic', 'error'], 'no_traffic'],
    [['error'], 'no_traffic'], [[], 'no_traffic'], [['error', 'effective'], 'effective'],
  ];
  for (const [outcomes, out] of combined) {
    void test(`combined ${outcomes.join('+') || '(none)'} → ${out}`, () => assert.equal(combineEffect(outcomes.map(src)), out));
  }
});

void describe('next step after verification', () => {
  const cases: Array<{ name: string; levels: BlockLevels; effect?: EffectOutcome; policy?: Partial<VerificationPolicy>; rechecked?: boolean; step: NextStep; reason: RegExp }> = [
    { name: 'not present → rollback', levels: lv(false, null), step: 'rollback', reason: /not present/ },
    { name: 'present but not loaded → rollback', levels: lv(true, false), step: 'rollback', reason: /present but not loaded/ },
    { name: 'not loaded wins over an effective measurement', levels: lv(true, false), effect: 'effective', step: 'rollback', reason: /not loaded/ },
    { name: 'loaded, no effect source → keep', levels: lv(true, true), step: 'keep', reason: /effect not measured/ },
    { name: 'unobservable data plane, no effect source → keep', levels: lv(true, null), step: 'keep', reason: /data plane not observable/ },
    { name: 'effective → keep', levels: lv(true, true), effect: 'effective', step: 'keep', reason: /effective: summary/ },
    { name: 'ineffective, default policy → review', levels: lv(true, true), effect: 'ineffective', step: 'review', reason: /kept for review/ },
    { name: 'ineffective, policy rollback → rollback', levels: lv(true, true), effect: 'ineffective', policy: { onIneffective: 'rollback' }, step: 'rollback', reason: /ineffective/ },
    { name: 'ineffective, policy keep → keep', levels: lv(true, true), effect: 'ineffective', policy: { onIneffective: 'keep' }, step: 'keep', reason: /kept by policy/ },
    { name: 'no traffic, no recheck → keep', levels: lv(true, true), effect: 'no_traffic', step: 'keep', reason: /inconclusive/ },
    { name: 'no traffic, recheck configured → recheck', levels: lv(true, true), effect: 'no_traffic', policy: { recheckInconclusiveMinutes: 30 }, step: 'recheck', reason: /30 min/ },
    { name: 'no traffic on the recheck → keep', levels: lv(true, true), effect: 'no_traffic', policy: { recheckInconclusiveMinutes: 30 }, rechecked: true, step: 'keep', reason: /inconclusive/ },
    { name: 'ineffective on the recheck → review', levels: lv(true, true), effect: 'ineffective', policy: { recheckInconclusiveMinutes: 30 }, rechecked: true, step: 'review', reason: /review/ },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      const r = nextStepAfterVerification({ levels: c.levels, effect: c.effect && effect(c.effect), rechecked: c.rechecked }, { ...POLICY, ...c.policy });
      assert.equal(r.step, c.step);
      assert.match(r.reason, c.reason);
    });
  }
});

void describe('pfSense: an enabled block/reject rule must reference the alias', () => {
  const rule = (over: Partial<FilterRule> = {}): FilterRule => ({ type: 'block', interfaces: ['wan'], source: 'PALISADE_BLOCK', destination: 'any', disabled: false, descr: '', ...over });
  const cases: Array<{ name: string; rules: FilterRule[]; interfaces?: string[]; direction?: 'inbound' | 'outbound'; ok: boolean[]; detail?: RegExp }> = [
    { name: 'block rule on wan → ok', rules: [rule()], ok: [true] },
    { name: 'reject rule → ok', rules: [rule({ type: 'reject' })], ok: [true] },
    { name: 'no rule → names the alias and the rule to add', rules: [], ok: [false], detail: /alias PALISADE_BLOCK is not used by any enabled block or reject rule on interface wan \(no rule references it\): add a rule on WAN with action Block, source PALISADE_BLOCK/ },
    { name: 'disabled rule → refused, says so', rules: [rule({ disabled: true })], ok: [false], detail: /only disabled block rule on wan/ },
    { name: 'pass rule → refused', rules: [rule({ type: 'pass' })], ok: [false], detail: /only pass rule/ },
    { name: 'inverted source → refused', rules: [rule({ source: '!PALISADE_BLOCK' })], ok: [false], detail: /only block rule on wan !PALISADE_BLOCK/ },
    { name: 'rule on lan only → refused for wan', rules: [rule({ interfaces: ['lan'] })], ok: [false], detail: /other interfaces only \(lan\)/ },
    { name: 'floating rule on wan,lan → ok on both', rules: [rule({ interfaces: ['wan', 'lan'] })], interfaces: ['wan', 'lan'], ok: [true, true] },
    { name: 'two interfaces, one covered', rules: [rule()], interfaces: ['wan', 'opt1'], ok: [true, false], detail: /interface opt1/ },
    { name: 'outbound needs the alias as destination', rules: [rule()], direction: 'outbound', ok: [false], detail: /destination PALISADE_BLOCK/ },
    { name: 'outbound with a destination rule → ok', rules: [rule({ source: 'lan', destination: 'PALISADE_BLOCK', interfaces: ['lan'] })], interfaces: ['lan'], direction: 'outbound', ok: [true] },
    { name: 'another alias does not count', rules: [rule({ source: 'OTHER' })], ok: [false], detail: /no rule references it/ },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      const checks = aliasRuleChecks(c.rules, 'PALISADE_BLOCK', c.interfaces ?? ['wan'], c.direction ?? 'inbound');
      assert.deepEqual(checks.map((x) => x.ok), c.ok);
      if (c.detail) assert.match(checks.filter((x) => !x.ok).map((x) => x.detail).join(' | '), c.detail);
    });
  }
  void test('config.xml and REST shapes normalise to the same rule', () => {
    const fromXml = ruleFromConfig({ type: 'block', interface: 'wan,lan', source: { address: 'PALISADE_BLOCK' }, destination: { any: '' }, disabled: '', descr: 'x' });
    const fromRest = ruleFromRest({ type: 'block', interface: ['wan', 'lan'], source: 'PALISADE_BLOCK', destination: 'any', disabled: true, descr: 'x' });
    assert.deepEqual(fromXml, fromRest);
    assert.equal(ruleFromConfig({ type: 'block', interface: 'wan', source: { address: 'A', not: '' }, destination: { network: 'lan' } })!.source, '!A');
    assert.equal(ruleFromConfig({ type: 'pass', interface: 'wan', source: { any: '' }, destination: { network: 'lan' } })!.destination, 'lan');
    assert.equal(ruleFromConfig({ type: 'block', interface: 'wan', source: { any: '' } })!.disabled, false);
  });
});

void describe('Traefik preconditions', () => {
  const inv = (over: Partial<TraefikInventory> = {}): TraefikInventory => ({ middlewares: [], ingressRoutes: [], networkPolicies: [], traefikPodLabels: [], ...over });
  const deny = (routes: string[]) => ({ choice: { pattern: 'deny-plugin' as const, middleware: { namespace: 'traefik', name: 'deny' }, plugin: 'denyip', field: 'ipDenyList', routes }, explanation: [], inventory: inv() });
  void test('a Middleware no router references → refused, naming what to add', () => {
    const [c] = traefikPreconditionChecks(deny([]));
    assert.equal(c.ok, false);
    assert.match(c.detail, /Middleware traefik\/deny is not referenced by any router.*IngressRoute spec\.routes\[\]\.middlewares: \[\{name: deny, namespace: traefik\}\].*router\.middlewares: traefik-deny@kubernetescrd/);
  });
  void test('referenced → ok; Traefik API confirms enabled and used', () => {
    const checks = traefikPreconditionChecks(deny(['web/app']), { name: 'traefik-deny@kubernetescrd', found: true, middleware: { status: 'enabled', usedBy: ['web-app-1@kubernetescrd'] } });
    assert.deepEqual(checks.map((c) => c.ok), [true, true]);
  });
  void test('Traefik API: unknown, disabled (undeclared plugin) or unused → refused', () => {
    const notFound = traefikPreconditionChecks(deny(['web/app']), { name: 'traefik-deny@kubernetescrd', found: false });
    assert.match(notFound[1].detail, /does not know traefik-deny@kubernetescrd/);
    const disabled = traefikPreconditionChecks(deny(['web/app']), { name: 'n', found: true, middleware: { status: 'disabled', error: ['plugin: unknown plugin type: denyip'], usedBy: ['r'] } });
    assert.match(disabled[1].detail, /disabled: plugin: unknown plugin type: denyip.*experimental\.plugins/);
    const unused = traefikPreconditionChecks(deny(['web/app']), { name: 'n', found: true, middleware: { status: 'enabled', usedBy: [] } });
    assert.match(unused[1].detail, /no router using/);
  });
  void test('NetworkPolicy fallback must select Traefik pods; no pattern at all explains why', () => {
    const np = (listed: number | undefined) => ({ choice: { pattern: 'network-policy' as const, policies: [{ namespace: 'traefik', name: 'edge' }] }, explanation: [], inventory: inv({ traefikPodsListed: listed }) });
    assert.equal(traefikPreconditionChecks(np(0))[0].ok, false);
    assert.match(traefikPreconditionChecks(np(0))[0].detail, /no Traefik pod matches/);
    assert.equal(traefikPreconditionChecks(np(2))[0].ok, true);
    assert.equal(traefikPreconditionChecks(np(undefined))[0].ok, true);
    const none = traefikPreconditionChecks({ explanation: ['deny-plugin: no Middleware with a plugin deny list'], inventory: inv() });
    assert.match(none[0].detail, /no usable blocking pattern: deny-plugin: no Middleware/);
  });
});
