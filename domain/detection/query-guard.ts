// Guardrails for LLM-requested Elasticsearch follow-up searches. The model may ask for read-only searches over the
// configured index and time range only, in an allow-listed subset of the query DSL. Everything else is refused with
// reasons that are recorded in the workflow history. Pure: no client here; the activity runs what this returns.

export interface GuardLimits {
  /** The configured index pattern; the only one a follow-up may search. */
  index: string;
  timeField: string;
  /** ISO timestamps; follow-ups are confined to [from, to]. */
  from: string;
  to: string;
  maxSize: number;
  maxAggs?: number;
  maxDepth?: number;
  maxBytes?: number;
}

export interface GuardedSearch {
  index: string;
  size: number;
  query: Record<string, unknown>;
  aggs?: Record<string, unknown>;
  sort?: unknown[];
  _source?: string[];
  timeout: string;
  track_total_hits: boolean;
}

export type GuardVerdict = { ok: true; search: GuardedSearch } | { ok: false; reasons: string[] };

const TOP_LEVEL = new Set(['index', 'query', 'aggs', 'aggregations', 'size', 'sort', '_source']);
const WRITE_HINT_KEYS = new Set(['endpoint', 'method', 'path', 'api', 'operation', 'op', 'action', 'body', 'doc', 'script', 'conflicts', 'refresh', 'pipeline']);
const LEAF_QUERIES = new Set(['term', 'terms', 'match', 'range', 'exists', 'prefix', 'wildcard']);
const AGG_TYPES = new Set(['terms', 'date_histogram', 'cardinality', 'value_count']);
const FIELD_NAME = /^[A-Za-z0-9_@][A-Za-z0-9_@.\-]{0,199}$/;
const ISO_OR_EPOCH = /^(\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?|\d{10,13})$/;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isScalar = (v: unknown) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';

class Checker {
  reasons: string[] = [];
  aggCount = 0;
  constructor(private readonly limits: GuardLimits & Required<Pick<GuardLimits, 'maxAggs' | 'maxDepth'>>) {}

  fail(msg: string) {
    if (!this.reasons.includes(msg)) this.reasons.push(msg);
  }

  field(name: unknown, where: string): name is string {
    if (typeof name !== 'string' || !FIELD_NAME.test(name)) {
      this.fail(`${where}: field name ${JSON.stringify(name)?.slice(0, 60)} is not allowed (letters, digits, _ @ . - only)`);
      return false;
    }
    return true;
  }

  params(where: string, o: Obj, allowed: string[]) {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.fail(`${where}: parameter "${k}" is not allowed`);
  }

  /** One field → params leaf, e.g. {"prefix": {"url.path": {"value": "/.git"}}} or {"prefix": {"url.path": "/.git"}}. */
  singleField(kind: string, body: unknown): [string, unknown] | undefined {
    if (!isObj(body)) return this.fail(`${kind}: expected an object`), undefined;
    const keys = Object.keys(body).filter((k) => k !== 'boost' && k !== '_name');
    if (keys.length !== 1) return this.fail(`${kind}: exactly one field expected`), undefined;
    if (!this.field(keys[0], kind)) return undefined;
    return [keys[0], body[keys[0]]];
  }

