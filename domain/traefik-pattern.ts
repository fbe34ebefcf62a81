// Which blocking pattern a Traefik-on-Kubernetes cluster supports, decided purely from what discovery found.
// Traefik v3 has no native deny list, so a block can only live in a deny-plugin Middleware or in NetworkPolicy
// `ipBlock.except` entries on the policies that select the Traefik pods. CrowdSec and ipAllowList are recognised
// (so the explanation says what the cluster uses) but cannot hold a Palisade block; see `unusableReason`.

export type TraefikPattern = 'deny-plugin' | 'crowdsec' | 'ip-allowlist' | 'network-policy';

export interface ObjectRef {
  namespace: string;
  name: string;
}
export const refKey = (r: ObjectRef) => `${r.namespace}/${r.name}`;

/** The parts of the Kubernetes objects the choice depends on (plain JSON, as the API returns them). */
export interface TraefikInventory {
  middlewares: Array<ObjectRef & { spec?: any }>;
  ingressRoutes: Array<ObjectRef & { spec?: any }>;
  /** Plain Ingresses (their traefik.ingress.kubernetes.io/router.middlewares annotation references Middlewares). */
  ingresses?: Array<ObjectRef & { annotations?: Record<string, string> }>;
  /** NetworkPolicies in the Traefik namespace. */
  networkPolicies: Array<ObjectRef & { spec?: any }>;
  /** Labels of each Traefik pod found (falls back to the configured selector when no pod is listed). */
  traefikPodLabels: Array<Record<string, string>>;
  /** How many Traefik pods were actually listed (undefined when pods could not be listed). */
  traefikPodsListed?: number;
}

export interface PatternOptions {
  preference: TraefikPattern[];
  /** Pinned Middleware ("ns/name"), already resolved against the default namespace. */
  pinnedMiddleware?: string;
}

export type PatternChoice =
  | { pattern: 'deny-plugin'; middleware: ObjectRef; plugin: string; field: string; routes: string[] }
  | { pattern: 'network-policy'; policies: ObjectRef[] };

export interface PatternDecision {
  choice?: PatternChoice;
  /** One line per preference considered, in order: what was found and why it was used or skipped. */
  explanation: string[];
}

/** Plugin config fields that hold a list of denied addresses (kevtainer/denyip; TraefikIPRules-style plugins). */
const DENY_LIST_FIELDS = ['ipDenyList', 'denyList'] as const;

export interface ClassifiedMiddleware extends ObjectRef {
  kind: 'deny-plugin' | 'crowdsec' | 'ip-allowlist';
  plugin?: string;
  field?: string;
}

const isObject = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function classifyMiddleware(mw: ObjectRef & { spec?: any }): ClassifiedMiddleware[] {
  const out: ClassifiedMiddleware[] = [];
  const spec = isObject(mw.spec) ? mw.spec : {};
  if (isObject(spec.plugin)) {
    for (const plugin of Object.keys(spec.plugin).sort()) {
      const cfg = spec.plugin[plugin];
      if (!isObject(cfg)) continue;
      const field = DENY_LIST_FIELDS.find((f) => Array.isArray(cfg[f]));
      if (field) out.push({ namespace: mw.namespace, name: mw.name, kind: 'deny-plugin', plugin, field });
      else if (/crowdsec/i.test(plugin) || 'crowdsecMode' in cfg || 'crowdsecLapiHost' in cfg || 'crowdsecLapiKey' in cfg) {
        out.push({ namespace: mw.namespace, name: mw.name, kind: 'crowdsec', plugin });
      }
    }
  }
  if (isObject(spec.ipAllowList) || isObject(spec.ipWhiteList)) {
    out.push({ namespace: mw.namespace, name: mw.name, kind: 'ip-allowlist' });
  }
  return out;
}

export const INGRESS_MIDDLEWARES_ANNOTATION = 'traefik.ingress.kubernetes.io/router.middlewares';

/**
 * "ns/name" of every Middleware -> the routers using it: IngressRoute routes (`ns/route`) and plain Ingresses through
 * their annotation (`ingress ns/name`; values `<ns>-<name>@kubernetescrd`, matched against the known Middlewares
 * since names may contain '-'). Other cross-provider refs (`name@file`) are not followed.
 */
