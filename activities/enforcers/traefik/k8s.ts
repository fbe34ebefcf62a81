// The few Kubernetes calls the Traefik enforcer makes, through @kubernetes/client-node, each with a timeout, and with
// API errors turned into Palisade's error kinds. The client package is ESM; Node >= 20.19 can require() it.
import type * as K8s from '@kubernetes/client-node' with { 'resolution-mode': 'import' };
import { PermanentEnforcementError } from '../types';

// Loaded on first use: the client costs about 75 MB of worker memory, which only a Traefik deployment should pay.
let loaded: typeof K8s | undefined;
export const k8s = new Proxy({} as typeof K8s, {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  get: (_target, key) => (loaded ??= require('@kubernetes/client-node') as typeof K8s)[key as keyof typeof K8s],
});

export const TRAEFIK_GROUP = 'traefik.io';
export const TRAEFIK_VERSION = 'v1alpha1';

export interface KubeTarget {
  kind: 'Middleware' | 'NetworkPolicy';
  namespace: string;
  name: string;
}

export interface KubeApi {
  listTraefik(plural: 'middlewares' | 'ingressroutes', namespaces?: string[]): Promise<any[]>;
  listNetworkPolicies(namespace: string): Promise<any[]>;
  listPodLabels(namespace: string, selector: Record<string, string>): Promise<Array<Record<string, string>>>;
  /** Plain Ingresses (their Traefik middleware annotations), in the given namespaces or all. */
  listIngresses(namespaces?: string[]): Promise<any[]>;
  get(target: KubeTarget): Promise<any>;
  /** JSON merge-patch (application/merge-patch+json); returns the stored object. */
  mergePatch(target: KubeTarget, body: unknown): Promise<any>;
}

export class ConflictError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConflictError';
  }
}

/** A readable message from an ApiException, whose body is often the raw text of a k8s Status. */
function statusMessage(err: any): string {
  let body = err?.body;
  if (typeof body === 'string') {
    try { body = JSON.parse(body); } catch { /* not JSON: keep the text */ }
  }
  if (body && typeof body === 'object' && typeof body.message === 'string') return body.message;
  if (typeof body === 'string' && body.trim()) return body.trim().slice(0, 300);
  return `HTTP ${err?.code}`;
}

/** Maps API failures: 409 -> ConflictError (re-read and retry), 4xx that retrying cannot fix -> permanent. */
export function mapKubeError(err: unknown, what: string): Error {
  const e = err as any;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.cause?.name === 'TimeoutError') return new Error(`${what}: timed out`);
  if (typeof e?.code !== 'number') return new Error(`${what}: ${e?.message ?? String(err)}`);
  const msg = `${what}: ${statusMessage(e)}`;
  switch (e.code) {
    case 401: return new PermanentEnforcementError(`${what}: unauthorised (check the service account token / kubeconfig)`, 'auth');
    case 403: return new PermanentEnforcementError(`${msg} (RBAC: the role needs get/list/patch on this resource)`, 'forbidden');
    case 404: return new PermanentEnforcementError(msg, 'not_found');
    case 409: return new ConflictError(msg);
    case 400: case 415: case 422: return new PermanentEnforcementError(msg, 'validation');
    default: return new Error(msg);
  }
}

/**
 * The typed NetworkingV1Api models rename the ingress rule's `from` to `_from` (a TS keyword clash); everything in
 * Palisade, and every patch it sends, uses the wire shape, so convert back at this boundary.
 */
export function networkPolicyToWire(obj: any): any {
  const ingress = obj?.spec?.ingress;
  if (!Array.isArray(ingress)) return obj;
  return {
    ...obj,
    spec: {
      ...obj.spec,
      ingress: ingress.map((rule: any) => {
        if (!rule || !('_from' in rule)) return rule;
        const { _from, ...rest } = rule;
        return _from === undefined ? rest : { ...rest, from: _from };
      }),
    },
  };
}

