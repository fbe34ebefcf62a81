// Enforcement activities, registered on the `palisade-enforce` task queue by the enforcement worker.
// They pick the enforcer a block names (dry-run blocks go to the simulator) and classify failures:
// PermanentEnforcementError → non-retryable ApplicationFailure; anything else is retried with backoff.
import { ApplicationFailure } from '@temporalio/activity';
import type { BlockEntry, BlockRequest, EnforcementResult } from '../domain/types';
import { MemoryEnforcer } from './enforcers/memory';
import { PermanentEnforcementError, type Enforcer } from './enforcers/types';

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

  async function classify<T>(op: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof PermanentEnforcementError) {
        throw ApplicationFailure.nonRetryable(`${op}: ${err.message}`, 'PermanentEnforcementError', { reason: err.reason });
      }
      throw err;
    }
  }

  return {
    async applyBlock(req: BlockRequest): Promise<EnforcementResult> {
      const e = pick(req);
      return classify(`apply on ${e.name}`, () => e.apply(req));
    },
    async verifyBlock(req: BlockRequest): Promise<{ present: boolean; detail: string; enforcer: string }> {
      const e = pick(req);
      const v = await classify(`verify on ${e.name}`, () => e.verify(req));
      return { ...v, enforcer: e.name };
    },
    async removeBlock(req: BlockRequest): Promise<EnforcementResult> {
      const e = pick(req);
      return classify(`remove on ${e.name}`, () => e.remove(req));
    },
    /** The removal check of a lift: this block's entry is gone (from the record where the enforcer keeps one). */
    async verifyRemoval(req: BlockRequest): Promise<{ removed: boolean; detail: string; enforcer: string }> {
      const e = pick(req);
      const r = await classify(`verify removal on ${e.name}`, async () => {
        if (e.verifyRemoved) return e.verifyRemoved(req);
        const v = await e.verify(req);
        return { removed: !v.present, detail: v.detail };
      });
      return { ...r, enforcer: e.name };
    },
    async listBlocks(enforcer: string): Promise<BlockEntry[]> {
      const e = pick({ dryRun: false, enforcer });
      return classify(`list on ${e.name}`, () => e.list());
    },
  };
}

export type EnforcementActivities = ReturnType<typeof createEnforcementActivities>;
