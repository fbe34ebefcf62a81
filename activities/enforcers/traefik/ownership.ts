// Removal, removal checks and listing by ownership, never by rediscovering the pattern: a block is removed from
// the object, field and entry its apply recorded (BlockRequest.written), one occurrence, and only while the object's
// ownership annotation still names the block. Blocks without a record (applied before records existed, or orphans
// found by the reconciler) are located through the ownership annotation of every Middleware and NetworkPolicy, not
// through whatever pattern is preferred today.
import { classifyMiddleware } from '../../../domain/traefik-pattern';
import { describeWritten, occurrences, planRemoval, writtenObjectKey, type WrittenEntry } from '../../../domain/written-entry';
import { PermanentEnforcementError } from '../types';
import { ConflictError, type KubeApi, type KubeTarget } from './k8s';
import { networkPolicyBinding, OWNED_ANNOTATION, ownedEntries, writtenBy } from './patch';

export interface OwnershipScope {
  /** Namespaces whose Middlewares are searched (undefined = all). */
  namespaces?: string[];
  /** The Traefik namespace (NetworkPolicies). */
  namespace: string;
}

/** An owned entry found through the annotations: target, the block that owns it, and where it is. */
export interface OwnedLocation {
  target: string;
  blockId: string;
  written: WrittenEntry[];
}

const KINDS = ['Middleware', 'NetworkPolicy'] as const;
type Kind = (typeof KINDS)[number];

const targetOf = (w: Pick<WrittenEntry, 'kind' | 'namespace' | 'name'>): KubeTarget => {
  if (!(KINDS as readonly string[]).includes(w.kind)) throw new PermanentEnforcementError(`unknown object kind in the block record: ${JSON.stringify(w.kind).slice(0, 40)}`, 'validation');
  return { kind: w.kind as Kind, namespace: w.namespace, name: w.name };
};

function groupByObject(entries: WrittenEntry[]): WrittenEntry[][] {
  const groups = new Map<string, WrittenEntry[]>();
  for (const w of entries) groups.set(writtenObjectKey(w), [...(groups.get(writtenObjectKey(w)) ?? []), w]);
  return [...groups.values()];
}

/** Lists of `obj` holding `host` exactly, for an object found by annotation (no record). */
function listsHolding(kind: Kind, obj: any, host: string): WrittenEntry[] {
  const ref = { namespace: String(obj?.metadata?.namespace ?? ''), name: String(obj?.metadata?.name ?? '') };
  if (kind === 'NetworkPolicy') return writtenBy(networkPolicyBinding({ kind, ...ref }), {}, obj, host);
  return classifyMiddleware({ ...ref, spec: obj?.spec })
    .filter((m) => m.kind === 'deny-plugin')
    .flatMap((m) => {
      const field = `/spec/plugin/${m.plugin!.replace(/~/g, '~0').replace(/\//g, '~1')}/${m.field}`;
      return occurrences(obj, field, host) > 0 ? [{ kind, ...ref, field, entry: host }] : [];
    });
}

/** Every object that may hold a Palisade entry. A kind the cluster does not serve or we may not list holds none. */
async function annotatedObjects(api: KubeApi, scope: OwnershipScope): Promise<Array<{ kind: Kind; obj: any }>> {
  const tolerate = (err: unknown): any[] => {
    if (err instanceof PermanentEnforcementError && (err.reason === 'forbidden' || err.reason === 'not_found')) return [];
    throw err;
  };
  const [middlewares, policies] = await Promise.all([
    api.listTraefik('middlewares', scope.namespaces).catch(tolerate),
    api.listNetworkPolicies(scope.namespace).catch(tolerate),
  ]);
  const has = (o: any) => typeof o?.metadata?.annotations?.[OWNED_ANNOTATION] === 'string';
  return [
    ...middlewares.filter(has).map((obj) => ({ kind: 'Middleware' as const, obj })),
    ...policies.filter(has).map((obj) => ({ kind: 'NetworkPolicy' as const, obj })),
  ];
}

/** Every entry Palisade owns, in any object, with its location. */
export async function ownedLocations(api: KubeApi, scope: OwnershipScope): Promise<OwnedLocation[]> {
  const out: OwnedLocation[] = [];
  for (const { kind, obj } of await annotatedObjects(api, scope)) {
    for (const [target, blockId] of Object.entries(ownedEntries(obj))) {
      const written = listsHolding(kind, obj, target);
      if (written.length > 0) out.push({ target, blockId, written });
    }
  }
  return out;
}

/**
 * The record of a block: the one it carries, else what the annotations say this blockId owns. `otherOwners`: blocks
 * the annotations name for the same host instead (an earlier or later cycle), for the message.
 */
export async function recordOf(api: KubeApi, scope: OwnershipScope, host: string, blockId: string, written: WrittenEntry[] | undefined): Promise<{ record: WrittenEntry[]; otherOwners: string[] }> {
  if (written) return { record: written.filter((w) => w.entry === host), otherOwners: [] };
  const found = (await ownedLocations(api, scope)).filter((o) => o.target === host);
  return {
    record: found.filter((o) => o.blockId === blockId).flatMap((o) => o.written),
    otherOwners: [...new Set(found.filter((o) => o.blockId !== blockId).map((o) => o.blockId))],
  };
}

