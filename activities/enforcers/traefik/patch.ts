// Read-modify-write of one block list inside one Kubernetes object (a deny-plugin Middleware's list, or a
// NetworkPolicy's ipBlock.except entries), with ownership recorded in an annotation, optimistic concurrency on
// metadata.resourceVersion (409 -> re-read and retry, bounded), verification by read-back and rollback.
import { addHostExcept, exceptEntries, hostTarget, ipBlockAdmits, policyAdmits, removeHostExcept } from '../../../domain/k8s-netpol';
import { formatPointer, occurrences, type WrittenEntry } from '../../../domain/written-entry';
import { PermanentEnforcementError } from '../types';
import { ConflictError, type KubeApi, type KubeTarget } from './k8s';

/** JSON map target -> blockId of the entries Palisade added to this object. Everything else is foreign. */
export const OWNED_ANNOTATION = 'palisade.dev/owned';

export function ownedEntries(obj: any): Record<string, string> {
  const raw = obj?.metadata?.annotations?.[OWNED_ANNOTATION];
  if (typeof raw !== 'string') return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
    return Object.fromEntries(Object.entries(parsed).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

/** How one kind of object holds a block list. `host` is always a host CIDR ("a.b.c.d/32", "x::/128"). */
export interface ListBinding {
  target: KubeTarget;
  label: string;
  /** Entries as written (host entries normalised to host CIDRs). */
  entries(obj: any): string[];
  /** Merge-patch spec fragment that adds/removes `host`; null when nothing changes; throws when impossible. */
  edit(obj: any, host: string, op: 'add' | 'remove'): any;
  /** Merge-patch spec fragment restoring every field `edit` touches to its value in `obj`. */
  snapshot(obj: any): any;
  /** Is `host` refused by this object right now (an exact entry or a covering range)? */
  blocks(obj: any, host: string): boolean;
  /** JSON Pointers of every block list of this binding in `obj` (where an entry can be written). */
  lists(obj: any): string[];
}

const normalise = (e: unknown) => (typeof e === 'string' ? hostTarget(e) ?? e : String(e));

export function denyPluginBinding(target: KubeTarget, plugin: string, field: string): ListBinding {
  const list = (obj: any): unknown[] => {
    const v = obj?.spec?.plugin?.[plugin]?.[field];
    return Array.isArray(v) ? v : [];
  };
  const fragment = (entries: unknown[]) => ({ plugin: { [plugin]: { [field]: entries } } });
  return {
    target,
    label: `Middleware ${target.namespace}/${target.name} (plugin ${plugin}.${field})`,
    entries: (obj) => list(obj).map(normalise),
    edit(obj, host, op) {
      const current = list(obj);
      const has = current.some((e) => normalise(e) === host);
      if (op === 'add') return has ? null : fragment([...current, host]);
      return has ? fragment(current.filter((e) => normalise(e) !== host)) : null;
    },
    snapshot: (obj) => {
      const cfg = obj?.spec?.plugin?.[plugin];
      // Restore the whole plugin config when it existed (a pruned field takes its siblings with it).
      return { plugin: { [plugin]: cfg === undefined ? null : cfg } };
    },
    blocks: (obj, host) => list(obj).some((e) => {
      const n = normalise(e);
      return n === host || ipBlockAdmits({ cidr: n }, host);
    }),
    lists: () => [formatPointer(['spec', 'plugin', plugin, field])],
  };
}

export function networkPolicyBinding(target: KubeTarget): ListBinding {
  return {
    target,
    label: `NetworkPolicy ${target.namespace}/${target.name}`,
    entries: (obj) => exceptEntries(obj?.spec).map(normalise),
    edit(obj, host, op) {
      if (op === 'remove') {
        const r = removeHostExcept(obj?.spec, host);
        return r.changed ? { ingress: r.ingress } : null;
      }
      const r = addHostExcept(obj?.spec, host);
      if ('error' in r) throw new PermanentEnforcementError(`NetworkPolicy ${target.namespace}/${target.name}: ${r.error}`, 'unsupported');
      return r.changed ? { ingress: r.ingress } : null;
    },
    snapshot: (obj) => ({ ingress: obj?.spec?.ingress ?? null }),
    blocks: (obj, host) => !policyAdmits(obj?.spec, host),
    lists: (obj) => {
      const rules: any[] = Array.isArray(obj?.spec?.ingress) ? obj.spec.ingress : [];
      return rules.flatMap((r, i) => (Array.isArray(r?.from) ? r.from : []).flatMap((p: any, j: number) =>
        (p?.ipBlock ? [formatPointer(['spec', 'ingress', i, 'from', j, 'ipBlock', 'except'])] : [])));
    },
  };
}

export interface WriteOutcome {
  changed: boolean;
  detail: string;
  /** The object as read just before the successful patch, and as the patch response returned it. */
  before?: any;
  after?: any;
  /** add: where our entry is (the lists this write added it to, or where it already was as ours). */
  written: WrittenEntry[];
}

/** The lists of `b` holding our exact entry in `after` that did not hold it (as often) in `before`. */
export function writtenBy(b: ListBinding, before: any, after: any, host: string): WrittenEntry[] {
  return b.lists(after)
    .filter((field) => occurrences(after, field, host) > occurrences(before, field, host))
    .map((field) => ({ kind: b.target.kind, namespace: b.target.namespace, name: b.target.name, field, entry: host }));
}

const ownedPatch = (owned: Record<string, string>) =>
  Object.keys(owned).length === 0 ? null : JSON.stringify(Object.fromEntries(Object.entries(owned).sort(([a], [b]) => a.localeCompare(b))));

/**
 * Adds or removes `host` (as `blockId`) with read-modify-write. Arrays are replaced wholesale by merge-patch, so every
 * write carries the resourceVersion it was computed from; a 409 means someone else wrote in between: re-read and
 * recompute, so their change is kept. Never adds ownership of, or removes, an entry Palisade did not add.
 */
export async function writeOwned(api: KubeApi, b: ListBinding, host: string, blockId: string, op: 'add' | 'remove', maxConflictRetries: number): Promise<WriteOutcome> {
  for (let attempt = 0; attempt <= maxConflictRetries; attempt++) {
    const obj = await api.get(b.target);
    const owned = ownedEntries(obj);
    let spec: any;
    const nextOwned = { ...owned };
    if (op === 'add') {
      const present = b.entries(obj).includes(host);
      // Ours already (a retried apply, or a later cycle taking over): where it is, so removal finds exactly that.
      const ours = present && owned[host] !== undefined ? writtenBy(b, {}, obj, host) : [];
      if (present && owned[host] === blockId) return { changed: false, detail: `${host} already in ${b.label} (ours, ${blockId})`, written: ours };
      if (present && owned[host] === undefined) return { changed: false, detail: `${host} already in ${b.label} as an entry Palisade did not add; left untouched`, written: [] };
      spec = present ? null : b.edit(obj, host, 'add');
      if (spec === null && !present) return { changed: false, detail: `${b.label} does not admit ${host}; nothing to add`, written: [] };
      nextOwned[host] = blockId;
    } else {
      if (owned[host] !== blockId) {
        return { changed: false, detail: owned[host] ? `${host} in ${b.label} belongs to ${owned[host]}, not ${blockId}; left untouched` : `no Palisade entry for ${host} in ${b.label}`, written: [] };
      }
      spec = b.edit(obj, host, 'remove');
      delete nextOwned[host];
    }
    const body = {
      metadata: { resourceVersion: obj?.metadata?.resourceVersion, annotations: { [OWNED_ANNOTATION]: ownedPatch(nextOwned) } },
      ...(spec ? { spec } : {}),
    };
    try {
      const after = await api.mergePatch(b.target, body);
      const detail = op === 'remove' ? `removed ${host} from ${b.label}`
        : spec ? `added ${host} to ${b.label}` : `${host} in ${b.label} now recorded as ${blockId} (was ${owned[host]})`;
      const written = op === 'remove' ? [] : spec ? writtenBy(b, obj, { ...obj, spec: { ...obj?.spec, ...spec } }, host) : writtenBy(b, {}, obj, host);
      return { changed: true, detail, before: obj, after, written };
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  throw new Error(`${b.label}: still conflicting after ${maxConflictRetries + 1} attempts (someone else keeps writing it)`);
}

/**
 * Puts back what `edit` changed, as it was in `before`. If the object moved on meanwhile (409), restoring the old
 * spec would discard someone else's change, so fall back to removing just our entry.
 */
export async function rollback(api: KubeApi, b: ListBinding, before: any, resourceVersion: string | undefined, host: string, blockId: string, maxConflictRetries: number): Promise<string> {
  const previousOwned = before?.metadata?.annotations?.[OWNED_ANNOTATION] ?? null;
  try {
    await api.mergePatch(b.target, {
      metadata: { resourceVersion, annotations: { [OWNED_ANNOTATION]: previousOwned } },
      spec: b.snapshot(before),
    });
    return `rolled back ${b.label} to the previous spec`;
  } catch (err) {
    if (!(err instanceof ConflictError)) throw err;
    const r = await writeOwned(api, b, host, blockId, 'remove', maxConflictRetries);
    return `${b.label} changed meanwhile; ${r.detail}`;
  }
}

/** Add + read back + roll back when the entry did not stick. Returns a detail line; throws after rolling back. */
export async function addVerified(api: KubeApi, b: ListBinding, host: string, blockId: string, maxConflictRetries: number): Promise<WriteOutcome> {
  const w = await writeOwned(api, b, host, blockId, 'add', maxConflictRetries);
  if (!w.changed) return w;
  let back: any;
  try {
    back = await api.get(b.target);
  } catch (err) {
    const rb = await rollback(api, b, w.before, w.after?.metadata?.resourceVersion, host, blockId, maxConflictRetries);
    throw new Error(`${b.label}: read-back after patch failed (${(err as Error).message}); ${rb}`);
  }
  if (!b.entries(back).includes(host) || ownedEntries(back)[host] !== blockId) {
    const rb = await rollback(api, b, w.before, back?.metadata?.resourceVersion, host, blockId, maxConflictRetries);
    throw new PermanentEnforcementError(
      `${b.label}: the API server accepted the patch but ${host} is not in the stored object (CRD schema pruning or an admission webhook?); ${rb}`,
      'unsupported');
  }
  return w;
}

/** Remove + read back. */
export async function removeVerified(api: KubeApi, b: ListBinding, host: string, blockId: string, maxConflictRetries: number): Promise<WriteOutcome> {
  const w = await writeOwned(api, b, host, blockId, 'remove', maxConflictRetries);
  if (!w.changed) return w;
  const back = await api.get(b.target);
  if (b.entries(back).includes(host)) throw new Error(`${b.label}: ${host} still present after removal`);
  return w;
}
