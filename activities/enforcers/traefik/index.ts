// The Traefik-on-Kubernetes enforcer. Apply discovers the pattern (cheap list calls) so a changed cluster is seen at
// once; blocks go into a deny-plugin Middleware or into NetworkPolicy ipBlock.except entries, and apply returns
// exactly where it wrote (BlockRequest.written on the way back). Verify, remove and list work from that record and
// from the ownership annotations (ownership.ts), never from whatever pattern is preferred today.
import type { z } from 'zod';
import { prefixTargetOf } from '../../../domain/case-key';
import type { traefikSchema } from '../../../domain/config/enforcement';
import { hostTarget, isSingleIp, policyAdmits } from '../../../domain/k8s-netpol';
import { refKey, type PatternChoice } from '../../../domain/traefik-pattern';
import { occurrences, type WrittenEntry } from '../../../domain/written-entry';
import type { BlockEntry, BlockRequest, EnforcementResult } from '../../../domain/types';
import { PermanentEnforcementError, type Enforcer } from '../types';
import { crdMiddlewareName, traefikPreconditionChecks, type TraefikApiLookup } from '../../../domain/traefik-preconditions';
import { preconditionFailure, type BlockLevels, type PreconditionReport } from '../../../domain/verification';
import { readSecret } from '../../../runtime/secrets';
import { getTraefikMiddleware, type TraefikApiOptions } from './api';
import { discoverTraefik, type Discovery } from './discovery';
import { createKubeApi, loadKubeConfig, type KubeApi } from './k8s';
import { ownedLocations, recordOf, recordPresent, recordRemoved, removeRecorded, type OwnedLocation } from './ownership';
import { addVerified, denyPluginBinding, networkPolicyBinding, rollback, type ListBinding } from './patch';

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

const NETPOL_NOT_OBSERVABLE = { ok: null, evidence: 'NetworkPolicies are enforced by the CNI, whose data plane is not observable from the API' };

/**
 * Validates before anything is sent: one address, and the target is exactly its /32 or /128, or the IPv6 prefix of
 * a prefix case that contains it (a reviewed widening, see domain/prefix-case.ts). Returns the entry to write.
 */
function hostOf(req: BlockRequest): string {
  if (typeof req.blockId !== 'string' || !/^\S{1,200}$/.test(req.blockId)) throw new PermanentEnforcementError('blockId must be 1-200 non-space characters', 'validation');
  if (typeof req.ip !== 'string' || !isSingleIp(req.ip)) throw new PermanentEnforcementError(`not a single IP address: ${JSON.stringify(String(req.ip).slice(0, 60))}`, 'validation');
  const host = hostTarget(req.ip)!;
  if (hostTarget(String(req.target)) === host) return host;
  const prefix = prefixTargetOf(req.ip, String(req.target));
  if (prefix) return prefix;
  throw new PermanentEnforcementError(`target ${JSON.stringify(String(req.target).slice(0, 60))} is neither the host CIDR of ${req.ip} (${host}) nor an IPv6 case prefix containing it`, 'validation');
}