/**
 * Removes the recorded entries of one block, object by object: one occurrence from each recorded list, in one
 * merge-patch per object with the resourceVersion it was computed from (409: re-read, recompute), together with
 * the block's ownership annotation. Reads each object back and checks the occurrences dropped by one.
 */
export async function removeRecorded(api: KubeApi, record: WrittenEntry[], host: string, blockId: string, maxConflictRetries: number): Promise<string[]> {
  const details: string[] = [];
  for (const group of groupByObject(record)) {
    const target = targetOf(group[0]);
    const label = writtenObjectKey(group[0]);
    details.push(await removeFromObject(api, target, label, group, host, blockId, maxConflictRetries));
  }
  return details;
}

async function removeFromObject(api: KubeApi, target: KubeTarget, label: string, group: WrittenEntry[], host: string, blockId: string, retries: number): Promise<string> {
  for (let attempt = 0; attempt <= retries; attempt++) {
    let obj: any;
    try {
      obj = await api.get(target);
    } catch (err) {
      if (err instanceof PermanentEnforcementError && err.reason === 'not_found') return `${label} no longer exists; nothing to remove`;
      throw err;
    }
    const owned = ownedEntries(obj);
    if (owned[host] !== blockId) {
      return owned[host] ? `${host} in ${label} belongs to ${owned[host]}, not ${blockId}; left untouched` : `no Palisade entry for ${host} in ${label}; left untouched`;
    }
    const plan = planRemoval(obj, group);
    const { [host]: _ours, ...rest } = owned;
    const annotation = Object.keys(rest).length ? JSON.stringify(Object.fromEntries(Object.entries(rest).sort(([a], [b]) => a.localeCompare(b)))) : null;
    const body = { metadata: { resourceVersion: obj?.metadata?.resourceVersion, annotations: { [OWNED_ANNOTATION]: annotation } }, ...(plan.patch ?? {}) };
    try {
      await api.mergePatch(target, body);
    } catch (err) {
      if (err instanceof ConflictError) continue;
      throw err;
    }
    const back = await api.get(target);
    for (const w of plan.removed) {
      if (occurrences(back, w.field, w.entry) !== occurrences(obj, w.field, w.entry) - 1) throw new Error(`${label}: ${describeWritten(w)} still present after removal`);
    }
    const kept = plan.removed.filter((w) => occurrences(back, w.field, w.entry) > 0);
    return [
      plan.removed.length ? `removed ${plan.removed.map((w) => `${w.entry} from ${label} ${w.field}`).join(', ')}` : '',
      plan.missing.length ? `${plan.missing.map(describeWritten).join(', ')} already gone` : '',
      kept.length ? `an identical entry Palisade did not add stays in ${kept.map((w) => w.field).join(', ')}` : '',
    ].filter(Boolean).join('; ');
  }
  throw new Error(`${label}: still conflicting after ${retries + 1} attempts (someone else keeps writing it)`);
}

/** Is each recorded entry still where apply put it, and still ours? (the "present" check for a recorded block) */
export async function recordPresent(api: KubeApi, record: WrittenEntry[], host: string, blockId: string): Promise<{ present: boolean; detail: string }> {
  const missing: string[] = [];
  for (const group of groupByObject(record)) {
    const obj = await api.get(targetOf(group[0])).catch((err: unknown) => {
      if (err instanceof PermanentEnforcementError && err.reason === 'not_found') return undefined;
      throw err;
    });
    const ours = ownedEntries(obj)[host] === blockId;
    for (const w of group) if (!obj || !ours || occurrences(obj, w.field, w.entry) === 0) missing.push(describeWritten(w));
  }
  return missing.length === 0
    ? { present: true, detail: `${host} is in ${groupByObject(record).map((g) => writtenObjectKey(g[0])).join(', ')} as written by ${blockId}` }
    : { present: false, detail: `${host} (${blockId}) is missing: ${missing.join('; ')}` };
}

/** Removal check: no recorded object still records an entry of this block (read from each object). */
export async function recordRemoved(api: KubeApi, record: WrittenEntry[], host: string, blockId: string): Promise<{ removed: boolean; detail: string }> {
  const still: string[] = [];
  const identical: string[] = [];
  for (const group of groupByObject(record)) {
    const obj = await api.get(targetOf(group[0])).catch((err: unknown) => {
      if (err instanceof PermanentEnforcementError && err.reason === 'not_found') return undefined;
      throw err;
    });
    if (!obj) continue;
    const label = writtenObjectKey(group[0]);
    if (ownedEntries(obj)[host] === blockId) still.push(label);
    else if (group.some((w) => occurrences(obj, w.field, w.entry) > 0)) identical.push(label);
  }
  if (still.length) return { removed: false, detail: `${host} (${blockId}) is still recorded in ${still.join(', ')}` };
  const where = groupByObject(record).map((g) => writtenObjectKey(g[0])).join(', ') || 'no object (nothing was written)';
  return { removed: true, detail: `${blockId}'s entry for ${host} is gone from ${where}${identical.length ? `; an identical entry Palisade did not add stays in ${identical.join(', ')}` : ''}` };
}
