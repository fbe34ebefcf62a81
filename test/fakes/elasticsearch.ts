// A wire-compatible Elasticsearch fake: a real HTTP server on 127.0.0.1 that stores documents in memory and answers
// `_search` by evaluating the query DSL subset Palisade uses (bool/term/terms/match/range/exists/prefix/wildcard/
// match_all) and aggregations (filter, terms, date_histogram, cardinality, value_count), with the headers the 9.x
// client checks (x-elastic-product). Strings are also reachable as `<field>.keyword`, as with dynamic mapping.
// Every request is recorded so tests can assert what the client sent (and that nothing but searches was sent).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import ipaddr from 'ipaddr.js';

type Doc = Record<string, unknown>;
type Obj = Record<string, any>;

export interface RecordedRequest { method: string; path: string; query: string; body: any }

function getField(doc: unknown, field: string): unknown {
  const f = field.endsWith('.keyword') ? field.slice(0, -'.keyword'.length) : field;
  if (typeof doc !== 'object' || doc === null) return undefined;
  const d = doc as Doc;
  if (f in d) return d[f];
  for (let i = f.indexOf('.'); i >= 0; i = f.indexOf('.', i + 1)) {
    const head = f.slice(0, i);
    if (head in d) {
      const v = getField(d[head], f.slice(i + 1));
      if (v !== undefined) return v;
    }
  }
  return undefined;
}

const values = (doc: Doc, field: string): unknown[] => {
  const v = getField(doc, field);
  return v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
};

