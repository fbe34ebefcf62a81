// Enforcement activities, registered on the `palisade-enforce` task queue by the enforcement worker.
// They pick the enforcer a block names (dry-run blocks go to the simulator) and classify failures:
// PermanentEnforcementError → non-retryable ApplicationFailure; anything else is retried with backoff.
// Every enforcer call goes through enforcerCall (timed and counted by enforcer and step, once per attempt).
import { ApplicationFailure } from '@temporalio/activity';
import type { BlockEntry, BlockRequest, Direction, EnforcementResult } from '../domain/types';
import { blockGone, blockTook, levelOf, summariseLevels, type BlockVerification, type PreconditionReport } from '../domain/verification';
import { blockVerificationLevels } from '../runtime/metrics';
import { enforcerCall } from './enforcer-call';
import { MemoryEnforcer } from './enforcers/memory';
import type { Enforcer } from './enforcers/types';
import { heartbeating } from './heartbeat';

/** The saga's forward step: the apply result and the verification (present and loaded, with evidence). */
export interface AppliedAndVerified {
  apply: EnforcementResult;
  verify: BlockVerification;
}

/** A lift: the remove result and the removal check of this block's own entry. */
export interface RemovedAndVerified {
  remove: EnforcementResult;
  verifyRemoval: { enforcer: string; removed: boolean; simulated: boolean; detail: string; at: string };
}

const resultOk = (r: EnforcementResult) => r.ok;
const sleepFor = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface EnforcementDeps {
  /** Real enforcers by name ("pfsense", "traefik", "memory", ...). */
  enforcers: Record<string, Enforcer>;
  /** Where dry-run blocks are recorded; one per worker process. */
  simulator?: Enforcer;
}

export function createEnforcementActivities(deps: EnforcementDeps) {
  const simulator = deps.simulator ?? new MemoryEnforcer('simulated', { simulated: true });

  function pick(req: Pick<BlockRequest, 'dryRun' | 'enforcer'>): Enforcer {
    if (req.dryRun) return simulator;
    const name = req.enforcer ?? 'simulated';
    if (name === 'simulated') return simulator;
    const e = deps.enforcers[name];
    if (!e) throw ApplicationFailure.nonRetryable(`no enforcer named "${name}" is configured on this enforcement worker`, 'PermanentEnforcementError');
    return e;
  }

  /** Verification after apply: present and loaded, each with its evidence. Counts the block by level reached. */
  async function verification(e: Enforcer, req: BlockRequest): Promise<BlockVerification> {
    const levels = await enforcerCall(e, 'verify', 'verify', () => e.verify(req), (l) => blockTook(l));
    const level = levelOf(levels);
    if (level !== 'none') blockVerificationLevels.inc({ level: 'present' });
    if (level === 'loaded') blockVerificationLevels.inc({ level: 'loaded' });
    return { enforcer: e.name, simulated: e === simulator, levels, level, present: blockTook(levels), detail: summariseLevels(levels), at: new Date().toISOString() };
  }

  /** The removal check of a lift: this block's entry is gone (from the record where the enforcer keeps one). */
  async function removalCheck(e: Enforcer, req: BlockRequest): Promise<{ removed: boolean; detail: string; enforcer: string }> {
    const r = await enforcerCall(e, 'verify_removal', 'verify removal', async () => {
      if (e.verifyRemoved) return e.verifyRemoved(req);
      // Gone from the configuration and, where observable, from the data plane.
      const v = await e.verify(req);
      return { removed: blockGone(v), detail: summariseLevels(v) };
    }, (x) => x.removed);
    return { ...r, enforcer: e.name };
  }

  return heartbeating({
    async applyBlock(req: BlockRequest): Promise<EnforcementResult> {
      const e = pick(req);
      return enforcerCall(e, 'apply', 'apply', () => e.apply(req), resultOk);
    },
    async verifyBlock(req: BlockRequest): Promise<BlockVerification> {
      return verification(pick(req), req);
    },
    /**
     * The saga's forward step in one activity: apply, wait for the data plane to settle, verify. Both results are
     * returned (and so recorded) separately; a verification that finds nothing is a result, not an error, so the
     * workflow can roll back. Apply is idempotent by block id, so a retry after a lost worker is safe.
     */
    async enforceBlock(req: BlockRequest, settleSeconds: number): Promise<AppliedAndVerified> {
      const e = pick(req);
      const apply = await enforcerCall(e, 'apply', 'apply', () => e.apply(req), resultOk);
      if (settleSeconds > 0) await sleepFor(settleSeconds * 1000);
      try {
        // Verified where apply says it wrote (the ownership record), not wherever the enforcer would look today.
        return { apply, verify: await verification(e, apply.written ? { ...req, written: apply.written } : req) };
      } catch (err) {
        // A verification that could not read the firewall (down, timing out) says nothing about the block: retry the
        // activity (apply is idempotent by block id) within its time budget rather than roll back a block that may
        // have taken. Chaos R3 lost blocks applied just before an outage this way. A permanent error is a verdict.
        if (!(err instanceof ApplicationFailure && err.nonRetryable)) throw err;
        const detail = `verification failed: ${err instanceof Error ? err.message : String(err)}`;
        const unknown = { ok: false, evidence: detail };
        return { apply, verify: { enforcer: e.name, simulated: e === simulator, levels: { present: unknown, loaded: { ok: null, evidence: detail } }, level: 'none', present: false, detail, at: new Date().toISOString() } };
      }
    },
    /** Would a block on this enforcer take effect at all (rules / routers / policies in place)? */
    async checkEnforcerPreconditions(input: { enforcer: string; direction?: Direction; dryRun?: boolean }): Promise<PreconditionReport> {
      const e = pick({ dryRun: Boolean(input.dryRun), enforcer: input.enforcer });
      return enforcerCall(e, 'preconditions', 'precondition check', () => e.checkPreconditions(input.direction));
    },
    /** The saga's compensation: the threat workflow calls this only to roll back a block that did not take. */
    async removeBlock(req: BlockRequest): Promise<EnforcementResult> {
      const e = pick(req);
      return enforcerCall(e, 'rollback', 'remove', () => e.remove(req), resultOk);
    },
    async verifyRemoval(req: BlockRequest): Promise<{ removed: boolean; detail: string; enforcer: string }> {
      return removalCheck(pick(req), req);
    },
    /** Lifting in one activity: remove, then check this block's entry is gone (both results returned separately). */
    async liftBlock(req: BlockRequest): Promise<RemovedAndVerified> {
      const e = pick(req);
      const remove = await enforcerCall(e, 'remove', 'remove', () => e.remove(req), resultOk);
      const check = await removalCheck(e, req);
      return { remove, verifyRemoval: { ...check, simulated: e === simulator, at: new Date().toISOString() } };
    },
    async listBlocks(enforcer: string): Promise<BlockEntry[]> {
      const e = pick({ dryRun: false, enforcer });
      return enforcerCall(e, 'list', 'list', () => e.list());
    },
  });
}

export type EnforcementActivities = ReturnType<typeof createEnforcementActivities>;
