// An enforcer that keeps its block set in memory. Two uses:
//  - `simulated`: dry-run. It records what it would do against the configured enforcer and answers verify from
//    that record, so the whole flow runs and is recorded without touching a firewall.
//  - tests and benchmarks: a real, inspectable block set with fault injection.
import type { BlockEntry, BlockRequest, EnforcementResult } from '../../domain/types';
import { preconditionFailure, type BlockLevels, type PreconditionReport } from '../../domain/verification';
import { PermanentEnforcementError, type Enforcer } from './types';

export interface MemoryEnforcerFaults {
  /** Throw a transient error on the next N apply calls. */
  failApply?: number;
  /** Throw a permanent error on apply. */
  permanentApplyError?: string;
  /** verify() reports the entry absent even when present (a block that did not take). */
  verifyAlwaysAbsent?: boolean;
  /** verify() reports the entry present in the configuration but missing from the data plane. */
  notLoaded?: boolean;
  /** checkPreconditions() fails with this detail (e.g. no rule references the block list). */
  precondition?: string;
}

export class MemoryEnforcer implements Enforcer {
  readonly entries = new Map<string, { blockId: string; owned: boolean; detail: string }>();
  readonly calls: { op: 'apply' | 'verify' | 'remove' | 'list'; blockId?: string; target?: string }[] = [];
  faults: MemoryEnforcerFaults = {};

  constructor(readonly name = 'memory', private readonly opts: { simulated?: boolean; simulatedTarget?: string } = {}) {}

  private result(ok: boolean, detail: string): EnforcementResult {
    return { enforcer: this.name, ok, simulated: Boolean(this.opts.simulated), detail, at: new Date().toISOString() };
  }

  async apply(req: BlockRequest): Promise<EnforcementResult> {
    this.calls.push({ op: 'apply', blockId: req.blockId, target: req.target });
    if (this.faults.permanentApplyError) throw new PermanentEnforcementError(this.faults.permanentApplyError, 'auth');
    const pre = await this.checkPreconditions();
    if (!pre.ok) throw new PermanentEnforcementError(preconditionFailure(pre), 'validation');
    if (this.faults.failApply && this.faults.failApply > 0) {
      this.faults.failApply -= 1;
      throw new Error(`${this.name}: firewall unreachable (injected)`);
    }
    const existed = this.entries.has(req.target);
    this.entries.set(req.target, { blockId: req.blockId, owned: true, detail: req.reason.slice(0, 200) });
    const verb = this.opts.simulated ? `would add ${req.target} to ${this.opts.simulatedTarget ?? 'the block list'}` : `added ${req.target}`;
    return this.result(true, existed ? `${req.target} already present` : verb);
  }

  async verify(req: BlockRequest): Promise<BlockLevels> {
    this.calls.push({ op: 'verify', blockId: req.blockId, target: req.target });
    const present = this.entries.has(req.target) && !this.faults.verifyAlwaysAbsent;
    const evidence = present ? `${req.target} is in the block set` : `${req.target} is not in the block set`;
    if (this.opts.simulated) {
      // A dry run touches no firewall: only the simulator's own record can be read back.
      return { present: { ok: present, evidence: `${evidence} (simulated)` }, loaded: { ok: null, evidence: 'dry run: nothing was verified against a real data plane' } };
    }
    const loaded = present && !this.faults.notLoaded;
    return { present: { ok: present, evidence }, loaded: { ok: loaded, evidence: loaded ? `${req.target} is in the running set` : `${req.target} is not in the running set` } };
  }

  async checkPreconditions(): Promise<PreconditionReport> {
    const problem = this.faults.precondition;
    return {
      enforcer: this.name, ok: !problem,
      checks: [{ what: 'block set in use', ok: !problem, detail: problem ?? (this.opts.simulated ? 'dry run: no data plane to check' : 'the in-memory block set is always in use') }],
    };
  }

  async remove(req: BlockRequest): Promise<EnforcementResult> {
    this.calls.push({ op: 'remove', blockId: req.blockId, target: req.target });
    const had = this.entries.delete(req.target);
    const verb = this.opts.simulated ? `would remove ${req.target}` : `removed ${req.target}`;
    return this.result(true, had ? verb : `${req.target} was not present`);
  }

  async list(): Promise<BlockEntry[]> {
    this.calls.push({ op: 'list' });
    return [...this.entries].map(([target, e]) => ({ target, blockId: e.blockId, ownedByPalisade: e.owned, detail: e.detail }));
  }

  /** Tests: an entry Palisade did not create. */
  addForeign(target: string, detail = 'added by hand') {
    this.entries.set(target, { blockId: '', owned: false, detail });
  }

  /** Tests: the firewall was flushed. */
  wipe() {
    this.entries.clear();
  }
}