  query(q: unknown, depth: number): void {
    if (depth > this.limits.maxDepth) return this.fail(`query nested deeper than ${this.limits.maxDepth} levels`);
    if (!isObj(q)) return this.fail('query: expected an object');
    const kinds = Object.keys(q);
    if (kinds.length !== 1) return this.fail(`query: exactly one clause per object expected, got ${kinds.join(', ') || 'none'}`);
    const kind = kinds[0];
    const body = q[kind];
    if (kind === 'bool') {
      if (!isObj(body)) return this.fail('bool: expected an object');
      this.params('bool', body, ['must', 'filter', 'should', 'must_not', 'minimum_should_match', 'boost']);
      for (const occ of ['must', 'filter', 'should', 'must_not']) {
        const v = body[occ];
        if (v === undefined) continue;
        for (const sub of Array.isArray(v) ? v : [v]) this.query(sub, depth + 1);
      }
      return;
    }
    if (!LEAF_QUERIES.has(kind)) {
      return this.fail(`query type "${kind}" is not allowed (allowed: bool, ${[...LEAF_QUERIES].join(', ')})`);
    }
    if (kind === 'exists') {
      if (!isObj(body)) return this.fail('exists: expected an object');
      this.params('exists', body, ['field', 'boost']);
      this.field(body.field, 'exists');
      return;
    }
    if (kind === 'terms') {
      if (!isObj(body)) return this.fail('terms: expected an object');
      const fields = Object.keys(body).filter((k) => k !== 'boost' && k !== '_name');
      if (fields.length !== 1) return this.fail('terms: exactly one field expected');
      this.field(fields[0], 'terms');
      const values = body[fields[0]];
      // A terms *lookup* ({"index": ..., "id": ...}) reads another index: only literal arrays are allowed.
      if (!Array.isArray(values) || !values.every(isScalar)) return this.fail('terms: values must be a literal array (terms lookup is not allowed)');
      if (values.length > 1000) this.fail('terms: at most 1000 values');
      return;
    }
    const leaf = this.singleField(kind, body);
    if (!leaf) return;
    const [field, value] = leaf;
    if (kind === 'range') {
      if (!isObj(value)) return this.fail('range: expected an object of bounds');
      this.params('range', value, ['gte', 'gt', 'lte', 'lt', 'format', 'time_zone', 'boost']);
      if (field === this.limits.timeField) this.timeRange(value);
      return;
    }
    const allowed: Record<string, string[]> = {
      term: ['value', 'boost', 'case_insensitive'],
      match: ['query', 'operator', 'boost'],
      prefix: ['value', 'boost', 'case_insensitive'],
      wildcard: ['value', 'boost', 'case_insensitive'],
    };
    if (isObj(value)) {
      this.params(kind, value, allowed[kind]);
      const main = kind === 'match' ? value.query : value.value;
      if (!isScalar(main)) this.fail(`${kind}: value must be a string, number or boolean`);
    } else if (!isScalar(value)) {
      this.fail(`${kind}: value must be a string, number or boolean`);
    }
    if (kind === 'wildcard') {
      const v = String(isObj(value) ? value.value : value);
      if (v.startsWith('*') && v.replace(/\*/g, '').length < 3) this.fail('wildcard: a leading * needs at least 3 literal characters');
    }
  }

  timeRange(bounds: Obj) {
    const from = Date.parse(this.limits.from);
    const to = Date.parse(this.limits.to);
    for (const k of ['gte', 'gt', 'lte', 'lt'] as const) {
      const v = bounds[k];
      if (v === undefined) continue;
      if (typeof v !== 'string' && typeof v !== 'number') return this.fail(`range on ${this.limits.timeField}: ${k} must be a timestamp`);
      const text = String(v);
      if (!ISO_OR_EPOCH.test(text)) return this.fail(`range on ${this.limits.timeField}: ${k} must be an ISO timestamp or epoch millis (date math like ${JSON.stringify(text.slice(0, 30))} is not allowed)`);
      const t = /^\d+$/.test(text) ? Number(text.length <= 10 ? Number(text) * 1000 : text) : Date.parse(text);
      if (Number.isNaN(t) || t < from || t > to) {
        this.fail(`range on ${this.limits.timeField}: ${k}=${text} is outside the allowed time range ${this.limits.from} .. ${this.limits.to}`);
      }
    }
  }

  aggs(aggs: unknown, depth: number): void {
    if (!isObj(aggs)) return this.fail('aggs: expected an object');
    if (depth > 3) return this.fail('aggs nested deeper than 3 levels');
    for (const [name, def] of Object.entries(aggs)) {
      this.aggCount++;
      if (this.aggCount > this.limits.maxAggs) return this.fail(`more than ${this.limits.maxAggs} aggregations`);
      if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) this.fail(`aggregation name ${JSON.stringify(name.slice(0, 40))} is not allowed`);
      if (!isObj(def)) {
        this.fail(`aggregation ${name}: expected an object`);
        continue;
      }
      const types = Object.keys(def).filter((k) => k !== 'aggs' && k !== 'aggregations');
      if (types.length !== 1) {
        this.fail(`aggregation ${name}: exactly one aggregation type expected`);
        continue;
      }
      const type = types[0];
      const body = def[type];
      if (!AGG_TYPES.has(type)) {
        this.fail(`aggregation type "${type}" is not allowed (allowed: ${[...AGG_TYPES].join(', ')})`);
        continue;
      }
      if (!isObj(body)) {
        this.fail(`aggregation ${name}: expected an object`);
        continue;
      }
      const allowed: Record<string, string[]> = {
        terms: ['field', 'size', 'min_doc_count', 'order'],
        date_histogram: ['field', 'fixed_interval', 'calendar_interval', 'min_doc_count', 'format'],
        cardinality: ['field', 'precision_threshold'],
        value_count: ['field'],
      };
      this.params(`aggregation ${name}`, body, allowed[type]);
      this.field(body.field, `aggregation ${name}`);
      if (type === 'terms') {
        if (body.size !== undefined && !(Number.isInteger(body.size) && (body.size as number) >= 1 && (body.size as number) <= this.limits.maxSize)) {
          this.fail(`aggregation ${name}: size must be 1..${this.limits.maxSize}`);
        }
        if (body.order !== undefined) {
          const ok = isObj(body.order) && Object.entries(body.order).every(([k, v]) => (k === '_count' || k === '_key') && (v === 'asc' || v === 'desc'));
          if (!ok) this.fail(`aggregation ${name}: order may only be by _count or _key`);
        }
      }
      if (type === 'date_histogram') {
        const iv = body.fixed_interval ?? body.calendar_interval;
        if (typeof iv !== 'string' || !/^\d*[smhd]$|^(minute|hour|day|week|month)$/.test(iv)) this.fail(`aggregation ${name}: interval must look like 30s, 1m, 1h or a calendar unit`);
      }
      const sub = def.aggs ?? def.aggregations;
      if (sub !== undefined) {
        if (type === 'cardinality' || type === 'value_count') this.fail(`aggregation ${name}: ${type} takes no sub-aggregations`);
        else this.aggs(sub, depth + 1);
      }
    }
  }
}

