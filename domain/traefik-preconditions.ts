// Would a Traefik block take effect at all? Pure: from what discovery found (and, when Traefik's API is configured,
// how Traefik itself reports the chosen Middleware). A deny list no router uses filters nothing; a Middleware Traefik
// has not loaded (unknown plugin, provider error) filters nothing either; a NetworkPolicy that selects no Traefik pod
// protects nothing.
import { INGRESS_MIDDLEWARES_ANNOTATION, refKey, type PatternDecision, type TraefikInventory } from './traefik-pattern';
import type { PreconditionCheck } from './verification';

/** GET /api/http/middlewares/<name> as Traefik answers it (the fields read here). */
export interface TraefikApiMiddleware {
  status?: string;
  error?: string[];
  usedBy?: string[];
  [k: string]: unknown;
}

export type TraefikApiLookup = { name: string; found: true; middleware: TraefikApiMiddleware } | { name: string; found: false };

/** Traefik's name for a Middleware CRD: `<namespace>-<name>@kubernetescrd`. */
export const crdMiddlewareName = (ref: { namespace: string; name: string }) => `${ref.namespace}-${ref.name}@kubernetescrd`;

export function traefikPreconditionChecks(d: PatternDecision & { inventory: TraefikInventory }, api?: TraefikApiLookup): PreconditionCheck[] {
  const choice = d.choice;
  if (!choice) return [{ what: 'a usable blocking pattern', ok: false, detail: `no usable blocking pattern: ${d.explanation.join('; ')}` }];
  if (choice.pattern === 'network-policy') {
    const listed = d.inventory.traefikPodsListed;
    const names = choice.policies.map(refKey).join(', ');
    if (listed === 0) {
      return [{ what: 'NetworkPolicies select the Traefik pods', ok: false,
        detail: `no Traefik pod matches the configured traefikPodSelector, so ${names} protect nothing that serves traffic: fix traefik.traefikPodSelector to the Traefik pods' labels` }];
    }
    return [{ what: 'NetworkPolicies select the Traefik pods', ok: true,
      detail: `${names} select ${listed === undefined ? 'the configured Traefik pod labels (pods not listable)' : `${listed} Traefik pod(s)`}` }];
  }
  const mw = refKey(choice.middleware);
  const checks: PreconditionCheck[] = [choice.routes.length > 0
    ? { what: `routers use Middleware ${mw}`, ok: true, detail: `Middleware ${mw} is used by ${choice.routes.join(', ')}` }
    : { what: `routers use Middleware ${mw}`, ok: false,
      detail: `Middleware ${mw} is not referenced by any router, so a block there filters nothing: add it to the routes that serve the attacked hosts ` +
        `(IngressRoute spec.routes[].middlewares: [{name: ${choice.middleware.name}, namespace: ${choice.middleware.namespace}}], or the Ingress annotation ` +
        `${INGRESS_MIDDLEWARES_ANNOTATION}: ${crdMiddlewareName(choice.middleware)})` }];
  if (api) {
    const what = `Traefik has loaded ${api.name}`;
    if (!api.found) checks.push({ what, ok: false, detail: `Traefik's API does not know ${api.name}: the provider has not loaded Middleware ${mw} (CRD provider disabled, namespace not watched, or a configuration error)` });
    else if (api.middleware.status !== 'enabled') {
      checks.push({ what, ok: false, detail: `Traefik reports ${api.name} as ${String(api.middleware.status)}${api.middleware.error?.length ? `: ${api.middleware.error.join('; ').slice(0, 300)}` : ''} (is the plugin declared in the static configuration, experimental.plugins?)` });
    } else if (!api.middleware.usedBy?.length) {
      checks.push({ what, ok: false, detail: `Traefik reports no router using ${api.name} (usedBy is empty): add it to the routers that serve the attacked hosts` });
    } else checks.push({ what, ok: true, detail: `Traefik reports ${api.name} enabled, used by ${api.middleware.usedBy.join(', ')}` });
  }
  return checks;
}