export function createTraefikEnforcer(config: TraefikConfig, deps: TraefikEnforcerDeps = {}): TraefikEnforcer {
  const api = deps.api ?? createKubeApi(loadKubeConfig(config), config.timeoutSeconds * 1000);
  const now = deps.now ?? (() => new Date());
  const retries = config.maxConflictRetries;
  const name = 'traefik';

  const discover = () => discoverTraefik(api, config);
  const traefikApi: TraefikApiOptions | undefined = config.api && {
    url: config.api.url,
    timeoutMs: config.api.timeoutSeconds * 1000,
    basicAuth: async () => {
      const password = await readSecret(config.api!.password);
      return config.api!.username && password ? { username: config.api!.username, password } : undefined;
    },
  };
  /** How the running Traefik sees the chosen Middleware; undefined without a configured API or for NetworkPolicies. */
  const loadedMiddleware = async (choice: PatternChoice | undefined): Promise<TraefikApiLookup | undefined> =>
    traefikApi && choice?.pattern === 'deny-plugin' ? getTraefikMiddleware(traefikApi, crdMiddlewareName(choice.middleware)) : undefined;
  /** The `loaded` level: the running Traefik's copy of the Middleware (its API answer in place of the spec) holds the entry. */
  const loadedLevel = async (ref: { namespace: string; name: string }, host: string, holds: (obj: { spec: unknown }) => boolean): Promise<BlockLevels['loaded']> => {
    if (!traefikApi) return { ok: null, evidence: 'Traefik API not configured (traefik.api): what Traefik loaded is not observable' };
    const lookup = await getTraefikMiddleware(traefikApi, crdMiddlewareName(ref));
    if (!lookup.found) return { ok: false, evidence: `Traefik's API does not know ${lookup.name}` };
    const inList = holds({ spec: lookup.middleware });
    const m = lookup.middleware;
    return {
      ok: inList && m.status === 'enabled',
      evidence: `Traefik reports ${lookup.name} ${String(m.status)}, ${inList ? 'with' : 'without'} ${host} in its list, used by ${(m.usedBy ?? []).join(', ') || 'no router'}`,
    };
  };
  const preconditions = async (d: Discovery): Promise<PreconditionReport> => {
    const checks = traefikPreconditionChecks(d, await loadedMiddleware(d.choice));
    return { enforcer: name, ok: checks.every((c) => c.ok), checks };
  };
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
  const result = (choice: PatternChoice | undefined, ok: boolean, simulated: boolean, detail: string, written?: WrittenEntry[]): EnforcementResult =>
    ({ enforcer: name, ...(choice ? { transport: choice.pattern } : {}), ok, simulated, detail, at: now().toISOString(), ...(written ? { written } : {}) });
  const scope = { namespace: config.namespace, namespaces: config.namespaces };

  return {
    name,
    discover,

    async apply(req) {
      const host = hostOf(req);
      const { choice, d } = await choose();
      const targets = bindings(choice);
      if (req.dryRun) return result(choice, true, true, `dry-run: would add ${host} (${req.blockId}) to ${targets.map((b) => b.label).join(', ')}`);
      const pre = await preconditions(d);
      if (!pre.ok) throw new PermanentEnforcementError(`refused before apply: ${preconditionFailure(pre)}`, 'validation');
      // NetworkPolicies are unioned: every policy that admits the host gets an except entry. If one fails, the ones
      // already written are rolled back so nothing is left half-applied.
      const done: Array<{ b: ListBinding; before: any; after: any }> = [];
      const details: string[] = [];
      const written: WrittenEntry[] = [];
      try {
        for (const b of targets) {
          const w = await addVerified(api, b, host, req.blockId, retries);
          details.push(w.detail);
          written.push(...w.written);
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
      return result(choice, true, false, details.join('; '), written);
    },

    async verify(req): Promise<BlockLevels> {
      const host = hostOf(req);
      // A recorded block is checked where it was written, whatever the cluster would pick today.
      if (req.written?.length) {
        const p = await recordPresent(api, req.written, host, req.blockId);
        const mw = req.written.find((w) => w.kind === 'Middleware');
        const present = { ok: p.present, evidence: p.detail };
        if (!mw) return { present, loaded: NETPOL_NOT_OBSERVABLE };
        return { present, loaded: await loadedLevel({ namespace: mw.namespace, name: mw.name }, host, (obj) => occurrences(obj, mw.field, mw.entry) > 0) };
      }
      const { choice } = await choose();
      if (choice.pattern === 'deny-plugin') {
        const [b] = bindings(choice);
        const obj = await api.get(b.target);
        const present = b.blocks(obj, host);
        const presentCheck = { ok: present, evidence: `${host} ${present ? 'is' : 'is not'} in ${b.label}, used by ${choice.routes.join(', ') || 'no router'}` };
        return { present: presentCheck, loaded: await loadedLevel(choice.middleware, host, (o) => b.blocks(o, host)) };
      }
      // Blocked only if no policy selecting the Traefik pods admits the host (fresh reads, not the discovery copy).
      const admitting: string[] = [];
      for (const b of bindings(choice)) {
        const obj = await api.get(b.target);
        if (policyAdmits(obj?.spec, host)) admitting.push(`${b.target.namespace}/${b.target.name}`);
      }
      const present = admitting.length === 0
        ? { ok: true, evidence: `no NetworkPolicy selecting the Traefik pods admits ${host}` }
        : { ok: false, evidence: `${host} is still admitted by ${admitting.join(', ')}` };
      return { present, loaded: NETPOL_NOT_OBSERVABLE };
    },

    async checkPreconditions() {
      return preconditions(await discover());
    },

    async remove(req) {
      const host = hostOf(req);
      const { record, otherOwners } = await recordOf(api, scope, host, req.blockId, req.written);
      const where = record.length ? [...new Set(record.map((w) => `${w.kind} ${w.namespace}/${w.name}`))].join(', ') : 'nothing recorded';
      if (req.dryRun) return result(undefined, true, true, `dry-run: would remove ${host} (${req.blockId}) from ${where}`);
      if (record.length === 0) {
        return result(undefined, true, false, otherOwners.length
          ? `${host} belongs to ${otherOwners.join(', ')}, not ${req.blockId}; left untouched`
          : `no Palisade entry for ${host} (${req.blockId}) in any Middleware or NetworkPolicy`);
      }
      return result(undefined, true, false, (await removeRecorded(api, record, host, req.blockId, retries)).join('; '));
    },

    async verifyRemoved(req) {
      const host = hostOf(req);
      return recordRemoved(api, (await recordOf(api, scope, host, req.blockId, req.written)).record, host, req.blockId);
    },

    async list() {
      // Entries of the objects the current pattern uses, in their order (owned ones with their location), then owned
      // entries that live elsewhere (a Middleware no longer preferred, a policy no longer selecting Traefik).
      const owned = new Map<string, OwnedLocation[]>();
      for (const o of await ownedLocations(api, scope)) owned.set(o.target, [...(owned.get(o.target) ?? []), o]);
      const entries = new Map<string, BlockEntry>();
      const add = (target: string, detail: string, o?: OwnedLocation) => {
        const prior = entries.get(target);
        const blockId = o?.blockId ?? prior?.blockId;
        entries.set(target, {
          target, ownedByPalisade: blockId !== undefined, ...(blockId ? { blockId } : {}),
          detail: prior ? `${prior.detail}, ${detail}` : detail,
          ...(o || prior?.written ? { written: [...(prior?.written ?? []), ...(o?.written ?? [])] } : {}),
        });
      };
      const d = await discover();
      const seen = new Set<string>();
      for (const b of d.choice ? bindings(d.choice) : []) {
        const obj = await api.get(b.target);
        for (const target of b.entries(obj)) {
          const here = (owned.get(target) ?? []).find((o) => o.written.some((w) => w.namespace === b.target.namespace && w.name === b.target.name && w.kind === b.target.kind));
          if (here) seen.add(`${here.blockId} ${refKey(b.target)}`);
          add(target, `${d.choice!.pattern} ${refKey(b.target)}`, here);
        }
      }
      for (const [target, locations] of owned) {
        for (const o of locations) {
          const objects = [...new Set(o.written.map((w) => `${w.namespace}/${w.name}`))].filter((ref) => !seen.has(`${o.blockId} ${ref}`));
          if (objects.length) add(target, `${o.written[0].kind === 'Middleware' ? 'deny-plugin' : 'network-policy'} ${objects.join(', ')}`, o);
        }
      }
      return [...entries.values()];
    },
  };
}
