// Where an enforcer wrote a block, down to the list and the entry: the ownership record a block carries from apply
// to remove, so removal touches only what Palisade wrote and never rediscovers (a changed preference, a second
// Middleware, an operator's identical entry must not change what is removed). Pure.
//
// The field is an RFC 6901 JSON Pointer into the object ("/spec/plugin/denyip/ipDenyList",
// "/spec/ingress/0/from/1/ipBlock/except"): unambiguous for any key (plugin names may contain dots or slashes).

/** One entry an enforcer added for one block. */
export interface WrittenEntry {
  /** Object kind, e.g. "Middleware" or "NetworkPolicy". */
  kind: string;
  namespace: string;
  name: string;
  /** JSON Pointer of the list inside the object. */
  field: string;
  /** The entry exactly as written. */
  entry: string;
}

export const writtenObjectKey = (w: Pick<WrittenEntry, 'kind' | 'namespace' | 'name'>) => `${w.kind} ${w.namespace}/${w.name}`;
export const describeWritten = (w: WrittenEntry) => `${w.entry} in ${writtenObjectKey(w)} ${w.field}`;

export type PointerSegment = string | number;

/** RFC 6901 text of a path; numbers are array indexes. */
export function formatPointer(segments: PointerSegment[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Segments of a pointer (array indexes stay strings: whether one is an index depends on the value it points into). */
export function parsePointer(pointer: string): string[] | undefined {
  if (typeof pointer !== 'string' || !pointer.startsWith('/')) return undefined;
  return pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

const isIndex = (s: string) => /^(?:0|[1-9][0-9]{0,5})$/.test(s);

/** The value at `pointer`, or undefined when the path does not exist. */
export function valueAt(obj: unknown, pointer: string): unknown {
  const segs = parsePointer(pointer);
  if (!segs) return undefined;
  let cur: unknown = obj;
  for (const s of segs) {
    if (Array.isArray(cur)) {
      if (!isIndex(s)) return undefined;
      cur = cur[Number(s)];
    } else if (typeof cur === 'object' && cur !== null && Object.prototype.hasOwnProperty.call(cur, s)) {
      cur = (cur as Record<string, unknown>)[s];
    } else return undefined;
  }
  return cur;
}

/** How often `entry` occurs, exactly as written, in the list at `pointer` (0 when there is no list). */
export function occurrences(obj: unknown, pointer: string, entry: string): number {
  const list = valueAt(obj, pointer);
  return Array.isArray(list) ? list.filter((e) => e === entry).length : 0;
}

export interface RemovalPlan {
  /** JSON merge patch (RFC 7386) of the object's fields that change; undefined when nothing changes. */
  patch?: Record<string, unknown>;
  /** The recorded entries that were found and are removed (one occurrence each). */
  removed: WrittenEntry[];
  /** The recorded entries no longer at their place (already gone, or the object was restructured). */
  missing: WrittenEntry[];
}

/**
 * Removes one occurrence of each recorded entry from its recorded list in `obj` (one object). Only that list and
 * only one occurrence: an identical entry an operator added to the same list, or the same address in another list,
 * stays. An `except` list left empty is dropped (Kubernetes treats an absent and an empty list alike). Merge-patch
 * replaces arrays wholesale, so the patch carries the outermost array on each path (the caller sends it with the
 * resourceVersion it read).
 */
export function planRemoval(obj: unknown, entries: WrittenEntry[]): RemovalPlan {
  const copy: unknown = structuredClone(obj ?? {});
  const removed: WrittenEntry[] = [];
  const missing: WrittenEntry[] = [];
  const roots = new Map<string, string[]>();
  for (const w of entries) {
    const segs = parsePointer(w.field);
    const list = segs ? valueAt(copy, w.field) : undefined;
    const at = Array.isArray(list) ? list.indexOf(w.entry) : -1;
    if (!segs || at < 0) {
      missing.push(w);
      continue;
    }
    (list as unknown[]).splice(at, 1);
    if ((list as unknown[]).length === 0 && segs[segs.length - 1] === 'except') {
      delete (valueAt(copy, formatPointer(segs.slice(0, -1))) as Record<string, unknown>).except;
    }
    removed.push(w);
    const root = outermostReplaced(copy, segs);
    roots.set(formatPointer(root), root);
  }
  if (removed.length === 0) return { removed, missing };
  const patch: Record<string, unknown> = {};
  for (const root of roots.values()) {
    let node = patch;
    root.slice(0, -1).forEach((s) => {
      node[s] = (node[s] as Record<string, unknown> | undefined) ?? {};
      node = node[s] as Record<string, unknown>;
    });
    node[root[root.length - 1]] = valueAt(copy, formatPointer(root)) ?? null;
  }
  return { patch, removed, missing };
}

/** The shortest prefix of `segs` whose value is an array (merge-patch cannot address inside one), else all of it. */
function outermostReplaced(obj: unknown, segs: string[]): string[] {
  for (let i = 1; i <= segs.length; i++) {
    if (Array.isArray(valueAt(obj, formatPointer(segs.slice(0, i))))) return segs.slice(0, i);
  }
  return segs;
}