/** Validates one requested follow-up search and, when acceptable, returns it confined to the index and time range. */
export function guardFollowUpQuery(requested: unknown, limits: GuardLimits): GuardVerdict {
  const c = new Checker({ maxAggs: 10, maxDepth: 6, maxBytes: 8192, ...limits });
  if (!isObj(requested)) return { ok: false, reasons: ['the follow-up must be a JSON object describing one search'] };
  let text = '';
  try {
    text = JSON.stringify(requested);
  } catch {
    return { ok: false, reasons: ['the follow-up is not serialisable JSON'] };
  }
  if (text.length > (limits.maxBytes ?? 8192)) c.fail(`the follow-up is larger than ${limits.maxBytes ?? 8192} bytes`);
  if (/"(script|scripts|script_fields|runtime_mappings|stored_scripts)"\s*:/.test(text)) c.fail('scripts and runtime fields are not allowed');
  for (const k of Object.keys(requested)) {
    if (TOP_LEVEL.has(k)) continue;
    if (WRITE_HINT_KEYS.has(k)) {
      const v = JSON.stringify(requested[k]).slice(0, 60);
      c.fail(`only read-only _search requests are allowed; "${k}": ${v} is refused (no _delete_by_query, _update, _update_by_query, _bulk, index or delete)`);
    } else c.fail(`parameter "${k}" is not allowed (allowed: ${[...TOP_LEVEL].join(', ')})`);
  }
  if (requested.index !== undefined && requested.index !== limits.index) {
    c.fail(`index ${JSON.stringify(String(requested.index).slice(0, 80))} is refused: follow-ups may only search ${limits.index}`);
  }
  let size = 0;
  if (requested.size !== undefined) {
    if (!Number.isInteger(requested.size) || (requested.size as number) < 0 || (requested.size as number) > limits.maxSize) c.fail(`size must be 0..${limits.maxSize}`);
    else size = requested.size as number;
  }
  if (requested.query !== undefined) c.query(requested.query, 0);
  const aggs = requested.aggs ?? requested.aggregations;
  if (requested.aggs !== undefined && requested.aggregations !== undefined) c.fail('give aggs or aggregations, not both');
  if (aggs !== undefined) c.aggs(aggs, 1);
  let sort: unknown[] | undefined;
  if (requested.sort !== undefined) {
    const items = Array.isArray(requested.sort) ? requested.sort : [requested.sort];
    for (const s of items) {
      if (typeof s === 'string') c.field(s, 'sort');
      else if (isObj(s) && Object.keys(s).length === 1) {
        const [f, dir] = Object.entries(s)[0];
        c.field(f, 'sort');
        if (!(dir === 'asc' || dir === 'desc' || (isObj(dir) && Object.keys(dir).every((k) => k === 'order') && (dir.order === 'asc' || dir.order === 'desc')))) c.fail('sort: direction must be asc or desc');
      } else c.fail('sort: expected field names or {field: asc|desc}');
    }
    sort = items;
  }
  let source: string[] | undefined;
  if (requested._source !== undefined) {
    if (!Array.isArray(requested._source) || !requested._source.every((f) => c.field(f, '_source'))) c.fail('_source must be a list of field names');
    else source = requested._source as string[];
  }
  if (c.reasons.length > 0) return { ok: false, reasons: c.reasons };
  const timeFilter = { range: { [limits.timeField]: { gte: limits.from, lte: limits.to, format: 'strict_date_optional_time||epoch_millis' } } };
  const filter: unknown[] = [timeFilter];
  if (requested.query !== undefined) filter.push(requested.query);
  return {
    ok: true,
    search: {
      index: limits.index,
      size,
      query: { bool: { filter } },
      ...(aggs !== undefined ? { aggs: aggs as Record<string, unknown> } : {}),
      ...(sort ? { sort } : {}),
      ...(source ? { _source: source } : {}),
      timeout: '10s',
      track_total_hits: true,
    },
  };
}
