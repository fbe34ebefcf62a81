// Issue 13, must-show 2: a Middleware no router references is refused before anything is written, with a message
// that says what to add; a referenced one gives `present`, and `loaded` once Traefik's API (fake, fed from the fake
// apiserver like the CRD provider) reports the middleware enabled with the new entry in its list.
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { traefikSchema } from '../../../domain/config/enforcement';
import type { BlockRequest } from '../../../domain/types';
import { createTraefikEnforcer } from '../../../activities/enforcers/traefik';
import { createEnforcementActivities } from '../../../activities/enforcement';
import { PermanentEnforcementError } from '../../../activities/enforcers/types';
import { startFakeKubernetesApi, type FakeKubernetesApi } from '../../fakes/kubernetes-api';
import { FakeTraefikApi } from '../../fakes/traefik-api';

const dir = mkdtempSync(path.join(tmpdir(), 'palisade-traefik-verify-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const req = (ip: string): BlockRequest => ({ blockId: `${ip}#1`, ip, target: `${ip}/32`, direction: 'inbound', reason: 'scanner', dryRun: false, enforcer: 'traefik' });

function seedMiddleware(k: FakeKubernetesApi) {
  k.put({ apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name: 'deny', namespace: 'traefik' }, spec: { plugin: { denyip: { ipDenyList: ['198.51.100.1'] } } } });
}
const routeUsing = (k: FakeKubernetesApi) => k.put({ apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name: 'shop', namespace: 'web' },
  spec: { routes: [{ match: 'Host(`shop.example.net`)', kind: 'Rule', middlewares: [{ name: 'deny', namespace: 'traefik' }], services: [{ name: 'shop', port: 80 }] }] } });

