// Wire-compatible fake of the pfSense REST API package (pfrest) v2, for the parts Palisade uses: the response
// envelope {code,status,response_id,message,data}, API key / Basic / JWT auth, the FirewallAlias model (id = array
// index that shifts, unique name, host vs network address rules, append without de-duplication, remove = array_diff
// that cannot empty the alias, detail auto-fill) and the apply flow (writes mark `aliases` dirty; POST
// /firewall/apply runs asynchronously and GET /firewall/apply reports it). `live` is what pf would enforce: the
// aliases as of the last completed apply. Filter rules (`firewall/rules`, the FirewallRule model's fields) reference
// aliases; pf's runtime tables (`diagnostics/tables`) differ from config.xml until an apply reloads the filter, and
// stay stale when the reload fails to load the ruleset (`filterLoadError`), as on a real box.
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import http from 'node:http';
import https from 'node:https';
import express, { type NextFunction, type Request, type Response } from 'express';
import { closeNow, listenOnLoopback } from './loopback-server';

export interface FakeAlias {
  name: string;
  type: 'host' | 'network' | 'port';
  descr: string;
  address: string[];
  detail: string[];
}

/** pfrest v2 FirewallRule, the fields Palisade reads. */
export interface FakeRule {
  type: 'pass' | 'block' | 'reject';
  interface: string[];
  ipprotocol: 'inet' | 'inet6' | 'inet46';
  protocol: string | null;
  source: string;
  destination: string;
  descr: string;
  disabled: boolean;
  floating: boolean;
}

/** The rule an operator adds for the block alias: Block, source <alias>, on WAN. */
export const aliasBlockRule = (alias = 'PALISADE_BLOCK', over: Partial<FakeRule> = {}): FakeRule => ({
  type: 'block', interface: ['wan'], ipprotocol: 'inet46', protocol: null, source: alias, destination: 'any',
  descr: `Palisade: block ${alias}`, disabled: false, floating: false, ...over,
});

export interface FakePfRestOptions {
  /** Filter rules in config.xml order (none by default, as on a fresh box). */
  rules?: FakeRule[];
  apiKey?: string;
  username?: string;
  password?: string;
  /** How many GET /firewall/apply polls report `applied: false` after an async apply starts. */
  applyPolls?: number;
  /** Delay before each request is handled, to mimic a real box's latency (bench). */
  latencyMs?: number;
  /** Serve HTTPS with this key/cert instead of HTTP. */
  tls?: { key: string; cert: string };
}

class ApiError extends Error {
  constructor(readonly code: number, readonly responseId: string, message: string) {
    super(message);
  }
}

const STATUS: Record<number, string> = {
  200: 'ok', 400: 'bad request', 401: 'unauthorized', 403: 'forbidden', 404: 'not found', 405: 'method not allowed',
  409: 'conflict', 415: 'unsupported media type', 422: 'unprocessable content', 500: 'server error', 503: 'service unavailable',
};

const isCidr = (s: string) => {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return false;
  const v = isIP(m[1]);
  return v !== 0 && Number(m[2]) <= (v === 4 ? 32 : 128);
};
const isFqdn = (s: string) => /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,}$/.test(s);

export class FakePfRest {
  /** config.xml order; an alias's id is its index here. */
  aliases: FakeAlias[] = [];
  /** The aliases as of the last completed apply (what the running ruleset holds). */
  live: FakeAlias[] = [];
  rules: FakeRule[];
  /** pf's runtime tables (pfctl -sT / -T show): rebuilt from the aliases by a successful filter reload only. */
  tables = new Map<string, string[]>();
  /** Set: the next reloads fail to load the ruleset (pf keeps the old one; the apply still reports done). */
  filterLoadError: string | undefined;
  /** System notices (a failed ruleset load leaves one, as pfSense's file_notice does). */
  readonly notices: string[] = [];
  dirty = new Set<string>();
  /** POST/PATCH/DELETE on /firewall/alias(es): each is one config.xml write. */
  aliasWrites = 0;
  applyCalls = 0;
  readonly requests: { method: string; path: string; auth: string }[] = [];
  private pendingPolls = 0;
  private applying = false;
  private readonly tokens = new Set<string>();
  private server: http.Server | https.Server | undefined;
  /** One-shot injected failures, keyed "METHOD /path". */
  private readonly failures = new Map<string, { code: number; responseId: string }>();
  private readonly hooks = new Map<string, () => void>();

