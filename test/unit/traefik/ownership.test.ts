// Finding 6 (Traefik ownership): a block is removed from the object, field and entry its apply recorded, never from
// wherever discovery points today, and never an entry Palisade did not add. Real client-node against the fake apiserver.
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEnforcementActivities } from '../../../activities/enforcement';
import { createTraefikEnforcer } from '../../../activities/enforcers/traefik';
import { OWNED_ANNOTATION } from '../../../activities/enforcers/traefik/patch';
import { traefikSchema } from '../../../domain/config/enforcement';
import type { BlockRequest } from '../../../domain/types';
import { startFakeKubernetesApi, type FakeKubernetesApi } from '../../fakes/kubernetes-api';

const dir = mkdtempSync(path.join(tmpdir(), 'palisade-traefik-own-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const req = (ip: string, extra: Partial<BlockRequest> = {}): BlockRequest =>
  ({ blockId: `${ip}#1`, ip, target: ip.includes(':') ? `${ip}/128` : `${ip}/32`, direction: 'inbound', reason: 'secrets scanning', dryRun: false, ...extra });

const middleware = (name: string, list: string[]) =>
  ({ apiVersion: 'traefik.io/v1alpha1', kind: 'Middleware', metadata: { name, namespace: 'traefik' }, spec: { plugin: { denyip: { ipDenyList: list } } } });
const route = (name: string, middlewares: string[]) =>
  ({ apiVersion: 'traefik.io/v1alpha1', kind: 'IngressRoute', metadata: { name, namespace: 'web' },
    spec: { routes: middlewares.map((m) => ({ match: `Host(\`${name}-${m}\`)`, kind: 'Rule', middlewares: [{ name: m, namespace: 'traefik' }] })) } });

void describe('Traefik ownership records', () => {
  let k: FakeKubernetesApi;
  let kubeconfig: string;
  const enforcer = (over: Record<string, unknown> = {}) => createTraefikEnforcer(traefikSchema.parse({ kubeconfig, namespace: 'traefik', timeoutSeconds: 5, ...over }));
  const list = (name: string) => k.get('middlewares', 'traefik', name)!.spec.plugin.denyip.ipDenyList as string[];

  beforeEach(async () => {
    k = await startFakeKubernetesApi();
    kubeconfig = path.join(dir, `kubeconfig-${Date.now()}-${Math.random()}`);
    writeFileSync(kubeconfig, k.kubeconfig());
  });
  afterEach(async () => {
    await k.close();
  });

  void test('the preferred Middleware changes between apply and remove: the entry is removed from the one it was written to', async () => {
    k.put(middleware('deny-old', ['198.51.100.1']));
    k.put(route('app', ['deny-old']));
    const e = enforcer();
    const applied = await e.apply(req('203.0.113.9'));
    assert.deepEqual(applied.written, [{ kind: 'Middleware', namespace: 'traefik', name: 'deny-old', field: '/spec/plugin/denyip/ipDenyList', entry: '203.0.113.9/32' }]);

    // The platform team adds a second deny Middleware used by more routes: discovery now prefers it.
    k.put(middleware('deny-new', []));
    k.put(route('shop', ['deny-new', 'deny-new']));
    k.put(route('blog', ['deny-new']));
    const now = await e.discover();
    assert.equal(now.choice?.pattern === 'deny-plugin' ? now.choice.middleware.name : undefined, 'deny-new');

    // Listing still reports the owned entry where it is.
    const listed = await e.list();
    assert.deepEqual(listed.filter((x) => x.ownedByPalisade).map((x) => [x.target, x.blockId, x.written?.[0].name]), [['203.0.113.9/32', '203.0.113.9#1', 'deny-old']]);

    const acts = createEnforcementActivities({ enforcers: { traefik: e } });
    const block = { ...req('203.0.113.9'), enforcer: 'traefik', written: applied.written };
    assert.equal((await acts.verifyBlock(block)).present, true, 'verified where it was written');
    const removed = await acts.removeBlock(block);
    assert.match(removed.detail, /removed 203.0.113.9\/32 from Middleware traefik\/deny-old \/spec\/plugin\/denyip\/ipDenyList/);
    assert.deepEqual(list('deny-old'), ['198.51.100.1']);
    assert.deepEqual(list('deny-new'), []);
    assert.equal(k.get('middlewares', 'traefik', 'deny-old')!.metadata.annotations?.[OWNED_ANNOTATION], undefined);
    const check = await acts.verifyRemoval(block);
    assert.equal(check.removed, true, check.detail);
    assert.equal((await acts.verifyBlock(block)).present, false);
  });

  void test('a block without a record (applied before records existed) is found through the ownership annotation, not the pattern', async () => {
    k.put(middleware('deny-old', []));
    k.put(route('app', ['deny-old']));
    const e = enforcer();
    await e.apply(req('2001:db8::7'));
    k.put(middleware('deny-new', []));
    k.put(route('shop', ['deny-new', 'deny-new']));
    assert.match((await e.remove(req('2001:db8::7'))).detail, /removed 2001:db8::7\/128 from Middleware traefik\/deny-old/);
    assert.deepEqual(list('deny-old'), []);
    assert.equal((await e.verifyRemoved!(req('2001:db8::7'))).removed, true);
  });

  void test("an operator's identical entry in the same list is kept, and the lift still verifies", async () => {
    k.put(middleware('deny', ['198.51.100.1']));
    k.put(route('app', ['deny']));
    const e = enforcer();
    const applied = await e.apply(req('203.0.113.9'));
    // The operator decides to keep this address blocked for good and adds it by hand, spelled the same way.
    const mw = k.get('middlewares', 'traefik', 'deny')!;
    mw.spec.plugin.denyip.ipDenyList.push('203.0.113.9/32');
    k.put(mw);

    const block = { ...req('203.0.113.9'), written: applied.written };
    const r = await e.remove(block);
    assert.match(r.detail, /removed 203.0.113.9\/32 .*; an identical entry Palisade did not add stays/);
    assert.deepEqual(list('deny'), ['198.51.100.1', '203.0.113.9/32']);
    const check = await e.verifyRemoved!(block);
    assert.equal(check.removed, true, check.detail);
    assert.match(check.detail, /identical entry Palisade did not add stays in Middleware traefik\/deny/);
    // The operator's entry is foreign now: listing says so, and a second removal touches nothing.
    assert.deepEqual((await e.list()).map((x) => [x.target, x.ownedByPalisade]), [['198.51.100.1/32', false], ['203.0.113.9/32', false]]);
    assert.match((await e.remove(block)).detail, /no Palisade entry for 203.0.113.9\/32 in Middleware traefik\/deny; left untouched/);
    assert.deepEqual(list('deny'), ['198.51.100.1', '203.0.113.9/32']);
  });

  void test("NetworkPolicy: only the recorded except lists lose the entry; the operator's identical except elsewhere stays", async () => {
    k.put({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'traefik-1', namespace: 'traefik', labels: { 'app.kubernetes.io/name': 'traefik' } } });
    k.put({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'edge', namespace: 'traefik' }, spec: {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } }, policyTypes: ['Ingress'],
      ingress: [
        { ports: [{ port: 443 }], from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }] },
        { ports: [{ port: 80 }], from: [{ ipBlock: { cidr: '203.0.113.0/24' } }] },
      ],
    } });
    const e = enforcer({ preference: ['network-policy'] });
    const applied = await e.apply(req('203.0.113.9'));
    assert.deepEqual(applied.written?.map((w) => w.field), ['/spec/ingress/0/from/0/ipBlock/except', '/spec/ingress/1/from/0/ipBlock/except']);
    // The operator also excepts the address in a new rule of their own.
    const np = k.get('networkpolicies', 'traefik', 'edge')!;
    np.spec.ingress.push({ ports: [{ port: 8443 }], from: [{ ipBlock: { cidr: '203.0.0.0/16', except: ['203.0.113.9/32'] } }] });
    k.put(np);

    await e.remove({ ...req('203.0.113.9'), written: applied.written });
    const ingress = k.get('networkpolicies', 'traefik', 'edge')!.spec.ingress;
    assert.deepEqual(ingress[0].from[0].ipBlock, { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] });
    assert.deepEqual(ingress[1].from[0].ipBlock, { cidr: '203.0.113.0/24' });
    assert.deepEqual(ingress[2].from[0].ipBlock.except, ['203.0.113.9/32'], "the operator's except stays");
    assert.equal((await e.verifyRemoved!({ ...req('203.0.113.9'), written: applied.written })).removed, true);
  });

  void test('a reviewed prefix block (IPv6 /64 of a prefix case) is written, verified and removed as one entry', async () => {
    k.put(middleware('deny', ['198.51.100.1']));
    k.put(route('app', ['deny']));
    const e = enforcer();
    const block = req('2a01:4f8:10:2::7', { target: '2a01:4f8:10:2::/64' });
    const applied = await e.apply(block);
    assert.deepEqual(applied.written?.map((w) => w.entry), ['2a01:4f8:10:2::/64']);
    assert.deepEqual(list('deny'), ['198.51.100.1', '2a01:4f8:10:2::/64']);
    assert.equal((await e.verify({ ...block, written: applied.written })).present.ok, true);
    await e.remove({ ...block, written: applied.written });
    assert.deepEqual(list('deny'), ['198.51.100.1']);
    // Anything wider, not containing the address, or IPv4 is refused before a request is sent.
    const sent = k.requests.length;
    for (const bad of [req('2a01:4f8:10:2::7', { target: '2a00::/16' }), req('2a01:4f8:10:3::7', { target: '2a01:4f8:10:2::/64' }), req('203.0.113.9', { target: '203.0.113.0/24' }), req('2a01:4f8:10:2::7', { target: '2a01:4f8:10:2::7/64' })]) {
      await assert.rejects(e.apply(bad), /neither the host CIDR/);
    }
    assert.equal(k.requests.length, sent);
  });

  void test('remove refuses an entry the record does not name as ours, even when the list holds it', async () => {
    k.put(middleware('deny', ['203.0.113.9/32']));
    k.put(route('app', ['deny']));
    const e = enforcer();
    const applied = await e.apply(req('203.0.113.9'));
    assert.deepEqual(applied.written, [], 'nothing written: the entry was already there');
    const forged = [{ kind: 'Middleware', namespace: 'traefik', name: 'deny', field: '/spec/plugin/denyip/ipDenyList', entry: '203.0.113.9/32' }];
    assert.match((await e.remove({ ...req('203.0.113.9'), written: forged })).detail, /no Palisade entry .*left untouched/);
    assert.deepEqual(list('deny'), ['203.0.113.9/32']);
  });
});