export function middlewareReferences(routes: TraefikInventory['ingressRoutes'], ingresses: TraefikInventory['ingresses'] = [], middlewares: ObjectRef[] = []): Map<string, string[]> {
  const refs = new Map<string, string[]>();
  const add = (key: string, user: string) => {
    const users = refs.get(key) ?? [];
    if (!users.includes(user)) refs.set(key, [...users, user]);
  };
  for (const route of routes) {
    for (const r of Array.isArray(route.spec?.routes) ? route.spec.routes : []) {
      for (const m of Array.isArray(r?.middlewares) ? r.middlewares : []) {
        if (typeof m?.name !== 'string' || m.name.includes('@')) continue;
        add(`${typeof m.namespace === 'string' && m.namespace ? m.namespace : route.namespace}/${m.name}`, refKey(route));
      }
    }
  }
  const byCrdName = new Map(middlewares.map((m) => [`${m.namespace}-${m.name}@kubernetescrd`, refKey(m)]));
  for (const ing of ingresses) {
    const value = ing.annotations?.[INGRESS_MIDDLEWARES_ANNOTATION];
    if (typeof value !== 'string') continue;
    for (const ref of value.split(',').map((x) => x.trim())) {
      const key = byCrdName.get(ref);
      if (key) add(key, `ingress ${refKey(ing)}`);
    }
  }
  return refs;
}