  constructor(private readonly opts: FakePfRestOptions = {}) {
    this.rules = [...(opts.rules ?? [])];
  }

  failNext(method: string, path: string, code: number, responseId: string) {
    this.failures.set(`${method} ${path}`, { code, responseId });
  }

  /** Expires every issued JWT (the next Bearer request gets 401). */
  revokeTokens() {
    this.tokens.clear();
  }

  /** Runs `fn` once, just before the next "METHOD /path" request is handled (e.g. someone else edits config). */
  beforeNext(method: string, path: string, fn: () => void) {
    this.hooks.set(`${method} ${path}`, fn);
  }

  /** Listens on `port` (default: any free one); start again on the same port after close() to end an outage. */
  async start(port = 0): Promise<number> {
    const app = express();
    app.use(express.json({ type: () => true, limit: '5mb' }));
    if (this.opts.latencyMs) app.use((_req, _res, next) => void setTimeout(next, this.opts.latencyMs));
    app.use((req, _res, next) => {
      const key = `${req.method} ${req.path}`;
      const hook = this.hooks.get(key);
      if (hook) {
        this.hooks.delete(key);
        hook();
      }
      const f = this.failures.get(key);
      if (f) {
        this.failures.delete(key);
        return next(new ApiError(f.code, f.responseId, 'injected failure'));
      }
      next();
    });
    app.post('/api/v2/auth/jwt', (req, res) => {
      if (this.basicUser(req) === undefined) throw new ApiError(401, 'AUTH_AUTHENTICATION_FAILED', 'Authentication failed.');
      const token = randomBytes(24).toString('base64url');
      this.tokens.add(token);
      this.ok(res, { token });
    });
    app.use('/api/v2', (req, _res, next) => {
      const auth = this.authenticate(req);
      this.requests.push({ method: req.method, path: req.path, auth: auth ?? 'none' });
      if (!auth) return next(new ApiError(401, 'AUTH_AUTHENTICATION_FAILED', 'Authentication failed.'));
      next();
    });
    app.get('/api/v2/firewall/aliases', (req, res) => {
      const q = req.query as Record<string, string>;
      const rows = this.aliases.map((a, id) => ({ id, ...a })).filter((a) =>
        Object.entries(q).every(([k, v]) => !(k in a) || String((a as Record<string, unknown>)[k]) === v));
      this.ok(res, rows);
    });
    app.get('/api/v2/firewall/alias', (req, res) => {
      const id = this.idOf(req.query.id);
      this.ok(res, { id, ...this.aliases[id] });
    });
    app.post('/api/v2/firewall/alias', (req, res) => {
      const b = req.body as Record<string, unknown>;
      const name = String(b.name ?? '');
      if (!/^[A-Za-z0-9_]{1,31}$/.test(name)) throw new ApiError(400, 'FIELD_INVALID', 'Field `name` is invalid.');
      if (this.aliases.some((a) => a.name === name)) throw new ApiError(400, 'FIELD_MUST_BE_UNIQUE', 'Field `name` must be unique.');
      const type = String(b.type ?? '');
      if (!['host', 'network', 'port'].includes(type)) throw new ApiError(400, 'FIELD_INVALID_CHOICE', 'Field `type` must be one of host, network, port.');
      const alias: FakeAlias = { name, type: type as FakeAlias['type'], descr: String(b.descr ?? ''), address: [], detail: [] };
      this.setArrays(alias, strings(b.address, 'address') ?? [], strings(b.detail, 'detail') ?? []);
      this.aliases.push(alias);
      this.wrote(b.apply === true);
      this.ok(res, { id: this.aliases.length - 1, ...alias });
    });
    app.patch('/api/v2/firewall/alias', (req, res) => {
      const b = req.body as Record<string, unknown>;
      const id = this.idOf(b.id);
      const alias = this.aliases[id];
      const next = { ...alias, address: [...alias.address], detail: [...alias.detail] };
      if (b.descr !== undefined) next.descr = String(b.descr);
      const fields = { address: strings(b.address, 'address'), detail: strings(b.detail, 'detail') };
      let address = next.address;
      let detail = next.detail;
      for (const [field, submitted] of Object.entries(fields) as ['address' | 'detail', string[] | undefined][]) {
        if (submitted === undefined) continue;
        const current = next[field];
        let updated: string[];
        if (b.append === true) updated = [...current, ...submitted]; // array_merge: no de-duplication
        else if (b.remove === true) {
          // array_diff; an array equal to the current one is treated as "no change", so remove cannot empty it
          updated = sameArray(current, submitted) ? current : current.filter((v) => !submitted.includes(v));
        } else updated = submitted;
        if (field === 'address') address = updated;
        else detail = updated;
      }
      // Details the request did not mention stay as they are, then get auto-filled or trimmed by validation.
      this.setArrays(next, address, detail);
      this.aliases[id] = next;
      this.wrote(b.apply === true);
      this.ok(res, { id, ...next });
    });
    app.delete('/api/v2/firewall/alias', (req, res) => {
      const id = this.idOf(req.query.id);
      const [gone] = this.aliases.splice(id, 1);
      this.wrote(req.query.apply === 'true');
      this.ok(res, { id, ...gone });
    });
    app.get('/api/v2/firewall/rules', (req, res) => {
      const q = req.query as Record<string, string>;
      const rows = this.rules.map((r, id) => ({ id, tracker: 1_700_000_000 + id, ...r })).filter((r) =>
        Object.entries(q).every(([k, v]) => !(k in r) || String((r as Record<string, unknown>)[k]) === v));
      this.ok(res, rows);
    });
    app.get('/api/v2/diagnostics/tables', (_req, res) => {
      this.ok(res, [...this.tables].map(([id, entries]) => ({ id, entries })));
    });
    app.get('/api/v2/diagnostics/table', (req, res) => {
      const id = String(req.query.id ?? '');
      const entries = this.tables.get(id);
      if (!entries) throw new ApiError(404, 'MODEL_OBJECT_NOT_FOUND', `Object with ID \`${id}\` does not exist.`);
      this.ok(res, { id, entries });
    });
    app.get('/api/v2/firewall/apply', (_req, res) => {
      if (this.applying) {
        if (this.pendingPolls > 0) this.pendingPolls -= 1;
        else this.finishApply();
      }
      this.ok(res, { applied: !this.applying && this.dirty.size === 0, pending_subsystems: [...this.dirty] });
    });
    app.post('/api/v2/firewall/apply', (req, res) => {
      this.applyCalls += 1;
      const async = (req.body as Record<string, unknown>)?.async !== false;
      this.startApply();
      if (!async) this.finishApply();
      this.ok(res, { applied: !this.applying && this.dirty.size === 0, pending_subsystems: [...this.dirty] });
    });
    app.use((req, _res, next) => next(new ApiError(404, 'ENDPOINT_NOT_FOUND', `Endpoint ${req.path} not found.`)));
    app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      const e = err instanceof ApiError ? err : new ApiError((err as { status?: number }).status === 400 ? 400 : 500,
        (err as { status?: number }).status === 400 ? 'INVALID_REQUEST_BODY' : 'SERVER_ERROR', 'Request failed.');
      res.status(e.code).json({ code: e.code, status: STATUS[e.code] ?? 'error', response_id: e.responseId, message: e.message, data: [] });
    });
    this.server = this.opts.tls ? https.createServer(this.opts.tls, app) : http.createServer(app);
    return listenOnLoopback(this.server, port);
  }

  async close() {
    const s = this.server;
    this.server = undefined;
    if (s) await closeNow(s);
  }

  private ok(res: Response, data: unknown) {
    res.status(200).json({ code: 200, status: 'ok', response_id: 'SUCCESS', message: '', data });
  }

  private idOf(raw: unknown): number {
    if (raw === undefined || raw === '') throw new ApiError(400, 'FIELD_IS_REQUIRED', 'Field `id` is required.');
    const id = Number(raw);
    if (!Number.isInteger(id) || id < 0 || id >= this.aliases.length) {
      throw new ApiError(404, 'MODEL_OBJECT_NOT_FOUND', `Object with ID \`${String(raw)}\` does not exist.`);
    }
    return id;
  }

  private setArrays(alias: FakeAlias, address: string[], detail: string[]) {
    for (const a of address) {
      const isAliasName = this.aliases.some((x) => x.name === a);
      if (alias.type === 'host' && !(isIP(a) || isFqdn(a) || isAliasName)) {
        throw new ApiError(400, 'INVALID_HOST_ALIAS_ADDRESS', `Host alias address \`${a}\` must be an IP, FQDN or alias.`);
      }
      if (alias.type === 'network' && !(isCidr(a) || isFqdn(a) || isAliasName)) {
        throw new ApiError(400, 'INVALID_NETWORK_ALIAS_ADDRESS', `Network alias address \`${a}\` must be a CIDR, FQDN or alias.`);
      }
    }
    if (detail.length > address.length) throw new ApiError(400, 'TOO_MANY_ALIAS_DETAILS', 'Alias has more details than addresses.');
    const filled = [...detail];
    while (filled.length < address.length) filled.push(`Entry added ${new Date().toUTCString()}`);
    alias.address = address;
    alias.detail = filled;
  }

  private wrote(apply: boolean) {
    this.aliasWrites += 1;
    this.dirty.add('aliases');
    if (apply) {
      this.startApply();
      this.finishApply();
    }
  }

  private startApply() {
    this.applying = true;
    this.pendingPolls = this.opts.applyPolls ?? 2;
  }

  private finishApply() {
    this.applying = false;
    this.dirty.clear();
    if (this.filterLoadError) {
      // filter_configure() wrote the rules file but pfctl refused it: the old ruleset and tables stay loaded.
      this.notices.push(`There were error(s) loading the rules: ${this.filterLoadError}`);
      return;
    }
    this.live = this.aliases.map((a) => ({ ...a, address: [...a.address], detail: [...a.detail] }));
    this.tables = new Map(this.live.filter((a) => a.type !== 'port').map((a) => [a.name, a.address.map((x) => x.replace(/\/(32|128)$/, ''))]));
  }

  private basicUser(req: Request): string | undefined {
    const m = /^Basic (.+)$/.exec(req.header('authorization') ?? '');
    if (!m || this.opts.username === undefined) return undefined;
    const [user, ...rest] = Buffer.from(m[1], 'base64').toString('utf8').split(':');
    return user === this.opts.username && rest.join(':') === this.opts.password ? user : undefined;
  }

  private authenticate(req: Request): string | undefined {
    const key = req.header('x-api-key');
    if (key !== undefined && this.opts.apiKey !== undefined && key === this.opts.apiKey) return 'api-key';
    if (this.basicUser(req)) return 'basic';
    const bearer = /^Bearer (.+)$/.exec(req.header('authorization') ?? '');
    if (bearer && this.tokens.has(bearer[1])) return 'jwt';
    return undefined;
  }
}

function strings(v: unknown, field: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ApiError(400, 'FIELD_INVALID_TYPE', `Field \`${field}\` must be a list of strings.`);
  return v as string[];
}

const sameArray = (a: string[], b: string[]) => a.length === b.length && a.every((v, i) => v === b[i]);
