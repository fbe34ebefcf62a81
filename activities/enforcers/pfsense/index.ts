// The pfSense enforcer: one persistent block alias, reached through REST (pfrest v2), XML-RPC or SSH in the
// configured order. Every apply/remove goes through one batcher per alias, so concurrent approvals become a few
// read-modify-writes and reloads, never one per IP, and never a lost update.
//
// Fallback rule: a transport that fails for any reason (including auth: each transport has its own credentials)
// hands over to the next. If all fail, the error names every transport and its failure; it is a
// PermanentEnforcementError only when every failure was permanent (retrying cannot help), otherwise a plain,
// retryable Error. Invalid targets are rejected before any transport is contacted.
import { promises as fs } from 'node:fs';
import type { z } from 'zod';
import type { pfsenseSchema } from '../../../domain/config/enforcement';
import { aliasRuleChecks } from '../../../domain/pfsense-rules';
import type { BlockEntry, BlockRequest, Direction, EnforcementResult } from '../../../domain/types';
import { preconditionFailure, type PreconditionReport } from '../../../domain/verification';
import { readSecret, requireSecret, SecretError } from '../../../runtime/secrets';
import { PermanentEnforcementError, parseOwnerDetail, type Enforcer } from '../types';
import { AliasBatcher, type BatcherStats } from './alias-batcher';
import { entryIp, makeAddOp, makeRemoveOp, shorten, validateTarget, type AliasOp, type AliasTransport, type OpOutcome, type TransportName } from './model';
import { RestTransport, type RestAuth } from './rest';
import { SshTransport } from './ssh';
import { XmlRpcTransport } from './xmlrpc';
import type { HttpTarget } from './http';

export type PfSenseConfig = z.output<typeof pfsenseSchema>;

export interface PfSenseLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface PfSenseDeps {
  logger?: PfSenseLogger;
  /** Poll interval of GET /api/v2/firewall/apply (default 250 ms). */
  restApplyPollMs?: number;
}

export interface PfSenseEnforcer extends Enforcer {
  readonly batchStats: BatcherStats;
}

const ALIAS_DESCR = 'Palisade block list (managed by Palisade)';

interface OpResult {
  outcome: OpOutcome;
  transport: TransportName;
  batchSize: number;
}

