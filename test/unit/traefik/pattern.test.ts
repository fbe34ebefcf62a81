import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseTraefikPattern, labelSelectorMatches, type TraefikInventory, type TraefikPattern } from '../../../domain/traefik-pattern';
import { addHostExcept, hostTarget, policyAdmits, removeHostExcept } from '../../../domain/k8s-netpol';

const ALL: TraefikPattern[] = ['deny-plugin', 'crowdsec', 'ip-allowlist', 'network-policy'];
const traefikLabels = { 'app.kubernetes.io/name': 'traefik', 'app.kubernetes.io/instance': 'traefik-traefik' };

const denyMw = (ns: string, name: string, list: string[] = []) => ({ namespace: ns, name, spec: { plugin: { denyip: { ipDenyList: list } } } });
const crowdsecMw = { namespace: 'traefik', name: 'crowdsec', spec: { plugin: { bouncer: { enabled: true, crowdsecMode: 'live', crowdsecLapiHost: 'crowdsec-service.crowdsec:8080' } } } };
const allowMw = { namespace: 'web', name: 'admin-allow', spec: { ipAllowList: { sourceRange: ['10.0.0.0/8'] } } };
const route = (ns: string, name: string, ...mws: Array<{ name: string; namespace?: string }>) =>
  ({ namespace: ns, name, spec: { routes: [{ match: 'Host(`a`)', kind: 'Rule', middlewares: mws, services: [{ name: 'app', port: 80 }] }] } });
const edgePolicy = { namespace: 'traefik', name: 'traefik-ingress', spec: {
  podSelector: { matchLabels: { 'app.kubernetes.io/name': 'traefik' } }, policyTypes: ['Ingress'],
  ingress: [{ from: [{ ipBlock: { cidr: '0.0.0.0/0', except: [] } }, { namespaceSelector: { matchLabels: { name: 'monitoring' } } }] }],
} };
const allowAllPolicy = { namespace: 'traefik', name: 'allow-all', spec: { podSelector: {}, ingress: [{}] } };

const inv = (p: Partial<TraefikInventory>): TraefikInventory =>
  ({ middlewares: [], ingressRoutes: [], networkPolicies: [], traefikPodLabels: [traefikLabels], ...p });

void describe('chooseTraefikPattern', () => {
  const full = inv({
    middlewares: [denyMw('traefik', 'deny'), crowdsecMw, allowMw],
    ingressRoutes: [route('web', 'app', { name: 'deny', namespace: 'traefik' }, { name: 'crowdsec', namespace: 'traefik' }), route('web', 'admin', { name: 'admin-allow' })],
    networkPolicies: [edgePolicy],
  });
  const cases: Array<{ name: string; inventory: TraefikInventory; preference?: TraefikPattern[]; pinned?: string; pattern?: string; picked?: string; explains: RegExp[] }> = [
    { name: 'deny plugin first by default', inventory: full, pattern: 'deny-plugin', picked: 'traefik/deny', explains: [/deny-plugin: using Middleware traefik\/deny \(plugin denyip.ipDenyList\), used by web\/app/] },
    { name: 'network-policy when preferred', inventory: full, preference: ['network-policy', 'deny-plugin'], pattern: 'network-policy', picked: 'traefik/traefik-ingress', explains: [/network-policy: adding ipBlock.except entries .*traefik\/traefik-ingress/] },
    { name: 'crowdsec and allowlist are explained, then network-policy', inventory: full, preference: ['crowdsec', 'ip-allowlist', 'network-policy'], pattern: 'network-policy', picked: 'traefik/traefik-ingress',
      explains: [/crowdsec: found traefik\/crowdsec, not usable: .*CrowdSec LAPI/, /ip-allowlist: found web\/admin-allow, not usable: an ipAllowList can only allow/] },
    { name: 'unreferenced deny middleware is skipped', inventory: inv({ middlewares: [denyMw('traefik', 'deny')], networkPolicies: [edgePolicy] }), pattern: 'network-policy', picked: 'traefik/traefik-ingress',
      explains: [/traefik\/deny has a deny list but no router uses it/] },
    { name: 'pinned unreferenced deny middleware is used', inventory: inv({ middlewares: [denyMw('traefik', 'deny')] }), pinned: 'traefik/deny', pattern: 'deny-plugin', picked: 'traefik/deny', explains: [/using pinned Middleware traefik\/deny/] },
    { name: 'most-used deny middleware wins, ties by name', inventory: inv({
      middlewares: [denyMw('a', 'one'), denyMw('b', 'two'), denyMw('c', 'three')],
      ingressRoutes: [route('a', 'r1', { name: 'one' }), route('b', 'r2', { name: 'two' }), route('b', 'r3', { name: 'two' }), route('c', 'r4', { name: 'three' }), route('c', 'r5', { name: 'three' })],
    }), pattern: 'deny-plugin', picked: 'b/two', explains: [/other candidates c\/three, a\/one/] },
    { name: 'cross-provider refs are not followed', inventory: inv({ middlewares: [denyMw('traefik', 'deny')], ingressRoutes: [route('web', 'app', { name: 'deny@file' })] }), explains: [/no router uses it/] },
    { name: 'allow-all policy makes NetworkPolicy unusable', inventory: inv({ networkPolicies: [edgePolicy, allowAllPolicy] }), preference: ['network-policy'], explains: [/traefik\/allow-all admit every source/] },
    { name: 'policy for other pods does not count', inventory: inv({ networkPolicies: [{ ...edgePolicy, spec: { ...edgePolicy.spec, podSelector: { matchLabels: { app: 'db' } } } }] }), preference: ['network-policy'], explains: [/no NetworkPolicy selects the Traefik pods/] },
    { name: 'egress-only policy does not count', inventory: inv({ networkPolicies: [{ ...edgePolicy, spec: { ...edgePolicy.spec, policyTypes: ['Egress'] } }] }), preference: ['network-policy'], explains: [/no NetworkPolicy selects/] },
    { name: 'nothing at all: refusal with every reason', inventory: inv({ middlewares: [crowdsecMw, allowMw] }), explains: [/deny-plugin: no Middleware/, /crowdsec: found/, /ip-allowlist: found/, /network-policy: no NetworkPolicy/] },
    { name: 'preference limits what is considered', inventory: full, preference: ['ip-allowlist'], explains: [/ip-allowlist: found/] },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      const d = chooseTraefikPattern(c.inventory, { preference: c.preference ?? ALL, pinnedMiddleware: c.pinned });
      assert.equal(d.choice?.pattern, c.pattern, d.explanation.join('\n'));
      if (d.choice?.pattern === 'deny-plugin') assert.equal(`${d.choice.middleware.namespace}/${d.choice.middleware.name}`, c.picked);
      if (d.choice?.pattern === 'network-policy') assert.deepEqual(d.choice.policies.map((p) => `${p.namespace}/${p.name}`), [c.picked]);
      for (const re of c.explains) assert.ok(d.explanation.some((l) => re.test(l)), `${re} not in:\n${d.explanation.join('\n')}`);
    });
  }
  void test('is deterministic regardless of input order', () => {
    const a = chooseTraefikPattern(full, { preference: ALL });
    const b = chooseTraefikPattern({ ...full, middlewares: [...full.middlewares].reverse(), ingressRoutes: [...full.ingressRoutes].reverse() }, { preference: ALL });
    assert.deepEqual(a, b);
  });
});