/** Kubernetes LabelSelector semantics (matchLabels AND matchExpressions); an empty selector selects everything. */
export function labelSelectorMatches(selector: any, labels: Record<string, string>): boolean {
  if (!isObject(selector)) return true;
  for (const [k, v] of Object.entries(isObject(selector.matchLabels) ? selector.matchLabels : {})) {
    if (labels[k] !== v) return false;
  }
  for (const e of Array.isArray(selector.matchExpressions) ? selector.matchExpressions : []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e?.key);
    const values: string[] = Array.isArray(e?.values) ? e.values : [];
    switch (e?.operator) {
      case 'In': if (!has || !values.includes(labels[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** Policies that isolate the Traefik pods for ingress (their allow rules are unioned by the CNI). */
export function policiesSelectingTraefik(inv: TraefikInventory): TraefikInventory['networkPolicies'] {
  return inv.networkPolicies
    .filter((p) => {
      const types: unknown = p.spec?.policyTypes;
      const ingress = Array.isArray(types) ? types.includes('Ingress') : true;
      return ingress && inv.traefikPodLabels.some((labels) => labelSelectorMatches(p.spec?.podSelector, labels));
    })
    .sort((a, b) => refKey(a).localeCompare(refKey(b)));
}

/** Rules that admit every source (no `from`), which no `except` entry can narrow. */
export function allowAllRules(spec: any): number[] {
  const rules: any[] = Array.isArray(spec?.ingress) ? spec.ingress : [];
  return rules.flatMap((r, i) => (!Array.isArray(r?.from) || r.from.length === 0 ? [i] : []));
}

const byRoutesThenName = (a: { routes: string[] } & ObjectRef, b: { routes: string[] } & ObjectRef) =>
  b.routes.length - a.routes.length || refKey(a).localeCompare(refKey(b));

/** Why a recognised pattern cannot hold a Palisade block (documented in the README as well). */
export const unusableReason: Record<'crowdsec' | 'ip-allowlist', string> = {
  crowdsec:
    'the CrowdSec bouncer plugin takes its decisions from the CrowdSec LAPI (cscli decisions add), not from the ' +
    'Middleware, and it has no static deny list; Palisade does not write LAPI decisions, so it cannot block there',
  'ip-allowlist':
    'an ipAllowList can only allow: blocking an address inside an allowed range would mean removing or splitting ' +
    'operator-owned sourceRange entries (Palisade never edits entries it did not add) or enumerating the complement ' +
    'CIDRs (impractical); an address outside the list is already refused on the routes that use it',
};

/** Deterministic: the first preference with a usable candidate wins; ties break by route count, then ns/name. */
export function chooseTraefikPattern(inv: TraefikInventory, opts: PatternOptions): PatternDecision {
  const explanation: string[] = [];
  const classified = inv.middlewares.flatMap(classifyMiddleware);
  const refs = middlewareReferences(inv.ingressRoutes, inv.ingresses, inv.middlewares);
  const withRoutes = (m: ClassifiedMiddleware) => ({ ...m, routes: refs.get(refKey(m)) ?? [] });

  for (const pattern of opts.preference) {
    if (pattern === 'deny-plugin') {
      const all = classified.filter((m) => m.kind === 'deny-plugin').map(withRoutes);
      if (opts.pinnedMiddleware) {
        const pinned = all.find((m) => refKey(m) === opts.pinnedMiddleware);
        if (!pinned) {
          explanation.push(`deny-plugin: pinned Middleware ${opts.pinnedMiddleware} does not exist or has no plugin deny list (${DENY_LIST_FIELDS.join('/')})`);
          continue;
        }
        explanation.push(`deny-plugin: using pinned Middleware ${refKey(pinned)} (plugin ${pinned.plugin}.${pinned.field}, ` +
          `used by ${pinned.routes.length ? pinned.routes.join(', ') : 'no router found; pinned by configuration'})`);
        return { choice: { pattern, middleware: { namespace: pinned.namespace, name: pinned.name }, plugin: pinned.plugin!, field: pinned.field!, routes: pinned.routes }, explanation };
      }
      const used = all.filter((m) => m.routes.length > 0).sort(byRoutesThenName);
      const unused = all.filter((m) => m.routes.length === 0);
      if (used.length === 0) {
        explanation.push(all.length === 0
          ? 'deny-plugin: no Middleware with a plugin deny list'
          : `deny-plugin: ${unused.map(refKey).join(', ')} has a deny list but no router uses it (a block there would filter nothing): ` +
            `add it to the routes that serve the attacked hosts (IngressRoute spec.routes[].middlewares, or the Ingress annotation ${INGRESS_MIDDLEWARES_ANNOTATION})`);
        continue;
      }
      const m = used[0];
      explanation.push(`deny-plugin: using Middleware ${refKey(m)} (plugin ${m.plugin}.${m.field}), used by ${m.routes.join(', ')}` +
        (used.length > 1 ? `; other candidates ${used.slice(1).map(refKey).join(', ')} are used by fewer routes` : ''));
      return { choice: { pattern, middleware: { namespace: m.namespace, name: m.name }, plugin: m.plugin!, field: m.field!, routes: m.routes }, explanation };
    }
    if (pattern === 'crowdsec' || pattern === 'ip-allowlist') {
      const found = classified.filter((m) => m.kind === pattern).map(withRoutes);
      explanation.push(found.length === 0
        ? `${pattern}: none found`
        : `${pattern}: found ${found.map((m) => refKey(m)).join(', ')}, not usable: ${unusableReason[pattern]}`);
      continue;
    }
    // network-policy
    const selecting = policiesSelectingTraefik(inv);
    if (inv.traefikPodLabels.length === 0) {
      explanation.push('network-policy: no Traefik pod labels to match policies against');
      continue;
    }
    if (selecting.length === 0) {
      explanation.push('network-policy: no NetworkPolicy selects the Traefik pods for ingress (a new one would isolate them; Palisade does not create one)');
      continue;
    }
    const open = selecting.filter((p) => allowAllRules(p.spec).length > 0);
    if (open.length > 0) {
      explanation.push(`network-policy: ${open.map(refKey).join(', ')} admit every source in a rule without "from", which no ipBlock.except can narrow`);
      continue;
    }
    const withIpBlocks = selecting.filter((p) => (p.spec?.ingress ?? []).some((r: any) => (r?.from ?? []).some((f: any) => isObject(f?.ipBlock))));
    if (withIpBlocks.length === 0) {
      explanation.push(`network-policy: ${selecting.map(refKey).join(', ')} select the Traefik pods but admit no external range (nothing to except from)`);
      continue;
    }
    explanation.push(`network-policy: adding ipBlock.except entries to the policies selecting the Traefik pods: ${selecting.map(refKey).join(', ')}`);
    return { choice: { pattern: 'network-policy', policies: selecting.map((p) => ({ namespace: p.namespace, name: p.name })) }, explanation };
  }
  return { explanation };
}