const asTime = (v: unknown): number => (typeof v === 'number' ? v : /^\d+$/.test(String(v)) ? Number(v) : Date.parse(String(v)));
const cmp = (a: unknown, b: unknown): number => {
  if (typeof a === 'number' || typeof b === 'number') {
    const x = Number(a), y = Number(b);
    if (!Number.isNaN(x) && !Number.isNaN(y)) return x - y;
  }
  const ta = asTime(a), tb = asTime(b);
  if (!Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
};

const wildcardRe = (pattern: string, ci: boolean) =>
  new RegExp('^' + pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$', ci ? 'i' : '');

/** On an `ip` field, a terms value may be a CIDR ("10.0.0.0/8"); the fake has no mapping, so any IP-looking value counts. */
function inCidr(value: unknown, cidr: unknown): boolean {
  if (typeof value !== 'string' || typeof cidr !== 'string' || !cidr.includes('/') || !ipaddr.isValid(value) || !ipaddr.isValidCIDR(cidr)) return false;
  const a = ipaddr.process(value);
  const [net, bits] = ipaddr.parseCIDR(cidr);
  return a.kind() === net.kind() && a.match(net, bits);
}

function leaf(q: Obj): [string, any] {
  const k = Object.keys(q).find((x) => x !== 'boost' && x !== '_name')!;
  return [k, q[k]];
}

export class UnsupportedQuery extends Error {}

function matches(doc: Doc, q: Obj): boolean {
  const [kind, body] = Object.entries(q)[0] ?? ['match_all', {}];
  switch (kind) {
    case 'match_all': return true;
    case 'bool': {
      const arr = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v : [v]) as Obj[];
      if (!arr(body.must).every((c) => matches(doc, c))) return false;
      if (!arr(body.filter).every((c) => matches(doc, c))) return false;
      if (arr(body.must_not).some((c) => matches(doc, c))) return false;
      const should = arr(body.should);
      const min = body.minimum_should_match ?? (should.length && !body.must && !body.filter ? 1 : 0);
      return should.filter((c) => matches(doc, c)).length >= Number(min);
    }
    case 'term': {
      const [f, v] = leaf(body);
      const want = typeof v === 'object' && v !== null ? v.value : v;
      const ci = typeof v === 'object' && v?.case_insensitive;
      return values(doc, f).some((x) => (ci ? String(x).toLowerCase() === String(want).toLowerCase() : String(x) === String(want)));
    }
    case 'terms': {
      const [f, list] = leaf(body);
      return values(doc, f).some((x) => (list as unknown[]).some((w) => String(w) === String(x) || inCidr(x, w)));
    }
    case 'match': {
      const [f, v] = leaf(body);
      const want = String(typeof v === 'object' && v !== null ? v.query : v).toLowerCase();
      return values(doc, f).some((x) => String(x).toLowerCase() === want || String(x).toLowerCase().split(/[^a-z0-9]+/).includes(want));
    }
    case 'range': {
      const [f, b] = leaf(body);
      return values(doc, f).some((x) => (b.gte === undefined || cmp(x, b.gte) >= 0) && (b.gt === undefined || cmp(x, b.gt) > 0)
        && (b.lte === undefined || cmp(x, b.lte) <= 0) && (b.lt === undefined || cmp(x, b.lt) < 0));
    }
    case 'exists': return values(doc, body.field).length > 0;
    case 'prefix': {
      const [f, v] = leaf(body);
      const want = String(typeof v === 'object' ? v.value : v);
      const ci = typeof v === 'object' && v.case_insensitive;
      return values(doc, f).some((x) => (ci ? String(x).toLowerCase().startsWith(want.toLowerCase()) : String(x).startsWith(want)));
    }
    case 'wildcard': {
      const [f, v] = leaf(body);
      const re = wildcardRe(String(typeof v === 'object' ? v.value : v), Boolean(typeof v === 'object' && v.case_insensitive));
      return values(doc, f).some((x) => re.test(String(x)));
    }
    default: throw new UnsupportedQuery(`unsupported query type ${kind}`);
  }
}

const intervalMs = (iv: string) => {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(iv);
  if (!m) throw new UnsupportedQuery(`unsupported interval ${iv}`);
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms']!;
};

function aggregate(docs: Doc[], aggs: Obj): Obj {
  const out: Obj = {};
  for (const [name, def] of Object.entries(aggs as Obj)) {
    const sub = def.aggs ?? def.aggregations;
    const type = Object.keys(def).find((k) => k !== 'aggs' && k !== 'aggregations')!;
    const body = def[type];
    const withSub = (ds: Doc[], bucket: Obj) => (sub ? { ...bucket, ...aggregate(ds, sub) } : bucket);
    if (type === 'filter') {
      const ds = docs.filter((d) => matches(d, body));
      out[name] = withSub(ds, { doc_count: ds.length });
    } else if (type === 'terms') {
      const groups = new Map<string, { key: unknown; docs: Doc[] }>();
      for (const d of docs) for (const v of new Set(values(d, body.field).map((x) => JSON.stringify(x)))) {
        const g = groups.get(v) ?? { key: JSON.parse(v) as unknown, docs: [] as Doc[] };
        g.docs.push(d);
        groups.set(v, g);
      }
      const min = body.min_doc_count ?? 1;
      const sorted = [...groups.values()].filter((g) => g.docs.length >= min)
        .sort((a, b) => b.docs.length - a.docs.length || (String(a.key) < String(b.key) ? -1 : 1));
      const size = body.size ?? 10;
      const shown = sorted.slice(0, size);
      out[name] = {
        doc_count_error_upper_bound: 0,
        sum_other_doc_count: sorted.slice(size).reduce((n, g) => n + g.docs.length, 0),
        buckets: shown.map((g) => withSub(g.docs, { key: g.key, doc_count: g.docs.length })),
      };
    } else if (type === 'date_histogram') {
      const iv = intervalMs(body.fixed_interval ?? body.interval ?? '1m');
      const groups: Map<number, Doc[]> = new Map();
      for (const d of docs) for (const v of values(d, body.field)) {
        const t = asTime(v);
        if (Number.isNaN(t)) continue;
        const k = Math.floor(t / iv) * iv;
        groups.set(k, [...(groups.get(k) ?? []), d]);
      }
      const min = body.min_doc_count ?? 0;
      out[name] = {
        buckets: [...groups.entries()].sort((a, b) => a[0] - b[0]).filter(([, ds]) => ds.length >= min)
          .map(([k, ds]) => withSub(ds, { key_as_string: new Date(k).toISOString(), key: k, doc_count: ds.length })),
      };
    } else if (type === 'cardinality') {
      out[name] = { value: new Set(docs.flatMap((d) => values(d, body.field).map((x) => JSON.stringify(x)))).size };
    } else if (type === 'value_count') {
      out[name] = { value: docs.reduce((n, d) => n + values(d, body.field).length, 0) };
    } else {
      throw new UnsupportedQuery(`unsupported aggregation type ${type}`);
    }
  }
  return out;
}

export class FakeElasticsearch {
  private readonly indices = new Map<string, Doc[]>();
  readonly requests: RecordedRequest[] = [];
  private server?: http.Server;
  url = '';

  /** Adds documents to an index (as if ingested). */
  index(name: string, docs: Doc[]): void {
    this.indices.set(name, [...(this.indices.get(name) ?? []), ...docs]);
  }

  private docsFor(pattern: string): Doc[] {
    const res = pattern.split(',').map((p) => wildcardRe(p.trim(), false));
    return [...this.indices.entries()].filter(([n]) => res.some((r) => r.test(n))).flatMap(([, d]) => d);
  }

  private search(indexPattern: string, body: Obj): Obj {
    const docs = this.docsFor(indexPattern).filter((d) => matches(d, body.query ?? { match_all: {} }));
    const size = body.size ?? 10;
    return {
      took: 1, timed_out: false, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      hits: { total: { value: docs.length, relation: 'eq' }, max_score: null, hits: docs.slice(0, size).map((d, i) => ({ _index: indexPattern, _id: String(i), _score: null, _source: d })) },
      ...(body.aggs || body.aggregations ? { aggregations: aggregate(docs, body.aggs ?? body.aggregations) } : {}),
    };
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const [path, query = ''] = (req.url ?? '/').split('?');
        let body: any;
        try {
          body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
        } catch {
          body = Buffer.concat(chunks).toString('utf8');
        }
        this.requests.push({ method: req.method ?? '', path, query, body });
        const send = (status: number, payload: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch' });
          res.end(JSON.stringify(payload));
        };
        const m = /^\/([^/]+)\/_search$/.exec(path);
        if (m && (req.method === 'POST' || req.method === 'GET')) {
          try {
            return send(200, this.search(decodeURIComponent(m[1]), body ?? {}));
          } catch (err) {
            const e = err as Error;
            return send(400, { error: { root_cause: [{ type: 'parsing_exception', reason: e.message }], type: 'parsing_exception', reason: e.message }, status: 400 });
          }
        }
        if (path === '/' && req.method === 'GET') return send(200, { name: 'fake', cluster_name: 'fake', version: { number: '9.1.0' }, tagline: 'You Know, for Search' });
        send(405, { error: { type: 'illegal_argument_exception', reason: `fake supports only _search, not ${req.method} ${path}` }, status: 405 });
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}
