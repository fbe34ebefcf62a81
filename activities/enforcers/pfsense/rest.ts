// pfSense REST API package (pfrest) v2 transport. Alias ids are array indexes that shift, so every write re-checks
// the alias name in the response; `append` does not de-duplicate, so membership is checked first; `remove` cannot
// empty an alias, so emptying is a PATCH with `address: []`; `apply` defaults to false, so we POST
// /firewall/apply once per batch and poll until it reports applied.
import { ruleFromRest, type FilterRule } from '../../../domain/pfsense-rules';
import { PermanentEnforcementError } from '../types';
import { httpRequest, type HttpTarget } from './http';
import { planBatch, shorten, entryIp, type AliasEntry, type AliasOp, type AliasTransport, type AliasType, type BatchResult, type VerifyResult } from './model';

export type RestAuth =
  | { kind: 'api-key'; apiKey: () => Promise<string> }
  | { kind: 'basic' | 'jwt'; username: string; password: () => Promise<string> };

export interface RestTransportOptions {
  target: HttpTarget;
  alias: string;
  aliasType: AliasType;
  createAlias: boolean;
  auth: RestAuth;
  /** How often GET /api/v2/firewall/apply is polled while an apply runs. */
  applyPollMs?: number;
}

interface Envelope {
  code: number;
  status: string;
  response_id: string;
  message: string;
  data: unknown;
}

interface RestAlias {
  id: number;
  name: string;
  type?: string;
  address: string[];
  detail: string[];
}

/** A non-SUCCESS envelope. `responseId` is pfrest's stable code; we decide on it, never on `message`. */
export class RestApiError extends Error {
  constructor(readonly status: number, readonly responseId: string, message: string) {
    super(`HTTP ${status} ${responseId}: ${shorten(message, 200)}`);
    this.name = 'RestApiError';
  }
}

/** The alias id moved between our lookup and our write (someone added/removed an alias): look it up again. */
class IdShiftedError extends Error {
  override name = 'IdShiftedError';
}

const ALIAS_DESCR = 'Palisade block list (managed by Palisade)';
const ID_SHIFT_RETRIES = 2;

export class RestTransport implements AliasTransport {
  readonly name = 'rest' as const;
  private jwt: string | undefined;
  private readonly pollMs: number;

  constructor(private readonly o: RestTransportOptions) {
    this.pollMs = o.applyPollMs ?? 250;
  }

