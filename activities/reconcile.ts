// Reconciler activities. Two sides, registered on two workers:
//  - main queue (needs the Temporal client): `reconcileDesiredBlocks`, `reconcileConfirmOrphans`
//  - enforcement queue (needs the enforcers): `reconcileListEntries`, `reconcileReapply`, `reconcileRemoveOrphan`
//    (their enforcer calls go through enforcerCall, timed and counted like the enforcement activities')
// One factory builds both; a side whose dependency is missing fails with a clear, non-retryable error.
import { ApplicationFailure } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { ipOfBlockId, type DesiredBlock } from '../domain/reconcile';
import { SA } from '../domain/search-attributes';
import type { ThreatState } from '../domain/threat-state';
import type { BlockEntry, BlockRequest } from '../domain/types';
import { blockTook, summariseLevels } from '../domain/verification';
import { stateQuery, THREAT_WORKFLOW_TYPE, threatWorkflowId } from '../workflows/messages';
import { enforcerCall } from './enforcer-call';
import type { Enforcer } from './enforcers/types';
import { heartbeating } from './heartbeat';

export interface ReconcileDeps {
  client?: Client;
  enforcers?: Record<string, Enforcer>;
}

/** Statuses in which a workflow has (or is putting) its block on the firewall. */
const HOLDING = new Set<ThreatState['status']>(['enforcing', 'verifying', 'blocked']);

const ENFORCER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The visibility query for "every open threat workflow holding a block on this enforcer". */
export function blockedOnEnforcerQuery(enforcer: string): string {
  if (!ENFORCER_NAME.test(enforcer)) throw ApplicationFailure.nonRetryable(`invalid enforcer name ${JSON.stringify(enforcer)}`, 'ValidationError');
  return `WorkflowType = '${THREAT_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND ${SA.status.name} = 'blocked' AND ${SA.enforcer.name} = '${enforcer}'`;
}

const holdsLiveBlock = (s: ThreatState) => s.block !== undefined && !s.block.dryRun && !s.block.liftedAt;