void describe('Traefik: the chosen Middleware must be used by routers; loaded as Traefik reports it', () => {
  let k: FakeKubernetesApi;
  let traefik: FakeTraefikApi;
  let traefikUrl: string;
  let kubeconfig: string;
  const enforcer = (over: Record<string, unknown> = {}) => createTraefikEnforcer(traefikSchema.parse({ kubeconfig, namespace: 'traefik', timeoutSeconds: 5, ...over }));
  const withApi = (over: Record<string, unknown> = {}) => enforcer({ middleware: 'deny', api: { url: traefikUrl }, ...over });
  const patches = () => k.requests.filter((r) => r.method === 'PATCH').length;

  beforeEach(async () => {
    k = await startFakeKubernetesApi();
    kubeconfig = path.join(dir, `kubeconfig-${Date.now()}-${Math.random()}`);
    writeFileSync(kubeconfig, k.kubeconfig());
    traefik = new FakeTraefikApi(k, { plugins: ['denyip'] });
    traefikUrl = await traefik.start();
  });
  afterEach(async () => {
    await traefik.close();
    await k.close();
  });

  void test('a pinned Middleware no router references → refused before apply with the message; nothing patched', async () => {
    seedMiddleware(k);
    await assert.rejects(enforcer({ middleware: 'deny' }).apply(req('203.0.113.9')), (e: unknown) =>
      e instanceof PermanentEnforcementError
      && /refused before apply: traefik preconditions not met: Middleware traefik\/deny is not referenced by any router/.test(e.message)
      && /IngressRoute spec\.routes\[\]\.middlewares: \[\{name: deny, namespace: traefik\}\]/.test(e.message)
      && /traefik\.ingress\.kubernetes\.io\/router\.middlewares: traefik-deny@kubernetescrd/.test(e.message));
    assert.equal(patches(), 0);
    const pre = await enforcer({ middleware: 'deny' }).checkPreconditions();
    assert.equal(pre.ok, false);
  });

  void test('a discovered Middleware no router uses → refused, explaining what to add', async () => {
    seedMiddleware(k);
    await assert.rejects(enforcer().apply(req('203.0.113.9')), (e: unknown) =>
      e instanceof PermanentEnforcementError && /traefik\/deny has a deny list but no router uses it .*add it to the routes that serve the attacked hosts/.test(e.message));
    assert.equal(patches(), 0);
  });

  void test('referenced by an IngressRoute → present, and loaded once Traefik has refreshed', async () => {
    seedMiddleware(k);
    routeUsing(k);
    traefik.sync();
    const e = withApi();
    const pre = await e.checkPreconditions();
    assert.deepEqual(pre.checks.map((c) => [c.ok, c.detail]), [
      [true, 'Middleware traefik/deny is used by web/shop'],
      [true, `Traefik reports traefik-deny@kubernetescrd enabled, used by ${[...traefik.routers.keys()][0]}`],
    ]);
    await e.apply(req('203.0.113.9'));
    const before = await e.verify(req('203.0.113.9'));
    assert.equal(before.present.ok, true);
    assert.equal(before.loaded.ok, false, 'the cluster has it; Traefik has not reloaded yet');
    assert.match(before.loaded.evidence, /enabled, without 203\.0\.113\.9\/32 in its list/);
    traefik.sync();
    const v = await e.verify(req('203.0.113.9'));
    assert.deepEqual([v.present.ok, v.loaded.ok], [true, true]);
    assert.match(v.loaded.evidence, /Traefik reports traefik-deny@kubernetescrd enabled, with 203\.0\.113\.9\/32 in its list, used by web-shop-/);
    const r = await createEnforcementActivities({ enforcers: { traefik: e } }).verifyBlock(req('203.0.113.9'));
    assert.equal(r.level, 'loaded');
  });

  void test('a plain Ingress annotation counts as a reference', async () => {
    seedMiddleware(k);
    k.put({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'blog', namespace: 'web', annotations: { 'traefik.ingress.kubernetes.io/router.middlewares': 'traefik-deny@kubernetescrd' } },
      spec: { rules: [{ host: 'blog.example.net', http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'blog', port: { number: 80 } } } }] } }] } });
    traefik.sync();
    const pre = await withApi().checkPreconditions();
    assert.equal(pre.ok, true, JSON.stringify(pre.checks));
    assert.match(pre.checks[0].detail, /used by ingress web\/blog/);
  });

  void test('Traefik did not load the plugin (not declared in the static configuration) → refused with Traefik\'s error', async () => {
    seedMiddleware(k);
    routeUsing(k);
    await traefik.close();
    traefik = new FakeTraefikApi(k, { plugins: [] });
    traefikUrl = await traefik.start();
    await assert.rejects(withApi().apply(req('203.0.113.9')), (e: unknown) =>
      e instanceof PermanentEnforcementError && /Traefik reports traefik-deny@kubernetescrd as disabled: plugin: unknown plugin type: denyip/.test(e.message));
    assert.equal(patches(), 0);
  });

  void test('without the Traefik API, loaded is reported as not observable (not as a failure)', async () => {
    seedMiddleware(k);
    routeUsing(k);
    const e = enforcer();
    await e.apply(req('203.0.113.9'));
    const r = await createEnforcementActivities({ enforcers: { traefik: e } }).verifyBlock(req('203.0.113.9'));
    assert.equal(r.level, 'present');
    assert.equal(r.present, true);
    assert.match(r.detail, /loaded: not observable \(Traefik API not configured/);
  });

  void test('NetworkPolicy fallback that selects no Traefik pod → refused', async () => {
    k.put({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'edge', namespace: 'traefik' }, spec: {
      podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0' } }] }],
    } });
    await assert.rejects(enforcer({ preference: ['network-policy'] }).apply(req('203.0.113.9')), (e: unknown) =>
      e instanceof PermanentEnforcementError && /no Traefik pod matches the configured traefikPodSelector/.test(e.message));
    k.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'traefik-1', namespace: 'traefik', labels: { 'app.kubernetes.io/name': 'traefik' } } });
    assert.equal((await enforcer({ preference: ['network-policy'] }).apply(req('203.0.113.9'))).ok, true);
  });
});