  async applyBatch(ops: AliasOp[]): Promise<BatchResult> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.applyOnce(ops);
      } catch (err) {
        if (!(err instanceof IdShiftedError) || attempt >= ID_SHIFT_RETRIES) throw err;
      }
    }
  }

  private async applyOnce(ops: AliasOp[]): Promise<BatchResult> {
    const found = await this.findAlias();
    if (!found) return this.createWith(ops);
    if (found.type !== undefined && found.type !== this.o.aliasType) {
      throw new PermanentEnforcementError(`alias ${this.o.alias} is a ${found.type} alias but aliasType is ${this.o.aliasType}`, 'validation');
    }
    const current = zipEntries(found);
    const plan = planBatch(current, ops);
    if (!plan.changed) return { outcomes: plan.outcomes, entries: current, changed: false, created: false };
    await this.write(found, current, plan.entries);
    try {
      await this.applyAndWait();
    } catch (err) {
      // The edit is in config.xml but not live: put the previous contents back so nothing stays half-applied.
      const reverted = await this.patchChecked({ id: found.id, address: current.map((e) => e.address), detail: current.map((e) => e.detail) })
        .then(() => 'reverted', (e: Error) => `revert failed: ${e.message}`);
      throw wrap(err, `apply failed after the alias edit (${reverted})`);
    }
    return { outcomes: plan.outcomes, entries: plan.entries, changed: true, created: false };
  }

  async read(): Promise<AliasEntry[]> {
    const found = await this.findAlias();
    return found ? zipEntries(found) : [];
  }

  /**
   * present = the entry is in the alias (config.xml); loaded = pf's runtime table has it. The `aliases` subsystem is
   * dirty whenever anyone's alias write is not applied yet (another batch of ours between its PATCH and its apply,
   * or an operator's unapplied GUI edit): that says nothing about this entry, which its own batch applied before
   * apply() returned. Only when the entry is written but not in pf's table yet do we wait (bounded by the request
   * timeout) for the pending apply to finish and look again.
   */
  async verify(ip: string): Promise<VerifyResult> {
    let entry = await this.entryOf(ip);
    if (!entry) return { present: { ok: false, evidence: `${ip} is not in alias ${this.o.alias}` }, loaded: await this.loaded(ip) };
    let loaded = await this.loaded(ip);
    let pending = await this.pendingAliases();
    let waited = '';
    if (!loaded.ok && pending) {
      const started = Date.now();
      pending = await this.waitApplied();
      waited = pending
        ? `; alias changes still pending after ${Date.now() - started} ms`
        : `; waited ${Date.now() - started} ms for a pending apply`;
      entry = await this.entryOf(ip);
      if (!entry) return { present: { ok: false, evidence: `${ip} is no longer in alias ${this.o.alias}${waited}` }, loaded: await this.loaded(ip) };
      loaded = await this.loaded(ip);
    }
    const state = pending ? 'written; alias changes pending apply' : 'applied';
    return { present: { ok: true, evidence: `${entry.address} is in alias ${this.o.alias} (${state}${waited})` }, loaded };
  }

  private async entryOf(ip: string): Promise<AliasEntry | undefined> {
    return (await this.read()).find((e) => entryIp(e.address) === ip);
  }

  /** GET /firewall/apply: are alias changes written but not applied? */
  private async pendingAliases(): Promise<boolean> {
    const status = (await this.call('GET', '/api/v2/firewall/apply')) as { applied?: boolean; pending_subsystems?: string[] };
    return status.applied === false && (status.pending_subsystems ?? []).includes('aliases');
  }

  /** Polls until no alias change is pending, up to the request timeout; true if still pending then. */
  private async waitApplied(): Promise<boolean> {
    const deadline = Date.now() + this.o.target.timeoutMs;
    for (;;) {
      await new Promise((r) => setTimeout(r, this.pollMs));
      if (!(await this.pendingAliases())) return false;
      if (Date.now() > deadline) return true;
    }
  }

  /** pf's runtime table (GET /api/v2/diagnostics/tables: pfctl -sT plus -T show per table). */
  private async loaded(ip: string): Promise<VerifyResult['loaded']> {
    const tables = await this.call('GET', '/api/v2/diagnostics/tables');
    if (!Array.isArray(tables)) throw new Error('GET /api/v2/diagnostics/tables: data is not a list');
    const table = (tables as { id?: unknown; entries?: unknown }[]).find((t) => t?.id === this.o.alias);
    if (!table) return { ok: false, evidence: `pf has no table ${this.o.alias} loaded (diagnostics/tables lists ${tables.length} table(s))` };
    const entries = Array.isArray(table.entries) ? table.entries.map(String) : [];
    const hit = entries.some((e) => entryIp(e.trim()) === ip);
    return { ok: hit, evidence: `${ip} ${hit ? 'is' : 'is not'} in pf table ${this.o.alias} (${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}, diagnostics/tables)` };
  }

  async filterRules(): Promise<FilterRule[]> {
    const data = await this.call('GET', '/api/v2/firewall/rules');
    if (!Array.isArray(data)) throw new Error('GET /api/v2/firewall/rules: data is not a list');
    return data.map(ruleFromRest).filter((r): r is FilterRule => r !== undefined);
  }

  private async createWith(ops: AliasOp[]): Promise<BatchResult> {
    const plan = planBatch([], ops);
    if (!plan.changed) return { outcomes: plan.outcomes, entries: [], changed: false, created: false };
    if (!this.o.createAlias) {
      throw new PermanentEnforcementError(`alias ${this.o.alias} does not exist on the firewall and createAlias is off`, 'not_found');
    }
    const data = (await this.call('POST', '/api/v2/firewall/alias', {
      name: this.o.alias,
      type: this.o.aliasType,
      descr: ALIAS_DESCR,
      address: plan.entries.map((e) => e.address),
      detail: plan.entries.map((e) => e.detail),
    })) as RestAlias;
    if (data?.name !== this.o.alias) throw new Error(`created alias came back as ${JSON.stringify(data?.name)}`);
    await this.applyAndWait();
    return { outcomes: plan.outcomes, entries: plan.entries, changed: true, created: true };
  }

  /** The smallest safe sequence of PATCHes from `current` to `next`. */
  private async write(alias: RestAlias, current: AliasEntry[], next: AliasEntry[]) {
    const curAddrs = new Set(current.map((e) => e.address));
    const nextAddrs = new Set(next.map((e) => e.address));
    const removed = current.filter((e) => !nextAddrs.has(e.address));
    const added = next.filter((e) => !curAddrs.has(e.address));
    const curDetail = new Map(current.map((e) => [e.address, e.detail]));
    const retagged = next.some((e) => curDetail.has(e.address) && curDetail.get(e.address) !== e.detail);
    // array_diff removes every copy of a value: duplicate addresses, or a removed detail text that a kept entry
    // shares, would misalign address and detail.
    const ambiguous = curAddrs.size !== current.length || removed.some((r) => next.some((n) => n.detail === r.detail));
    if (retagged || ambiguous || next.length === 0) {
      // `remove` cannot empty an alias and array_diff on duplicate details would misalign them: replace both arrays.
      // Narrow the id race first: the name must still be at this id right before we overwrite it.
      const byId = (await this.call('GET', `/api/v2/firewall/alias?id=${alias.id}`).catch(idGone)) as RestAlias;
      if (byId?.name !== this.o.alias) throw new IdShiftedError(`alias id ${alias.id} no longer names ${this.o.alias} (ids shifted)`);
      await this.patchChecked({ id: alias.id, address: next.map((e) => e.address), detail: next.map((e) => e.detail) });
      return;
    }
    if (removed.length > 0) {
      await this.patchChecked(
        { id: alias.id, address: removed.map((e) => e.address), detail: removed.map((e) => e.detail), remove: true },
        { id: alias.id, address: removed.map((e) => e.address), detail: removed.map((e) => e.detail), append: true },
      );
    }
    if (added.length > 0) {
      await this.patchChecked(
        { id: alias.id, address: added.map((e) => e.address), detail: added.map((e) => e.detail), append: true },
        { id: alias.id, address: added.map((e) => e.address), detail: added.map((e) => e.detail), remove: true },
      );
    }
  }

  /** PATCH, then check the response still names our alias; if the id pointed elsewhere, undo there and fail. */
  private async patchChecked(body: Record<string, unknown>, undo?: Record<string, unknown>) {
    const data = (await this.call('PATCH', '/api/v2/firewall/alias', body).catch(idGone)) as RestAlias;
    if (data?.name === this.o.alias) return;
    let undone = 'not undoable';
    if (undo) undone = await this.call('PATCH', '/api/v2/firewall/alias', undo).then(() => 'undone', (e: Error) => `undo failed: ${e.message}`);
    const msg = `alias id ${String(body.id)} now names ${JSON.stringify(data?.name)} (ids shifted; ${undone})`;
    // Only a clean undo makes a fresh attempt safe; otherwise stop and let the error be seen.
    throw undone === 'undone' ? new IdShiftedError(msg) : new Error(msg);
  }

  private async applyAndWait() {
    await this.call('POST', '/api/v2/firewall/apply', {});
    const deadline = Date.now() + this.o.target.timeoutMs;
    for (;;) {
      const status = (await this.call('GET', '/api/v2/firewall/apply')) as { applied?: boolean; pending_subsystems?: string[] };
      if (status.applied === true) return;
      if (Date.now() > deadline) throw new Error(`apply still pending (${(status.pending_subsystems ?? []).join(',')}) after ${this.o.target.timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
  }

  private async findAlias(): Promise<RestAlias | undefined> {
    const data = await this.call('GET', `/api/v2/firewall/aliases?name=${encodeURIComponent(this.o.alias)}`);
    if (!Array.isArray(data)) throw new Error('GET /api/v2/firewall/aliases: data is not a list');
    // The filter is the server's; the exact name check is ours.
    return (data as RestAlias[]).find((a) => a && a.name === this.o.alias);
  }

  async call(method: string, path: string, body?: unknown, retriedAuth = false): Promise<unknown> {
    const headers: Record<string, string> = { Accept: 'application/json', ...(await this.authHeaders()) };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await httpRequest(this.o.target, method, path, headers, body === undefined ? undefined : JSON.stringify(body));
    let env: Envelope;
    try {
      env = JSON.parse(res.body) as Envelope;
    } catch {
      throw new Error(`${method} ${path.split('?')[0]}: HTTP ${res.status} with a non-JSON body`);
    }
    if (res.status === 200 && env.response_id === 'SUCCESS') return env.data;
    const err = new RestApiError(res.status, String(env.response_id ?? 'UNKNOWN'), String(env.message ?? ''));
    if (res.status === 401 && this.o.auth.kind === 'jwt' && this.jwt && !retriedAuth) {
      this.jwt = undefined; // expired token: get a fresh one once
      return this.call(method, path, body, true);
    }
    if (res.status === 401) throw new PermanentEnforcementError(`REST ${method} ${path.split('?')[0]}: ${err.message}`, 'auth');
    if (res.status === 403) throw new PermanentEnforcementError(`REST ${method} ${path.split('?')[0]}: ${err.message}`, 'forbidden');
    if ([400, 409, 422].includes(res.status)) throw new PermanentEnforcementError(`REST ${method} ${path.split('?')[0]}: ${err.message}`, 'validation');
    throw err;
  }

  private async authHeaders(): Promise<Record<string, string>> {
    const a = this.o.auth;
    if (a.kind === 'api-key') return { 'X-API-Key': await a.apiKey() };
    const basic = `Basic ${Buffer.from(`${a.username}:${await a.password()}`).toString('base64')}`;
    if (a.kind === 'basic') return { Authorization: basic };
    if (!this.jwt) {
      const res = await httpRequest(this.o.target, 'POST', '/api/v2/auth/jwt', { Authorization: basic, Accept: 'application/json', 'Content-Type': 'application/json' }, '{}');
      let env: Envelope | undefined;
      try {
        env = JSON.parse(res.body) as Envelope;
      } catch {
        env = undefined;
      }
      const token = (env?.data as { token?: unknown } | undefined)?.token;
      if (res.status === 401 || res.status === 403) {
        throw new PermanentEnforcementError(`REST JWT login: HTTP ${res.status} ${env?.response_id ?? ''}`.trim(), res.status === 401 ? 'auth' : 'forbidden');
      }
      if (res.status !== 200 || typeof token !== 'string') throw new Error(`REST JWT login: HTTP ${res.status} ${env?.response_id ?? 'no token'}`);
      this.jwt = token;
    }
    return { Authorization: `Bearer ${this.jwt}` };
  }
}

/** A 404 for the id we just looked up means aliases were deleted in between: look it up again by name. */
function idGone(err: unknown): never {
  if (err instanceof RestApiError && err.responseId === 'MODEL_OBJECT_NOT_FOUND') throw new IdShiftedError(err.message);
  throw err;
}

function zipEntries(a: RestAlias): AliasEntry[] {
  const address = Array.isArray(a.address) ? a.address : [];
  const detail = Array.isArray(a.detail) ? a.detail : [];
  return address.map((addr, i) => ({ address: String(addr), detail: String(detail[i] ?? '') }));
}

function wrap(err: unknown, context: string): Error {
  if (err instanceof PermanentEnforcementError) return new PermanentEnforcementError(`${context}: ${err.message}`, err.reason);
  return new Error(`${context}: ${(err as Error).message}`);
}