export function createReconcileActivities(deps: ReconcileDeps) {
  const client = () => {
    if (!deps.client) throw ApplicationFailure.nonRetryable('reconcile activity needs a Temporal client on this worker', 'ConfigurationError');
    return deps.client;
  };
  const enforcer = (name: string) => {
    const e = deps.enforcers?.[name];
    if (!e) throw ApplicationFailure.nonRetryable(`no enforcer named "${name}" is configured on this worker`, 'PermanentEnforcementError');
    return e;
  };
  return heartbeating({
    /**
     * Visibility finds candidates (eventually consistent); each one's `state` query confirms it (strongly
     * consistent): still blocked, a real (not dry-run) block, not lifted. Unreadable ones are reported by target so
     * that their entries are never treated as orphans.
     */
    async reconcileDesiredBlocks(input: { enforcer: string }): Promise<{ desired: DesiredBlock[]; unreadable: Array<{ workflowId: string; target?: string }> }> {
      const c = client();
      const desired: DesiredBlock[] = [];
      const unreadable: Array<{ workflowId: string; target?: string }> = [];
      for await (const wf of c.workflow.list({ query: blockedOnEnforcerQuery(input.enforcer) })) {
        const saTarget = wf.typedSearchAttributes.get(SA.target);
        try {
          const s = await c.workflow.getHandle(wf.workflowId, wf.runId).query(stateQuery);
          if (s.status !== 'blocked' || !holdsLiveBlock(s) || s.block!.enforcer !== input.enforcer) continue;
          desired.push({ workflowId: wf.workflowId, ip: s.ip, target: s.block!.target, blockId: s.block!.blockId, direction: s.evidence.direction });
        } catch {
          // No worker answered (or the run just ended): keep its target out of the orphan set, report it.
          unreadable.push({ workflowId: wf.workflowId, target: saTarget });
        }
      }
      return { desired, unreadable };
    },

    /**
     * Of these blocks, the ones whose workflow holds exactly that block right now (state query, strongly
     * consistent). The desired set was read before the enforcer was listed; a block lifted in between must not be
     * put back, and one lifted while it was being put back must come off again.
     */
    async reconcileStillHeld(input: { blocks: DesiredBlock[] }): Promise<{ held: DesiredBlock[]; unreadable: DesiredBlock[] }> {
      const c = client();
      const held: DesiredBlock[] = [];
      const unreadable: DesiredBlock[] = [];
      for (const b of input.blocks) {
        try {
          const s = await c.workflow.getHandle(b.workflowId).query(stateQuery);
          if (s.status === 'blocked' && holdsLiveBlock(s) && s.block!.blockId === b.blockId) held.push(b);
        } catch (err) {
          if ((err as Error).name === 'WorkflowNotFoundError') continue;
          unreadable.push(b);
        }
      }
      return { held, unreadable };
    },

    /**
     * Keeps only the entries whose owning workflow is not holding that block right now. Catches blocks that were
     * applied after the visibility query ran (status still `enforcing`), so a fresh block is never removed.
     */
    async reconcileConfirmOrphans(input: { entries: BlockEntry[] }): Promise<BlockEntry[]> {
      const c = client();
      const confirmed: BlockEntry[] = [];
      for (const entry of input.entries) {
        const ip = ipOfBlockId(entry.blockId);
        if (!entry.ownedByPalisade || !ip) continue;
        const handle = c.workflow.getHandle(threatWorkflowId(ip));
        let running = false;
        try {
          running = (await handle.describe()).status.name === 'RUNNING';
        } catch (err) {
          if ((err as Error).name !== 'WorkflowNotFoundError') throw err;
        }
        if (running) {
          const s = await handle.query(stateQuery);
          if (HOLDING.has(s.status) && s.block?.blockId === entry.blockId && holdsLiveBlock(s)) continue;
        }
        confirmed.push(entry);
      }
      return confirmed;
    },

    async reconcileListEntries(input: { enforcer: string }): Promise<BlockEntry[]> {
      const e = enforcer(input.enforcer);
      return enforcerCall(e, 'list', 'list', () => e.list());
    },

    /** Idempotent re-apply (same blockId), then a read-back. */
    async reconcileReapply(input: { enforcer: string; block: DesiredBlock }): Promise<{ present: boolean; detail: string }> {
      const e = enforcer(input.enforcer);
      const req: BlockRequest = {
        blockId: input.block.blockId, ip: input.block.ip, target: input.block.target, direction: input.block.direction,
        reason: `reconciler: restoring ${input.block.blockId} (${input.block.workflowId})`, dryRun: false, enforcer: input.enforcer,
      };
      const applied = await enforcerCall(e, 'apply', 're-apply', () => e.apply(req), (r) => r.ok);
      const v = await enforcerCall(e, 'verify', 'verify', () => e.verify(req), (l) => blockTook(l));
      return { present: blockTook(v), detail: `${applied.detail}; ${summariseLevels(v)}` };
    },

    /** Removes one entry Palisade owns; the enforcer itself refuses entries under another owner or blockId. */
    async reconcileRemoveOrphan(input: { enforcer: string; entry: BlockEntry }): Promise<{ detail: string }> {
      const e = enforcer(input.enforcer);
      const ip = ipOfBlockId(input.entry.blockId);
      if (!input.entry.ownedByPalisade || !ip) throw ApplicationFailure.nonRetryable(`refusing to remove ${input.entry.target}: not an entry Palisade owns`, 'ValidationError');
      const req: BlockRequest = {
        blockId: input.entry.blockId!, ip, target: input.entry.target, direction: 'inbound',
        reason: 'reconciler: orphan (no workflow holds this block)', dryRun: false, enforcer: input.enforcer,
      };
      const r = await enforcerCall(e, 'remove', 'remove', () => e.remove(req), (x) => x.ok);
      return { detail: r.detail };
    },
  });
}

export type ReconcileActivities = ReturnType<typeof createReconcileActivities>;
