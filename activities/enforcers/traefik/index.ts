// The Traefik-on-Kubernetes enforcer. Every call rediscovers the pattern (cheap list calls) so a changed cluster is
// seen at once; blocks go into a deny-plugin Middleware or into NetworkPolicy ipBlock.except entries.
import type { z } from 'zod';
import type { traefikSchema } from '../../../domain/config/enforcement';
import { hostTarget, isSingleIp, policyAdmits } from '../../../domain/k8s-netpol';
import { policiesSelectingTraefik, refKey, type PatternChoice } from '../../../domain/traefik-pattern';
import type { BlockEntry, BlockRequest, EnforcementResult } from '../../../domain/types';
import { PermanentEnforcementError, type Enforcer } from '../types';
import { discoverTraefik, type Discovery } from './discovery';
import { createKubeApi, loadKubeConfig, type KubeApi } from './k8s';
import { addVerified, denyPluginBinding, networkPolicyBinding, ownedEntries, removeVerified, rollback, type ListBinding } from './patch';

export type TraefikConfig = z.infer<typeof traefikSchema>;

export interface TraefikEnforcerDeps {
  /** Defaults to a client built from `config.kubeconfig` (or in-cluster credentials). */
  api?: KubeApi;
  now?: () => Date;
}

export interface TraefikEnforcer extends Enforcer {
  /** What discovery found and which pattern it picked, with the reasons (for `palisade doctor` and the logs). */
  discover(): Promise<Discovery>;
}

/** Validates before anything is sent: one address, and the target is exactly its /32 or /128. */
function hostOf(req: BlockRequest): string {
  if (typeof req.blockId !== 'string' || !/^\S{1,200}$/.test(req.blockId)) throw new PermanentEnforcementError('blockId must be 1-200 non-space characters', 'validation');
  if (typeof req.ip !== 'string' || !isSingleIp(req.ip)) throw new PermanentEnforcementError(`not a single IP address: ${JSON.stringify(String(req.ip).slice(0, 60))}`, 'validation');
  const host = hostTarget(req.ip)!;
  if (hostTarget(String(req.target)) !== host) throw new PermanentEnforcementError(`target ${JSON.stringify(String(req.target).slice(0, 60))} is not the host CIDR of ${req.ip} (${host})`, 'validation');
  return host;
}

export function createTraefikEnforcer(config: TraefikConfig, deps: TraefikEnforcerDeps = {}): TraefikEnforcer {
  const api = deps.api ?? createKubeApi(loadKubeConfig(config), config.timeoutSeconds * 1000);
  const now = deps.now ?? (() => new Date());
  const retries = config.maxConflictRetries;
  const name = 'traefik';

  const discover = () => discoverTraefik(api, config);
  const choose = async (): Promise<{ choice: PatternChoice; d: Discovery }> => {
    const d = await discover();
    if (!d.choice) {
      throw new PermanentEnforcementError(`Traefik has no native deny list and no usable blocking pattern was found: ${d.explanation.join('; ')}`, 'unsupported');
    }
    return { choice: d.choice, d };
  };
  const bindings = (choice: PatternChoice): ListBinding[] =>
    choice.pattern === 'deny-plugin'
      ? [denyPluginBinding({ kind: 'Middleware', ...choice.middleware }, choice.plugin, choice.field)]
      : choice.policies.map((p) => networkPolicyBinding({ kind: 'NetworkPolicy', ...p }));
  const result = (choice: PatternChoice, ok: boolean, simulated: boolean, detail: string): EnforcementResult =>
    ({ enforcer: name, transport: choice.pattern, ok, simulated, detail, at: now().toISOString() });

  return {
    name,
    discover,

    async apply(req) {
      const host = hostOf(req);
      const { choice } = await choose();
      const targets = bindings(choice);
      if (req.dryRun) return result(choice, true, true, `dry-run: would add ${host} (${req.blockId}) to ${targets.map((b) => b.label).join(', ')}`);
      // NetworkPolicies are unioned: every policy that admits the host gets an except entry. If one fails, the ones
      // already written are rolled back so nothing is left half-applied.
      const done: Array<{ b: ListBinding; before: any; after: any }> = [];
      const details: string[] = [];
      try {
        for (const b of targets) {
          const w = await addVerified(api, b, host, req.blockId, retries);
          details.push(w.detail);
          if (w.changed) done.push({ b, before: w.before, after: w.after });
        }
      } catch (err) {
        // With our own write's resourceVersion: if someone wrote since, the 409 turns this into removing just our entry.
        for (const { b, before, after } of done.reverse()) {
          details.push(await rollback(api, b, before, after?.metadata?.resourceVersion, host, req.blockId, retries));
        }
        if (details.length && err instanceof Error) err.message = `${err.message} [${details.join('; ')}]`;
        throw err;
      }
      return result(choice, true, false, details.join('; '));
    },

    async verify(req) {
      const host = hostOf(req);
      const { choice } = await choose();
      if (choice.pattern === 'deny-plugin') {
        const [b] = bindings(choice);
        const obj = await api.get(b.target);
        const present = b.blocks(obj, host);
        return { present, detail: `${host} ${present ? 'is' : 'is not'} in ${b.label}, used by ${choice.routes.join(', ') || 'a pinned route'}` };
      }
      // Blocked only if no policy selecting the Traefik pods admits the host (fresh reads, not the discovery copy).
      const admitting: string[] = [];
      for (const b of bindings(choice)) {
        const obj = await api.get(b.target);
        if (policyAdmits(obj?.spec, host)) admitting.push(`${b.target.namespace}/${b.target.name}`);
      }
      return admitting.length === 0
        ? { present: true, detail: `no NetworkPolicy selecting the Traefik pods admits ${host}` }
        : { present: false, detail: `${host} is still admitted by ${admitting.join(', ')}` };
    },

    async remove(req) {
      const host = hostOf(req);
      const { choice, d } = await choose();
      // Also look in every policy selecting Traefik (the set may have changed since apply); only our entry goes.
      const targets = choice.pattern === 'network-policy'
        ? policiesSelectingTraefik(d.inventory).map((p) => networkPolicyBinding({ kind: 'NetworkPolicy', namespace: p.namespace, name: p.name }))
        : bindings(choice);
      if (req.dryRun) return result(choice, true, true, `dry-run: would remove ${host} (${req.blockId}) from ${targets.map((b) => b.label).join(', ')}`);
      const details: string[] = [];
      for (const b of targets) details.push((await removeVerified(api, b, host, req.blockId, retries)).detail);
      return result(choice, true, false, details.join('; '));
    },

    async list() {
      const { choice } = await choose();
      const entries = new Map<string, BlockEntry>();
      for (const b of bindings(choice)) {
        const obj = await api.get(b.target);
        const owned = ownedEntries(obj);
        for (const target of b.entries(obj)) {
          const prior = entries.get(target);
          const blockId = owned[target] ?? prior?.blockId;
          entries.set(target, {
            target,
            ownedByPalisade: blockId !== undefined,
            ...(blockId ? { blockId } : {}),
            detail: prior ? `${prior.detail}, ${refKey(b.target)}` : `${choice.pattern} ${refKey(b.target)}`,
          });
        }
      }
      return [...entries.values()];
    },
  };
}
