// A wire-compatible slice of the Kubernetes API server for the Traefik enforcer: Traefik CRDs (middlewares,
// ingressroutes), NetworkPolicies, Ingresses and pods, with bearer-token auth, resourceVersion bumping, JSON merge-patch
// (RFC 7386) only, 409/404/415/422 `Status` bodies like the real apiserver, and hooks to inject concurrent writers,
// admission-style mutations and faults. Drive it through @kubernetes/client-node with `kubeconfig()`.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import ipaddr from 'ipaddr.js';
import { closeNow } from './loopback-server';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; resourceVersion?: string; uid?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  spec?: any;
  [k: string]: unknown;
}

interface Resource { group: string; version: string; plural: string; kind: string }
const RESOURCES: Resource[] = [
  { group: 'traefik.io', version: 'v1alpha1', plural: 'middlewares', kind: 'Middleware' },
  { group: 'traefik.io', version: 'v1alpha1', plural: 'ingressroutes', kind: 'IngressRoute' },
  { group: 'networking.k8s.io', version: 'v1', plural: 'networkpolicies', kind: 'NetworkPolicy' },
  { group: 'networking.k8s.io', version: 'v1', plural: 'ingresses', kind: 'Ingress' },
  { group: '', version: 'v1', plural: 'pods', kind: 'Pod' },
];

export interface RecordedRequest { method: string; path: string; contentType?: string; body?: unknown }

export interface FakeKubernetesApi {
  url: string;
  token: string;
  requests: RecordedRequest[];
  /** A kubeconfig (YAML) pointing at this server with its token. */
  kubeconfig(): string;
  put(obj: K8sObject): K8sObject;
  get(plural: string, namespace: string, name: string): K8sObject | undefined;
  /** Every stored object of one plural (what a provider watching the cluster sees). */
  list(plural: string): K8sObject[];
  /** Runs once, just before the next successful write to that object is stored (e.g. a concurrent writer). */
  beforeNextWrite(plural: string, namespace: string, name: string, fn: () => void): void;
  /** Runs once on the stored object right after the next patch (an admission webhook or CRD pruning). */
  afterNextPatch(plural: string, namespace: string, name: string, fn: (obj: K8sObject) => void): void;
  /** The next request matching method and path gets this status (a Status body), once. */
  failNext(method: string, pathPattern: RegExp, code: number, reason?: string): void;
  /** The next request matching method and path never gets an answer (until close): a hung apiserver. */
  stallNext(method: string, pathPattern: RegExp): void;
  close(): Promise<void>;
}

const clone = <T>(v: T): T => structuredClone(v);

function status(code: number, reason: string, message: string, details?: Record<string, unknown>) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, details, code };
}

/** RFC 7386 JSON merge patch: objects merge recursively, null deletes, everything else (arrays too) replaces. */
export function mergePatch(target: any, patch: any): any {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) return clone(patch);
  const out: any = typeof target === 'object' && target !== null && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** The apiserver's NetworkPolicy ipBlock validation (pkg/apis/networking/validation), the parts we exercise. */
function validateNetworkPolicy(obj: K8sObject): string | undefined {
  for (const [i, rule] of (obj.spec?.ingress ?? []).entries()) {
    for (const [j, peer] of (rule?.from ?? []).entries()) {
      const b = peer?.ipBlock;
      if (!b) continue;
      const path = `spec.ingress[${i}].from[${j}].ipBlock`;
      let cidr: [ipaddr.IPv4 | ipaddr.IPv6, number];
      try { cidr = ipaddr.parseCIDR(b.cidr); } catch { return `${path}.cidr: Invalid value: "${b.cidr}": must be a valid CIDR value`; }
      for (const [k, e] of (b.except ?? []).entries()) {
        let ex: [ipaddr.IPv4 | ipaddr.IPv6, number];
        try { ex = ipaddr.parseCIDR(e); } catch { return `${path}.except[${k}]: Invalid value: "${e}": must be a valid CIDR value`; }
        const strict = ex[0].kind() === cidr[0].kind() && ex[1] > cidr[1] && ex[0].match(cidr);
        if (!strict) return `${path}.except[${k}]: Invalid value: "${e}": must be a strict subset of \`cidr\``;
      }
    }
  }
  return undefined;
}

function matchesLabelSelector(selector: string | null, labels: Record<string, string> = {}): boolean {
  if (!selector) return true;
  return selector.split(',').every((term) => {
    const [k, v] = term.split('=');
    return labels[k.trim()] === v?.trim();
  });
}