void describe('labelSelectorMatches', () => {
  const cases: Array<[unknown, boolean]> = [
    [undefined, true], [{}, true],
    [{ matchLabels: { 'app.kubernetes.io/name': 'traefik' } }, true],
    [{ matchLabels: { 'app.kubernetes.io/name': 'nginx' } }, false],
    [{ matchExpressions: [{ key: 'app.kubernetes.io/instance', operator: 'In', values: ['traefik-traefik'] }] }, true],
    [{ matchExpressions: [{ key: 'app.kubernetes.io/instance', operator: 'NotIn', values: ['traefik-traefik'] }] }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'Bogus' }] }, false],
  ];
  for (const [sel, want] of cases) void test(JSON.stringify(sel) ?? 'undefined', () => assert.equal(labelSelectorMatches(sel, traefikLabels), want));
});

void describe('NetworkPolicy except arithmetic', () => {
  const dual = { ingress: [
    { from: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8'] } }, { podSelector: {} }] },
    { ports: [{ port: 443 }], from: [{ ipBlock: { cidr: '203.0.113.0/24' } }, { ipBlock: { cidr: '::/0' } }] },
  ] };
  const cases: Array<{ name: string; host: string; admitsBefore: boolean; excepts?: number; error?: RegExp }> = [
    { name: 'v4 host admitted by two rules gets two entries', host: '203.0.113.9/32', admitsBefore: true, excepts: 2 },
    { name: 'v4 host admitted once', host: '198.51.100.7/32', admitsBefore: true, excepts: 1 },
    { name: 'v6 host goes into ::/0', host: '2001:db8::1/128', admitsBefore: true, excepts: 1 },
    { name: 'already excepted by a range', host: '10.1.2.3/32', admitsBefore: false, excepts: 0 },
  ];
  for (const c of cases) {
    void test(c.name, () => {
      assert.equal(policyAdmits(dual, c.host), c.admitsBefore);
      const r = addHostExcept(dual, c.host);
      assert.ok(!('error' in r));
      assert.equal(r.changed, (c.excepts ?? 0) > 0);
      assert.equal(policyAdmits({ ingress: r.ingress }, c.host), false);
      const count = r.ingress.flatMap((x: any) => x.from).filter((p: any) => p.ipBlock?.except?.includes(c.host)).length;
      assert.equal(count, c.excepts);
      const back = removeHostExcept({ ingress: r.ingress }, c.host);
      assert.equal(policyAdmits({ ingress: back.ingress }, c.host), c.admitsBefore);
      assert.deepEqual(back.ingress.flatMap((x: any) => x.from).map((p: any) => p.ipBlock?.except ?? null), [['10.0.0.0/8'], null, null, null]);
    });
  }
  void test('refuses rules that admit every source, and explicit host allows', () => {
    assert.match((addHostExcept({ ingress: [{ ports: [{ port: 80 }] }] }, '1.2.3.4/32') as any).error, /admits every source/);
    assert.match((addHostExcept({ ingress: [{ from: [{ ipBlock: { cidr: '1.2.3.4/32' } }] }] }, '1.2.3.4/32') as any).error, /explicitly allows/);
  });
  void test('hostTarget accepts single addresses only', () => {
    const table: Array<[string, string | undefined]> = [['1.2.3.4', '1.2.3.4/32'], ['1.2.3.4/32', '1.2.3.4/32'], ['1.2.3.0/24', undefined],
      ['010.0.0.1', undefined], ['2001:DB8::1', '2001:db8::1/128'], ['2001:db8::/64', undefined], ['1.2.3.4; rm -rf /', undefined], ['', undefined]];
    for (const [v, want] of table) assert.equal(hostTarget(v), want, v);
  });
});