export function createPfSenseEnforcer(config: PfSenseConfig, deps: PfSenseDeps = {}): PfSenseEnforcer {
  const log = deps.logger;
  const timeoutMs = config.timeoutSeconds * 1000;
  let caPem: Promise<string | undefined> | undefined;
  const ca = () => {
    caPem ??= config.caFile
      ? fs.readFile(config.caFile, 'utf8').catch((err: NodeJS.ErrnoException) => {
        caPem = undefined; // read again next time: the file may be fixed without a restart
        throw new PermanentEnforcementError(`cannot read pfsense.caFile ${config.caFile}: ${err.code ?? 'error'}`, 'validation');
      })
      : Promise.resolve(undefined);
    return caPem;
  };
  const httpTarget = async (scheme: 'http' | 'https', port: number): Promise<HttpTarget> => ({
    scheme, host: config.host, port, timeoutMs, verifyTls: config.verifyTls, ca: await ca(),
  });

  const builders: Record<TransportName, () => Promise<AliasTransport>> = {
    rest: async () => {
      const r = config.rest;
      let auth: RestAuth;
      if (r.auth === 'api-key') auth = { kind: 'api-key', apiKey: () => requireSecret(r.apiKey, 'pfsense.rest.apiKey') };
      else {
        if (!r.username) throw new PermanentEnforcementError(`pfsense.rest.username is required for ${r.auth} auth`, 'validation');
        auth = { kind: r.auth, username: r.username, password: () => requireSecret(r.password, 'pfsense.rest.password') };
      }
      return new RestTransport({
        target: await httpTarget(r.scheme, r.port), alias: config.alias, aliasType: config.aliasType,
        createAlias: config.createAlias, auth, applyPollMs: deps.restApplyPollMs,
      });
    },
    xmlrpc: async () => new XmlRpcTransport({
      target: {
        ...(await httpTarget(config.xmlrpc.scheme, config.xmlrpc.port)),
        username: config.xmlrpc.username,
        password: () => requireSecret(config.xmlrpc.password, 'pfsense.xmlrpc.password'),
      },
      alias: config.alias, aliasType: config.aliasType, createAlias: config.createAlias, descr: ALIAS_DESCR,
      pfctlPath: config.ssh.pfctlPath,
    }),
    ssh: async () => new SshTransport({
      host: config.host, port: config.ssh.port, username: config.ssh.username,
      privateKey: () => readSecret(config.ssh.privateKey), password: () => readSecret(config.ssh.password),
      hostKeySha256: config.ssh.hostKeySha256, mode: config.ssh.mode, killStates: config.ssh.killStates,
      alias: config.alias, aliasType: config.aliasType, createAlias: config.createAlias, descr: ALIAS_DESCR,
      timeoutMs, phpPath: config.ssh.phpPath, pfctlPath: config.ssh.pfctlPath,
    }),
  };
  const built = new Map<TransportName, Promise<AliasTransport>>();
  const transport = (name: TransportName) => {
    let t = built.get(name);
    if (!t) {
      t = builders[name]();
      built.set(name, t);
      t.catch(() => built.delete(name)); // a config error is reported per call, and may be fixed by a secret appearing
    }
    return t;
  };

  async function withFallback<T>(what: string, fn: (t: AliasTransport) => Promise<T>): Promise<{ value: T; transport: TransportName }> {
    const failures: string[] = [];
    let allPermanent = true;
    let firstReason: PermanentEnforcementError['reason'] | undefined;
    for (const name of config.transports) {
      try {
        return { value: await fn(await transport(name)), transport: name };
      } catch (err) {
        const permanent = err instanceof PermanentEnforcementError || err instanceof SecretError;
        if (!permanent) allPermanent = false;
        else firstReason ??= err instanceof PermanentEnforcementError ? err.reason : 'auth';
        const message = shorten(err instanceof Error ? err.message : String(err), 300);
        failures.push(`${name}: ${permanent ? '(permanent) ' : ''}${message}`);
        log?.warn({ transport: name, alias: config.alias, permanent, error: message }, `pfSense ${what} via ${name} failed`);
      }
    }
    const msg = `pfSense ${what} on alias ${config.alias} failed on every transport: ${failures.join('; ')}`;
    throw allPermanent ? new PermanentEnforcementError(msg, firstReason ?? 'unsupported') : new Error(msg);
  }

  const batcher = new AliasBatcher<AliasOp, OpResult>(config.batchWindowMs, async (ops) => {
    const { value, transport: used } = await withFallback(`update of ${ops.length} entr${ops.length === 1 ? 'y' : 'ies'}`, (t) => t.applyBatch(ops));
    log?.info({ transport: used, alias: config.alias, ops: ops.length, changed: value.changed, created: value.created }, 'pfSense alias batch written');
    return value.outcomes.map((outcome) => ({ outcome, transport: used, batchSize: ops.length }));
  });

  async function checkPreconditions(direction: Direction = 'inbound'): Promise<PreconditionReport> {
    const { value: rules, transport: used } = await withFallback('filter rule check', (t) => t.filterRules());
    const checks = aliasRuleChecks(rules, config.alias, config.interfaces, direction)
      .map((c) => ({ ...c, detail: `${c.detail} [${rules.length} rule(s) read via ${used}]` }));
    return { enforcer: 'pfsense', ok: checks.every((c) => c.ok), checks };
  }

  // Before every apply. A burst of approvals shares one check; a passing answer is reused for a few seconds.
  const PRECONDITION_TTL_MS = 5_000;
  const passed = new Map<Direction, { at: number; pending?: Promise<PreconditionReport> }>();
  async function requirePreconditions(direction: Direction) {
    const cached = passed.get(direction);
    if (cached && !cached.pending && Date.now() - cached.at < PRECONDITION_TTL_MS) return;
    const pending = cached?.pending ?? checkPreconditions(direction);
    passed.set(direction, { at: cached?.at ?? 0, pending });
    let report: PreconditionReport;
    try {
      report = await pending;
    } catch (err) {
      passed.delete(direction);
      throw err;
    }
    if (!report.ok) {
      passed.delete(direction);
      throw new PermanentEnforcementError(`refused before apply: ${preconditionFailure(report)}`, 'validation');
    }
    passed.set(direction, { at: Date.now() });
  }

  const result = (r: OpResult, ok: boolean, detail: string): EnforcementResult => ({
    enforcer: 'pfsense', transport: r.transport, ok, simulated: false, detail: `${detail} (alias ${config.alias}, batch of ${r.batchSize})`,
    at: new Date().toISOString(),
  });
  const simulated = (req: BlockRequest, what: string): EnforcementResult => ({
    enforcer: 'pfsense', ok: true, simulated: true, detail: `dry run: would ${what} ${req.target} in alias ${config.alias}`, at: new Date().toISOString(),
  });

  const describe: Record<OpOutcome, string> = {
    added: 'added',
    present: 'already present',
    retagged: 'already present; now owned by this block',
    removed: 'removed',
    absent: 'not present; nothing to remove',
    not_owned: 'left in place: the entry was not created by this block',
  };

  return {
    name: 'pfsense',
    get batchStats() {
      return batcher.stats;
    },
    async apply(req) {
      const op = makeAddOp(req, config.aliasType);
      if (req.dryRun) return simulated(req, 'add');
      await requirePreconditions(req.direction === 'outbound' ? 'outbound' : 'inbound');
      const r = await batcher.submit(op);
      return result(r, true, `${describe[r.outcome]}: ${op.kind === 'add' ? op.value : ''}`);
    },
    async remove(req) {
      const op = makeRemoveOp(req, config.aliasType);
      if (req.dryRun) return simulated(req, 'remove');
      const r = await batcher.submit(op);
      return result(r, true, `${describe[r.outcome]}: ${req.target}`);
    },
    async verify(req) {
      const { ip } = validateTarget(req, config.aliasType);
      const { value, transport: used } = await withFallback('verify', (t) => t.verify(ip));
      return {
        present: { ...value.present, evidence: `${value.present.evidence} [via ${used}]` },
        loaded: { ...value.loaded, evidence: `${value.loaded.evidence} [via ${used}]` },
      };
    },
    checkPreconditions,
    async list(): Promise<BlockEntry[]> {
      const { value } = await withFallback('list', (t) => t.read());
      return value.map((e) => {
        const owner = parseOwnerDetail(e.detail);
        const ip = entryIp(e.address);
        const target = ip === undefined ? e.address : `${ip}/${ip.includes(':') ? 128 : 32}`;
        return { target, ownedByPalisade: owner !== undefined, blockId: owner === RUNTIME_OWNER ? undefined : owner, detail: e.detail };
      });
    },
  };
}

/** Owner marker of SSH runtime-mode entries (pf tables carry no per-entry detail). */
const RUNTIME_OWNER = 'runtime';