export function loadKubeConfig(opts: { kubeconfig?: string; context?: string }): K8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
  else kc.loadFromCluster();
  if (opts.context) kc.setCurrentContext(opts.context);
  return kc;
}

export function createKubeApi(kc: K8s.KubeConfig, timeoutMs: number): KubeApi {
  const custom = kc.makeApiClient(k8s.CustomObjectsApi);
  const net = kc.makeApiClient(k8s.NetworkingV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  // Every request gets its own abort deadline (the generated client passes the signal to fetch). The object-param
  // APIs take Observable-style middleware, the same shape setHeaderOptions produces.
  const withTimeout = (): K8s.ConfigurationOptions => ({
    middleware: [{
      pre: (ctx: K8s.RequestContext) => { ctx.setSignal(AbortSignal.timeout(timeoutMs)); return new k8s.Observable(Promise.resolve(ctx)); },
      post: (res: K8s.ResponseContext) => new k8s.Observable(Promise.resolve(res)),
    }] as any[],
    middlewareMergeStrategy: 'append',
  });
  // Custom resources take no strategic merge, and the client's default for patch is json-patch: say merge-patch.
  const mergePatchOptions = () => k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch, withTimeout());
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw mapKubeError(err, what);
    }
  };
  const plural = (t: KubeTarget) => (t.kind === 'Middleware' ? 'middlewares' : 'networkpolicies');
  const label = (t: KubeTarget) => `${plural(t)} ${t.namespace}/${t.name}`;

  return {
    async listTraefik(p, namespaces) {
      if (!namespaces) {
        const list = await call(`list ${p}`, () =>
          custom.listCustomObjectForAllNamespaces({ group: TRAEFIK_GROUP, version: TRAEFIK_VERSION, plural: p }, withTimeout()));
        return list?.items ?? [];
      }
      const lists = await Promise.all(namespaces.map((namespace) => call(`list ${p} in ${namespace}`, () =>
        custom.listNamespacedCustomObject({ group: TRAEFIK_GROUP, version: TRAEFIK_VERSION, namespace, plural: p }, withTimeout()))));
      return lists.flatMap((l) => l?.items ?? []);
    },
    async listNetworkPolicies(namespace) {
      const list = await call(`list networkpolicies in ${namespace}`, () => net.listNamespacedNetworkPolicy({ namespace }, withTimeout()));
      return (list.items ?? []).map(networkPolicyToWire);
    },
    async listPodLabels(namespace, selector) {
      const labelSelector = Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',');
      const list = await call(`list pods in ${namespace}`, () => core.listNamespacedPod({ namespace, labelSelector }, withTimeout()));
      return (list.items ?? []).map((p) => p.metadata?.labels ?? {});
    },
    async listIngresses(namespaces) {
      if (!namespaces) {
        const list = await call('list ingresses', () => net.listIngressForAllNamespaces({}, withTimeout()));
        return list.items ?? [];
      }
      const lists = await Promise.all(namespaces.map((namespace) => call(`list ingresses in ${namespace}`, () => net.listNamespacedIngress({ namespace }, withTimeout()))));
      return lists.flatMap((l) => l.items ?? []);
    },
    get(t) {
      return call(`get ${label(t)}`, () => t.kind === 'Middleware'
        ? custom.getNamespacedCustomObject({ group: TRAEFIK_GROUP, version: TRAEFIK_VERSION, namespace: t.namespace, plural: 'middlewares', name: t.name }, withTimeout())
        : net.readNamespacedNetworkPolicy({ namespace: t.namespace, name: t.name }, withTimeout()).then(networkPolicyToWire));
    },
    mergePatch(t, body) {
      return call(`patch ${label(t)}`, () => t.kind === 'Middleware'
        ? custom.patchNamespacedCustomObject({ group: TRAEFIK_GROUP, version: TRAEFIK_VERSION, namespace: t.namespace, plural: 'middlewares', name: t.name, body }, mergePatchOptions())
        : net.patchNamespacedNetworkPolicy({ namespace: t.namespace, name: t.name, body }, mergePatchOptions()).then(networkPolicyToWire));
    },
  };
}
