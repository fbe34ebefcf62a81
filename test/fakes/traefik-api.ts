// Wire-compatible fake of Traefik's API (the `api` entrypoint: GET /api/http/middlewares[/<name>],
// /api/http/routers[/<name>]), built the way Traefik's kubernetescrd provider builds its dynamic configuration from
// the cluster: Middleware `<ns>/<name>` becomes `<ns>-<name>@kubernetescrd`, each IngressRoute route becomes a router
// `<ns>-<name>-<hash>@kubernetescrd` using its middlewares, an Ingress annotated with
// traefik.ingress.kubernetes.io/router.middlewares becomes a `@kubernetes` router. The representation carries the
// middleware's config (e.g. `plugin.denyip.ipDenyList`), `status` (enabled / disabled with `error` when the plugin
// is not declared in the static configuration) and `usedBy`. Like the real provider, it sees cluster changes only
// when it refreshes: `sync()` (or every `refreshMs`), so "in the cluster" and "loaded by Traefik" can differ.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { FakeKubernetesApi, K8sObject } from './kubernetes-api';
import { closeNow, listenOnLoopback } from './loopback-server';

export interface FakeTraefikApiOptions {
  /** Plugins declared in the static configuration (experimental.plugins); others make their middleware disabled. */
  plugins?: string[];
  /** Refresh from the cluster on this interval (the provider's watch + throttle); 0 = only on sync(). */
  refreshMs?: number;
}

interface MiddlewareRep {
  name: string;
  provider: string;
  status: 'enabled' | 'disabled';
  error?: string[];
  usedBy: string[];
  type: string;
  [k: string]: unknown;
}

interface RouterRep {
  name: string;
  provider: string;
  rule: string;
  service: string;
  middlewares?: string[];
  status: 'enabled' | 'disabled';
  error?: string[];
  using: string[];
}

export class FakeTraefikApi {
  middlewares = new Map<string, MiddlewareRep>();
  routers = new Map<string, RouterRep>();
  syncs = 0;
  private server: http.Server | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly k8s: FakeKubernetesApi, private readonly opts: FakeTraefikApiOptions = {}) {}

  /** The provider's refresh: rebuild the dynamic configuration from the cluster as it is now. */
  sync() {
    this.syncs += 1;
    const mws = new Map<string, MiddlewareRep>();
    for (const m of this.k8s.list('middlewares')) {
      const name = `${m.metadata.namespace}-${m.metadata.name}@kubernetescrd`;
      const spec = (m.spec ?? {}) as Record<string, unknown>;
      const type = Object.keys(spec)[0] ?? 'unknown';
      const rep: MiddlewareRep = { ...structuredClone(spec), name, provider: 'kubernetescrd', status: 'enabled', usedBy: [], type: type.toLowerCase() };
      if (type === 'plugin') {
        const unknown = Object.keys((spec.plugin ?? {}) as object).filter((p) => !(this.opts.plugins ?? []).includes(p));
        if (unknown.length > 0) {
          rep.status = 'disabled';
          rep.error = unknown.map((p) => `plugin: unknown plugin type: ${p}`);
        }
      }
      mws.set(name, rep);
    }
    const routers = new Map<string, RouterRep>();
    const addRouter = (r: RouterRep) => {
      for (const mw of r.middlewares ?? []) {
        const target = mws.get(mw);
        if (!target) {
          r.status = 'disabled';
          (r.error ??= []).push(`middleware "${mw}" does not exist`);
        } else target.usedBy.push(r.name);
      }
      routers.set(r.name, r);
    };
    for (const ir of this.k8s.list('ingressroutes')) {
      for (const route of (ir.spec?.routes ?? []) as Array<{ match?: string; middlewares?: Array<{ name: string; namespace?: string }>; services?: Array<{ name: string }> }>) {
        const hash = createHash('sha256').update(route.match ?? '').digest('hex').slice(0, 20);
        addRouter({
          name: `${ir.metadata.namespace}-${ir.metadata.name}-${hash}@kubernetescrd`, provider: 'kubernetescrd', rule: route.match ?? '',
          service: `${ir.metadata.namespace}-${route.services?.[0]?.name ?? 'unknown'}`, status: 'enabled', using: ['websecure'],
          middlewares: (route.middlewares ?? []).map((m) => (m.name.includes('@') ? m.name : `${m.namespace ?? ir.metadata.namespace}-${m.name}@kubernetescrd`)),
        });
      }
    }
    for (const ing of this.k8s.list('ingresses')) addRouter(this.ingressRouter(ing));
    for (const m of mws.values()) m.usedBy.sort();
    this.middlewares = mws;
    this.routers = routers;
  }

  private ingressRouter(ing: K8sObject): RouterRep {
    const annotation = ing.metadata.annotations?.['traefik.ingress.kubernetes.io/router.middlewares'] ?? '';
    const host = (ing.spec?.rules?.[0]?.host as string | undefined) ?? '';
    return {
      name: `${ing.metadata.namespace}-${ing.metadata.name}-${host.replace(/\./g, '-')}@kubernetes`, provider: 'kubernetes', rule: `Host(\`${host}\`)`,
      service: `${ing.metadata.namespace}-${ing.spec?.rules?.[0]?.http?.paths?.[0]?.backend?.service?.name ?? 'unknown'}`, status: 'enabled', using: ['websecure'],
      middlewares: annotation.split(',').map((s) => s.trim()).filter(Boolean),
    };
  }

  async start(): Promise<string> {
    this.sync();
    if (this.opts.refreshMs) this.timer = setInterval(() => this.sync(), this.opts.refreshMs);
    this.server = http.createServer((req, res) => {
      const send = (code: number, body: unknown) => {
        res.writeHead(code, { 'content-type': code === 200 ? 'application/json' : 'text/plain; charset=utf-8' });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      };
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method !== 'GET') return send(405, 'Method Not Allowed\n');
      const m = /^\/api\/http\/(middlewares|routers)(?:\/([^/]+))?$/.exec(url.pathname);
      if (!m) return send(404, '404 page not found\n');
      const table: Map<string, unknown> = m[1] === 'middlewares' ? this.middlewares : this.routers;
      if (!m[2]) return send(200, [...table.values()]);
      const item = table.get(decodeURIComponent(m[2]));
      // Traefik answers an unknown name with 404 and a JSON message.
      if (!item) return send(404, `{"message":"${m[1] === 'middlewares' ? 'middleware' : 'router'} not found"}\n`);
      return send(200, item);
    });
    const port = await listenOnLoopback(this.server);
    return `http://127.0.0.1:${port}`;
  }

  async close() {
    clearInterval(this.timer);
    const s = this.server;
    this.server = undefined;
    if (s) await closeNow(s);
  }
}
