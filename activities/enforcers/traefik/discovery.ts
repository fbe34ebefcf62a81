// Reads what the cluster uses (Traefik Middlewares and IngressRoutes, NetworkPolicies and pods in the Traefik
// namespace) and hands it to the pure choice in domain/traefik-pattern.ts. Only what the preference needs is listed.
import { chooseTraefikPattern, type PatternDecision, type TraefikInventory, type TraefikPattern } from '../../../domain/traefik-pattern';
import { PermanentEnforcementError } from '../types';
import type { KubeApi } from './k8s';

export interface DiscoveryConfig {
  namespace: string;
  namespaces?: string[];
  preference: TraefikPattern[];
  middleware?: string;
  traefikPodSelector: Record<string, string>;
}

export interface Discovery extends PatternDecision {
  inventory: TraefikInventory;
}

const toRef = (o: any) => ({ namespace: String(o?.metadata?.namespace ?? ''), name: String(o?.metadata?.name ?? ''), spec: o?.spec });

export async function discoverTraefik(api: KubeApi, cfg: DiscoveryConfig): Promise<Discovery> {
  const wantsMiddlewares = cfg.preference.some((p) => p !== 'network-policy');
  const wantsPolicies = cfg.preference.includes('network-policy');
  const forbiddenAsNone = (err: unknown) => {
    if (err instanceof PermanentEnforcementError && err.reason === 'forbidden') return undefined;
    throw err;
  };
  const [middlewares, ingressRoutes, ingresses, networkPolicies, podLabels] = await Promise.all([
    wantsMiddlewares ? api.listTraefik('middlewares', cfg.namespaces) : [],
    wantsMiddlewares ? api.listTraefik('ingressroutes', cfg.namespaces) : [],
    // Plain Ingresses only add references; without RBAC for them, IngressRoutes stand alone.
    wantsMiddlewares ? api.listIngresses(cfg.namespaces).catch((err: unknown) => forbiddenAsNone(err) ?? []) : [],
    wantsPolicies ? api.listNetworkPolicies(cfg.namespace) : [],
    // Pod labels only refine the match; without RBAC for pods, the configured selector stands in for them.
    wantsPolicies ? api.listPodLabels(cfg.namespace, cfg.traefikPodSelector).catch(forbiddenAsNone) : [],
  ]);
  const inventory: TraefikInventory = {
    middlewares: middlewares.map(toRef),
    ingressRoutes: ingressRoutes.map(toRef),
    ingresses: ingresses.map((o: any) => ({ ...toRef(o), annotations: o?.metadata?.annotations ?? {} })),
    networkPolicies: networkPolicies.map(toRef),
    // No pod listed (e.g. scaled to zero): match policies against the configured selector itself.
    traefikPodLabels: podLabels && podLabels.length > 0 ? podLabels : [cfg.traefikPodSelector],
    traefikPodsListed: wantsPolicies && podLabels ? podLabels.length : undefined,
  };
  const pinned = cfg.middleware && (cfg.middleware.includes('/') ? cfg.middleware : `${cfg.namespace}/${cfg.middleware}`);
  return { ...chooseTraefikPattern(inventory, { preference: cfg.preference, pinnedMiddleware: pinned }), inventory };
}
