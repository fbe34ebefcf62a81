// The Traefik enforcer through the real @kubernetes/client-node against a wire-compatible fake apiserver.
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { traefikSchema } from '../../../domain/config/enforcement';
import type { BlockRequest } from '../../../domain/types';
import { createTraefikEnforcer } from '../../../activities/enforcers/traefik';
import { k8s } from '../../../activities/enforcers/traefik/k8s';
import { OWNED_ANNOTATION } from '../../../activities/enforcers/traefik/patch';
import { PermanentEnforcementError } from '../../../activities/enforcers/types';
import { startFakeKubernetesApi, type FakeKubernetesApi } from '../../fakes/kubernetes-api';

const dir = mkdtempSync(path.join(tmpdir(), 'palisade-traefik-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const req = (ip: string, cycle = 1, extra: Partial<BlockRequest> = {}): BlockRequest =>
  ({ blockId: `${ip}#${cycle}`, ip, target: ip.includes(':') ? `${ip}/128` : `${ip}/32`, direction: 'inbound', reason: 'secrets scanning', dryRun: false, ...extra } as BlockRequest);

function seedDenyPlugin(k: FakeKubernetesApi, foreign = ['198.51.100.1', '192.0.2.0/24']) {
  k.put({ apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'deny', namespace: 'traefik' },
    spec: { plugin: { denyip: { ipDenyList: foreign } } } });
  k.put({ apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'crowdsec', namespace: 'traefik' },
    spec: { plugin: { bouncer: { enabled: true, crowdsecMode: 'stream', crowdsecLapiHost: 'crowdsec-service.crowdsec:8080' } } } });
  k.put({ apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name: 'app', namespace: 'web' },
    spec: { routes: [{ match: 'Host(`app.example.com`)', kind: 'Rule', middlewares: [{ name: 'deny', namespace: 'traefik' }, { name: 'crowdsec', namespace: 'traefik' }], services: [{ name: 'app', port: 80 }] }] } });
}

function seedNetworkPolicy(k: FakeKubernetesApi) {
  k.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'traefik-5d9c', namespace: 'traefik', labels: { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/instance': 'traefik-traefik' } } });
  k.put({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'traefik-edge', namespace: 'traefik' }, spec: {
    podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'traefik-traefik' } }, policyTypes: ['Ingress'],
    ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '198.51.100.1/32'] } }, { ipBlock: { cidr: '::/0' } }, { namespaceSelector: { matchLabels: { name: 'monitoring' } } }] }],
  } });
  k.put({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'traefik-metrics', namespace: 'traefik' }, spec: {
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } },
    ingress: [{ ports: [{ port: 9100 }], from: [{ namespaceSelector: { matchLabels: { name: 'monitoring' } } }] }],
  } });
  k.put({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'db', namespace: 'traefik' }, spec: {
    podSelector: { matchLabels: { app: 'db' } }, ingress: [{}],
  } });
}