export async function startFakeKubernetesApi(opts: { token?: string } = {}): Promise<FakeKubernetesApi> {
  const token = opts.token ?? 'fake-sa-token';
  const store = new Map<string, K8sObject>();
  let rv = 1000;
  const requests: RecordedRequest[] = [];
  const beforeWrite = new Map<string, () => void>();
  const afterPatch = new Map<string, (o: K8sObject) => void>();
  const faults: Array<{ method: string; pattern: RegExp; code: number; reason: string }> = [];
  const stalls: Array<{ method: string; pattern: RegExp }> = [];
  const keyOf = (plural: string, ns: string, name: string) => `${plural}/${ns}/${name}`;
  const resourceOf = (plural: string) => RESOURCES.find((r) => r.plural === plural);

  const put = (obj: K8sObject) => {
    const res = RESOURCES.find((r) => r.kind === obj.kind)!;
    const stored = clone(obj);
    stored.metadata.resourceVersion = String(++rv);
    stored.metadata.uid ??= `uid-${rv}`;
    store.set(keyOf(res.plural, obj.metadata.namespace, obj.metadata.name), stored);
    return clone(stored);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const send = (code: number, body: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      const url = new URL(req.url ?? '/', 'http://x');
      const raw = Buffer.concat(chunks).toString('utf8');
      const rec: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname + url.search, contentType: req.headers['content-type'] };
      if (raw) { try { rec.body = JSON.parse(raw); } catch { rec.body = raw; } }
      requests.push(rec);

      if (req.headers.authorization !== `Bearer ${token}`) { res.writeHead(401); res.end('Unauthorized'); return; }
      const stall = stalls.findIndex((f) => f.method === req.method && f.pattern.test(url.pathname));
      if (stall >= 0) { stalls.splice(stall, 1); return; }
      const fault = faults.findIndex((f) => f.method === req.method && f.pattern.test(url.pathname));
      if (fault >= 0) {
        const f = faults.splice(fault, 1)[0];
        send(f.code, status(f.code, f.reason, `injected ${f.reason}`));
        return;
      }
      // /apis/<group>/<version>/[namespaces/<ns>/]<plural>[/<name>]  or  /api/v1/[namespaces/<ns>/]<plural>[/<name>]
      const m = /^\/(?:apis\/([^/]+)|api)\/([^/]+)(?:\/namespaces\/([^/]+))?\/([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
      const resource = m ? resourceOf(m[4]) : undefined;
      if (!m || !resource || (m[1] ?? '') !== resource.group || m[2] !== resource.version) {
        send(404, status(404, 'NotFound', 'the server could not find the requested resource'));
        return;
      }
      const [, , , ns, plural, name] = m;
      const qualified = resource.group ? `${plural}.${resource.group}` : plural;
      if (!name) {
        if (req.method !== 'GET') { send(405, status(405, 'MethodNotAllowed', 'method not allowed')); return; }
        const selector = url.searchParams.get('labelSelector');
        const items = [...store.entries()]
          .filter(([k, o]) => k.startsWith(`${plural}/`) && (!ns || o.metadata.namespace === ns) && matchesLabelSelector(selector, o.metadata.labels))
          .map(([, o]) => clone(o))
          .sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
        send(200, { apiVersion: resource.group ? `${resource.group}/${resource.version}` : 'v1', kind: `${resource.kind}List`, metadata: { resourceVersion: String(rv) }, items });
        return;
      }
      const key = keyOf(plural, ns ?? '', name);
      const current = store.get(key);
      if (!current) {
        send(404, status(404, 'NotFound', `${qualified} "${name}" not found`, { name, group: resource.group, kind: plural }));
        return;
      }
      if (req.method === 'GET') { send(200, clone(current)); return; }
      if (req.method !== 'PATCH') { send(405, status(405, 'MethodNotAllowed', 'method not allowed')); return; }
      const ct = (req.headers['content-type'] ?? '').split(';')[0].trim();
      if (ct !== 'application/merge-patch+json') {
        // Strategic merge is not supported for custom resources; this fake only speaks merge-patch anywhere.
        send(415, status(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json (got "${ct}")`));
        return;
      }
      let patch: any;
      try { patch = JSON.parse(raw); } catch { send(400, status(400, 'BadRequest', 'error decoding patch: invalid JSON')); return; }
      const hook = beforeWrite.get(key);
      if (hook) { beforeWrite.delete(key); hook(); }
      const latest = store.get(key)!;
      const wanted = patch?.metadata?.resourceVersion;
      if (wanted !== undefined && wanted !== latest.metadata.resourceVersion) {
        send(409, status(409, 'Conflict', `Operation cannot be fulfilled on ${qualified} "${name}": the object has been modified; please apply your changes to the latest version and try again`, { name, group: resource.group, kind: plural }));
        return;
      }
      const next = mergePatch(latest, patch) as K8sObject;
      next.metadata.name = latest.metadata.name;
      next.metadata.namespace = latest.metadata.namespace;
      if (plural === 'networkpolicies') {
        const invalid = validateNetworkPolicy(next);
        if (invalid) {
          send(422, status(422, 'Invalid', `NetworkPolicy.networking.k8s.io "${name}" is invalid: ${invalid}`, { name, group: resource.group, kind: 'NetworkPolicy' }));
          return;
        }
      }
      const stored = put(next);
      const mutate = afterPatch.get(key);
      if (mutate) {
        afterPatch.delete(key);
        const obj = store.get(key)!;
        mutate(obj);
        obj.metadata.resourceVersion = String(++rv);
      }
      send(200, mutate ? clone(store.get(key)) : stored);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    token,
    requests,
    kubeconfig: () =>
      [
        'apiVersion: v1', 'kind: Config', 'current-context: fake',
        // client-node refuses plain http unless TLS verification is explicitly off (the fake is loopback http).
        'clusters:', `- name: fake`, `  cluster: { server: "${url}", insecure-skip-tls-verify: true }`,
        'users:', `- name: palisade`, `  user: { token: "${token}" }`,
        'contexts:', `- name: fake`, `  context: { cluster: fake, user: palisade, namespace: traefik }`, '',
      ].join('\n'),
    put,
    get: (plural, ns, name) => { const o = store.get(keyOf(plural, ns, name)); return o && clone(o); },
    list: (plural) => [...store.entries()].filter(([k]) => k.startsWith(`${plural}/`)).map(([, o]) => clone(o)),
    beforeNextWrite: (plural, ns, name, fn) => void beforeWrite.set(keyOf(plural, ns, name), fn),
    afterNextPatch: (plural, ns, name, fn) => void afterPatch.set(keyOf(plural, ns, name), fn),
    failNext: (method, pattern, code, reason = 'InternalError') => void faults.push({ method, pattern, code, reason }),
    stallNext: (method, pattern) => void stalls.push({ method, pattern }),
    close: () => closeNow(server),
  };
}