void describe('Traefik enforcer (client-node against the fake apiserver)', () => {
  let k: FakeKubernetesApi;
  let kubeconfig: string;
  const enforcer = (over: Record<string, unknown> = {}) => createTraefikEnforcer(traefikSchema.parse({ kubeconfig, namespace: 'traefik', timeoutSeconds: 5, ...over }));
  const denyList = () => k.get('middlewares', 'traefik', 'deny')!.spec.plugin.denyip.ipDenyList as string[];
  const owned = (plural: string, name: string) => JSON.parse(k.get(plural, 'traefik', name)!.metadata.annotations?.[OWNED_ANNOTATION] ?? '{}');
  const patches = () => k.requests.filter((r) => r.method === 'PATCH');

  beforeEach(async () => {
    k = await startFakeKubernetesApi();
    kubeconfig = path.join(dir, `kubeconfig-${Date.now()}-${Math.random()}`);
    writeFileSync(kubeconfig, k.kubeconfig());
  });
  afterEach(async () => {
    await k.close();
  });

  void test('discovery explains the pick', async () => {
    seedDenyPlugin(k);
    seedNetworkPolicy(k);
    const d = await enforcer().discover();
    assert.equal(d.choice?.pattern, 'deny-plugin');
    assert.match(d.explanation[0], /using Middleware traefik\/deny \(plugin denyip.ipDenyList\), used by web\/app/);
    const np = await enforcer({ preference: ['crowdsec', 'network-policy'] }).discover();
    assert.equal(np.choice?.pattern, 'network-policy');
    assert.match(np.explanation[0], /crowdsec: found traefik\/crowdsec, not usable: .*LAPI/);
    assert.deepEqual(np.choice?.pattern === 'network-policy' && np.choice.policies.map((p) => p.name), ['traefik-edge', 'traefik-metrics']);
  });

  void test('without RBAC for pods, policies are matched against the configured selector', async () => {
    seedNetworkPolicy(k);
    k.failNext('GET', /\/namespaces\/traefik\/pods$/, 403, 'Forbidden');
    const d = await enforcer({ preference: ['network-policy'], traefikPodSelector: { 'app.kubernetes.io/instance': 'traefik-traefik' } }).discover();
    assert.deepEqual(d.inventory.traefikPodLabels, [{ 'app.kubernetes.io/instance': 'traefik-traefik' }]);
    assert.deepEqual(d.choice?.pattern === 'network-policy' && d.choice.policies.map((p) => p.name), ['traefik-edge']);
  });

  void test('deny plugin: apply, verify, list, remove; idempotent; foreign entries untouched', async () => {
    seedDenyPlugin(k);
    const e = enforcer();
    const r = await e.apply(req('203.0.113.9'));
    assert.equal(r.ok, true);
    assert.equal(r.transport, 'deny-plugin');
    assert.match(r.detail, /added 203.0.113.9\/32 to Middleware traefik\/deny/);
    assert.deepEqual(r.written, [{ kind: 'Middleware', namespace: 'traefik', name: 'deny', field: '/spec/plugin/denyip/ipDenyList', entry: '203.0.113.9/32' }]);
    assert.deepEqual(denyList(), ['198.51.100.1', '192.0.2.0/24', '203.0.113.9/32']);
    assert.deepEqual(owned('middlewares', 'deny'), { '203.0.113.9/32': '203.0.113.9#1' });
    // Every write is a merge-patch carrying the resourceVersion it was computed from.
    for (const p of patches()) {
      assert.equal(p.contentType, 'application/merge-patch+json');
      assert.match(String((p.body as any).metadata.resourceVersion), /^\d+$/);
    }
    assert.deepEqual(await e.verify(req('203.0.113.9')), {
      present: { ok: true, evidence: '203.0.113.9/32 is in Middleware traefik/deny (plugin denyip.ipDenyList), used by web/app' },
      loaded: { ok: null, evidence: 'Traefik API not configured (traefik.api): what Traefik loaded is not observable' },
    });
    assert.equal((await e.verify(req('192.0.2.77'))).present.ok, true, 'covered by a foreign range');
    assert.equal((await e.verify(req('203.0.113.10'))).present.ok, false);

    const again = await e.apply(req('203.0.113.9'));
    assert.match(again.detail, /already in .* \(ours, 203.0.113.9#1\)/);
    assert.deepEqual(again.written, r.written, 'a retried apply reports where its entry is');
    assert.equal(denyList().filter((x) => x === '203.0.113.9/32').length, 1);

    assert.deepEqual(await e.list(), [
      { target: '198.51.100.1/32', ownedByPalisade: false, detail: 'deny-plugin traefik/deny' },
      { target: '192.0.2.0/24', ownedByPalisade: false, detail: 'deny-plugin traefik/deny' },
      { target: '203.0.113.9/32', ownedByPalisade: true, blockId: '203.0.113.9#1', detail: 'deny-plugin traefik/deny',
        written: [{ kind: 'Middleware', namespace: 'traefik', name: 'deny', field: '/spec/plugin/denyip/ipDenyList', entry: '203.0.113.9/32' }] },
    ]);

    // A foreign entry is never adopted nor removed.
    const foreign = await e.apply(req('198.51.100.1', 3));
    assert.match(foreign.detail, /entry Palisade did not add; left untouched/);
    assert.match((await e.remove(req('198.51.100.1', 3))).detail, /no Palisade entry/);
    // Another cycle's blockId does not remove this one.
    assert.match((await e.remove(req('203.0.113.9', 7))).detail, /belongs to 203.0.113.9#1, not 203.0.113.9#7/);

    const removed = await e.remove(req('203.0.113.9'));
    assert.match(removed.detail, /removed 203.0.113.9\/32 from Middleware traefik\/deny/);
    assert.deepEqual(denyList(), ['198.51.100.1', '192.0.2.0/24']);
    assert.equal(k.get('middlewares', 'traefik', 'deny')!.metadata.annotations?.[OWNED_ANNOTATION], undefined);
    assert.match((await e.remove(req('203.0.113.9'))).detail, /no Palisade entry/);
    assert.equal((await e.verify(req('203.0.113.9'))).present.ok, false);
  });

  void test('a later cycle takes over its own earlier entry; the old blockId can no longer remove it', async () => {
    seedDenyPlugin(k, []);
    const e = enforcer();
    await e.apply(req('203.0.113.9', 1));
    assert.match((await e.apply(req('203.0.113.9', 2))).detail, /now recorded as 203.0.113.9#2 \(was 203.0.113.9#1\)/);
    assert.deepEqual(denyList(), ['203.0.113.9/32']);
    assert.deepEqual(owned('middlewares', 'deny'), { '203.0.113.9/32': '203.0.113.9#2' });
    assert.match((await e.remove(req('203.0.113.9', 1))).detail, /belongs to 203.0.113.9#2/);
    assert.deepEqual((await e.list()).map((x) => x.blockId), ['203.0.113.9#2']);
  });

  void test('a 409 injected mid-apply is retried and the concurrent change is kept', async () => {
    seedDenyPlugin(k, ['198.51.100.1']);
    k.beforeNextWrite('middlewares', 'traefik', 'deny', () => {
      const cur = k.get('middlewares', 'traefik', 'deny')!;
      cur.spec.plugin.denyip.ipDenyList.push('198.51.100.2'); // an operator edits the list at the same moment
      k.put(cur);
    });
    await enforcer().apply(req('203.0.113.9'));
    assert.deepEqual(denyList(), ['198.51.100.1', '198.51.100.2', '203.0.113.9/32']);
    assert.equal(patches().length, 2, 'one conflicting write, one retry');
  });

  void test('conflicts beyond the bound fail without writing', async () => {
    seedDenyPlugin(k, []);
    const e = enforcer({ maxConflictRetries: 1 });
    const bump = () => { const cur = k.get('middlewares', 'traefik', 'deny')!; k.put(cur); };
    k.beforeNextWrite('middlewares', 'traefik', 'deny', () => { bump(); k.beforeNextWrite('middlewares', 'traefik', 'deny', bump); });
    await assert.rejects(e.apply(req('203.0.113.9')), /still conflicting after 2 attempts/);
    assert.deepEqual(denyList(), []);
  });

  void test('entry pruned on write: verification fails and the previous spec is restored', async () => {
    seedDenyPlugin(k, ['198.51.100.1']);
    const before = k.get('middlewares', 'traefik', 'deny')!;
    // What a stale CRD schema does to an unknown field: it silently drops it (with its siblings).
    k.afterNextPatch('middlewares', 'traefik', 'deny', (o) => { delete o.spec.plugin.denyip; });
    await assert.rejects(enforcer().apply(req('203.0.113.9')), (err: unknown) =>
      err instanceof PermanentEnforcementError && /not in the stored object .* rolled back .* to the previous spec/.test(err.message));
    const after = k.get('middlewares', 'traefik', 'deny')!;
    assert.deepEqual(after.spec, before.spec);
    assert.equal(after.metadata.annotations?.[OWNED_ANNOTATION] ?? null, null);
  });

  void test('read-back failure after the patch rolls back too', async () => {
    seedDenyPlugin(k, ['198.51.100.1']);
    k.beforeNextWrite('middlewares', 'traefik', 'deny', () => k.failNext('GET', /\/middlewares\/deny$/, 503, 'ServiceUnavailable'));
    await assert.rejects(enforcer().apply(req('203.0.113.9')), /read-back after patch failed .* rolled back/);
    assert.deepEqual(denyList(), ['198.51.100.1']);
  });

  void test('NetworkPolicy fallback: except entries on every policy selecting Traefik, foreign entries untouched', async () => {
    seedNetworkPolicy(k);
    const e = enforcer({ preference: ['deny-plugin', 'network-policy'] });
    const r = await e.apply(req('203.0.113.9'));
    assert.equal(r.transport, 'network-policy');
    const edge = () => k.get('networkpolicies', 'traefik', 'traefik-edge')!.spec.ingress[0].from;
    assert.deepEqual(edge()[0].ipBlock.except, ['10.0.0.0/8', '198.51.100.1/32', '203.0.113.9/32']);
    assert.equal(edge()[1].ipBlock.except, undefined, 'the v6 block is not touched for a v4 host');
    assert.deepEqual(owned('networkpolicies', 'traefik-edge'), { '203.0.113.9/32': '203.0.113.9#1' });
    assert.deepEqual(k.get('networkpolicies', 'traefik', 'traefik-metrics')!.metadata.annotations, undefined, 'policy that does not admit the host is not written');
    assert.equal((await e.verify(req('203.0.113.9'))).present.ok, true);
    assert.match((await e.verify(req('203.0.113.10'))).present.evidence, /still admitted by traefik\/traefik-edge/);

    await e.apply(req('2001:db8::7'));
    assert.deepEqual(edge()[1].ipBlock.except, ['2001:db8::7/128']);

    assert.deepEqual((await e.list()).map((x) => [x.target, x.ownedByPalisade, x.blockId ?? null]), [
      ['10.0.0.0/8', false, null], ['198.51.100.1/32', false, null], ['203.0.113.9/32', true, '203.0.113.9#1'], ['2001:db8::7/128', true, '2001:db8::7#1'],
    ]);
    await e.remove(req('203.0.113.9'));
    await e.remove(req('2001:db8::7'));
    assert.deepEqual(edge()[0].ipBlock.except, ['10.0.0.0/8', '198.51.100.1/32']);
    assert.equal(edge()[1].ipBlock.except, undefined);
    assert.equal(await e.remove(req('198.51.100.1')).then((x) => /no Palisade entry/.test(x.detail)), true);
    assert.deepEqual(edge()[0].ipBlock.except, ['10.0.0.0/8', '198.51.100.1/32']);
  });

  void test('refuses clearly when the cluster has no usable pattern, without writing', async () => {
    seedDenyPlugin(k);
    k.put({ apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'deny', namespace: 'traefik' }, spec: { ipAllowList: { sourceRange: ['10.0.0.0/8'] } } });
    await assert.rejects(enforcer().apply(req('203.0.113.9')), (err: unknown) =>
      err instanceof PermanentEnforcementError && err.reason === 'unsupported' &&
      /no native deny list/.test(err.message) && /CrowdSec LAPI/.test(err.message) && /ipAllowList can only allow/.test(err.message) && /no NetworkPolicy selects/.test(err.message));
    assert.equal(patches().length, 0);
  });

  void test('every call has a deadline: a hung apiserver is a transient timeout, not a hang', async () => {
    seedDenyPlugin(k);
    k.stallNext('GET', /\/middlewares\/deny$/);
    await assert.rejects(enforcer({ timeoutSeconds: 0.3 }).verify(req('203.0.113.9')), (err: unknown) =>
      err instanceof Error && !(err instanceof PermanentEnforcementError) && /get middlewares traefik\/deny: timed out/.test(err.message));
  });

  void test('NetworkPolicy: when a later policy does not take, the earlier ones are rolled back too', async () => {
    seedNetworkPolicy(k);
    k.put({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'traefik-web', namespace: 'traefik' }, spec: {
      podSelector: {}, ingress: [{ ports: [{ port: 443 }], from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }],
    } });
    const edgeBefore = k.get('networkpolicies', 'traefik', 'traefik-edge')!.spec;
    // An admission webhook strips the except list of the second policy written (traefik-web sorts after -edge).
    k.afterNextPatch('networkpolicies', 'traefik', 'traefik-web', (o) => { delete o.spec.ingress[0].from[0].ipBlock.except; });
    await assert.rejects(enforcer({ preference: ['network-policy'] }).apply(req('203.0.113.9')), (err: unknown) =>
      err instanceof PermanentEnforcementError && /traefik-web.*not in the stored object/.test(err.message) && /rolled back NetworkPolicy traefik\/traefik-edge/.test(err.message));
    assert.deepEqual(k.get('networkpolicies', 'traefik', 'traefik-edge')!.spec, edgeBefore);
    assert.equal(k.get('networkpolicies', 'traefik', 'traefik-edge')!.metadata.annotations?.[OWNED_ANNOTATION], undefined);
    assert.equal(k.get('networkpolicies', 'traefik', 'traefik-web')!.spec.ingress[0].from[0].ipBlock.except, undefined);
  });

  void test('NetworkPolicy: a 409 is retried without losing the concurrent edit', async () => {
    seedNetworkPolicy(k);
    k.beforeNextWrite('networkpolicies', 'traefik', 'traefik-edge', () => {
      const cur = k.get('networkpolicies', 'traefik', 'traefik-edge')!;
      cur.spec.ingress[0].from[0].ipBlock.except.push('192.0.2.0/24');
      k.put(cur);
    });
    await enforcer({ preference: ['network-policy'] }).apply(req('203.0.113.9'));
    assert.deepEqual(k.get('networkpolicies', 'traefik', 'traefik-edge')!.spec.ingress[0].from[0].ipBlock.except, ['10.0.0.0/8', '198.51.100.1/32', '192.0.2.0/24', '203.0.113.9/32']);
  });

  void test('invalid values are refused before anything is sent', async () => {
    seedDenyPlugin(k);
    const e = enforcer();
    for (const bad of [req('203.0.113.0/24'), req('not-an-ip'), req('203.0.113.9', 1, { target: '203.0.113.0/24' }), req('203.0.113.9', 1, { blockId: '' }), req('1.2.3.4\n')]) {
      await assert.rejects(e.apply(bad), (err: unknown) => err instanceof PermanentEnforcementError && err.reason === 'validation');
    }
    assert.equal(k.requests.length, 0);
  });

  void test('dry-run discovers but does not write', async () => {
    seedDenyPlugin(k);
    const r = await enforcer().apply(req('203.0.113.9', 1, { dryRun: true }));
    assert.equal(r.simulated, true);
    assert.match(r.detail, /would add 203.0.113.9\/32 .* Middleware traefik\/deny/);
    assert.equal(patches().length, 0);
  });

  void test('a wrong token is a permanent auth error; the fake refuses non-merge patches with 415', async () => {
    seedDenyPlugin(k);
    const badConfig = path.join(dir, `bad-${Math.random()}`);
    writeFileSync(badConfig, k.kubeconfig().replace(k.token, 'stolen'));
    await assert.rejects(createTraefikEnforcer(traefikSchema.parse({ kubeconfig: badConfig })).list(), (err: unknown) => err instanceof PermanentEnforcementError && err.reason === 'auth');
    // The client's default patch content type is json-patch: the wire fake answers like the apiserver does.
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfig);
    const co = kc.makeApiClient(k8s.CustomObjectsApi);
    await assert.rejects(co.patchNamespacedCustomObject({ group: 'traefik.io', version: 'v1alpha1', namespace: 'traefik', plural: 'middlewares', name: 'deny', body: { spec: {} } }),
      (err: any) => err.code === 415 && /UnsupportedMediaType/.test(String(err.body)));
  });
});
