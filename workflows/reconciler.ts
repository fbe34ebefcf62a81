// The reconciler: run by a Temporal Schedule (id RECONCILER_SCHEDULE_ID, every `enforcement.reconcile.intervalMinutes`).
// Per enforcer: the desired set (threat workflows holding a block), what the enforcer lists, the pure diff, then
// bounded repairs. Every read and repair is an activity, so the history shows exactly what was found and done.
import { ActivityFailure, ApplicationFailure, patched, proxyActivities } from '@temporalio/workflow';
import type { ReconcileActivities } from '../activities/reconcile';
import {
  diffBlocks, planRepairs, targetKey, totals,
  type DesiredBlock, type EnforcerReconcileReport, type ReconcileReport, type ReconcilerInput,
} from '../domain/reconcile';
import type { BlockEntry } from '../domain/types';
import { ACTIVITY_OPTIONS } from './retry-policies';

export { RECONCILER_SCHEDULE_ID, RECONCILER_WORKFLOW_ID } from '../domain/reconcile';

const visibility = proxyActivities<Pick<ReconcileActivities, 'reconcileDesiredBlocks' | 'reconcileConfirmOrphans' | 'reconcileStillHeld'>>(ACTIVITY_OPTIONS.reconcile);

/** Re-applies are confirmed against each block's workflow just before and just after (runs recorded earlier lack it). */
const CONFIRM_REAPPLY_PATCH = 'reconcile-confirm-reapply';

const errorText = (err: unknown): string => {
  const e = err instanceof ActivityFailure && err.cause ? err.cause : err;
  return (e instanceof Error ? e.message : String(e)).slice(0, 300);
};

export async function reconcilerWorkflow(input: ReconcilerInput): Promise<ReconcileReport> {
  if (!Array.isArray(input?.enforcers) || typeof input.enforceTaskQueue !== 'string' || !input.enforceTaskQueue) {
    throw ApplicationFailure.nonRetryable('reconciler input needs enforcers[] and enforceTaskQueue', 'ValidationError');
  }
  const enforce = proxyActivities<Pick<ReconcileActivities, 'reconcileListEntries' | 'reconcileReapply' | 'reconcileRemoveOrphan'>>({
    ...ACTIVITY_OPTIONS.reconcile, taskQueue: input.enforceTaskQueue,
  });
  const startedAt = new Date().toISOString(); // workflow time: deterministic on replay
  const reports: EnforcerReconcileReport[] = [];

  for (const name of input.enforcers) {
    const report: EnforcerReconcileReport = {
      enforcer: name, desired: 0, listed: 0, inSync: 0, foreign: 0, coveredByForeign: [], missing: [], restored: [],
      orphans: [], removed: [], failed: [], deferred: 0, unreadable: [],
    };
    reports.push(report);
    let desired: DesiredBlock[];
    let listed: BlockEntry[];
    let unreadableTargets: string[];
    try {
      const d = await visibility.reconcileDesiredBlocks({ enforcer: name });
      desired = d.desired;
      report.unreadable = d.unreadable.map((u) => u.workflowId);
      unreadableTargets = d.unreadable.flatMap((u) => (u.target ? [targetKey(u.target)] : []));
      listed = await enforce.reconcileListEntries({ enforcer: name });
    } catch (err) {
      report.failed.push({ target: '*', op: 'list', error: errorText(err) });
      continue;
    }
    const diff = diffBlocks(desired, listed);
    report.desired = desired.length;
    report.listed = listed.length;
    report.inSync = diff.inSync.length;
    report.foreign = diff.foreign.length;
    report.coveredByForeign = diff.coveredByForeign.map((d) => d.target);
    report.missing = [...diff.missing, ...diff.relabel].map((d) => d.target);
    // An entry of a workflow whose state we could not read is not an orphan; neither is a block applied meanwhile.
    const candidates = diff.orphans.filter((o) => !unreadableTargets.includes(targetKey(o.target)));
    const orphans = candidates.length && input.removeOrphans ? await visibility.reconcileConfirmOrphans({ entries: candidates }) : candidates;
    report.orphans = orphans.map((o) => o.target);

    const plan = planRepairs({ ...diff, orphans }, { removeOrphans: input.removeOrphans, maxRepairs: input.maxRepairsPerRun });
    report.deferred = plan.deferred;
    // The desired set is older than the listing: a block its workflow lifted in between looks missing. Only blocks
    // still held right now are put back, and any lifted while being put back is taken off again (its workflow's
    // remove may already have run), so a re-apply never outlives the block it restores.
    const confirm = plan.reapply.length > 0 && patched(CONFIRM_REAPPLY_PATCH);
    let reapply = plan.reapply;
    if (confirm) {
      const now = await visibility.reconcileStillHeld({ blocks: reapply });
      const held = new Set(now.held.map((b) => b.blockId));
      report.liftedMeanwhile = reapply.filter((b) => !held.has(b.blockId)).map((b) => b.target);
      reapply = now.held;
    }
    const written: DesiredBlock[] = [];
    for (const block of reapply) {
      try {
        const r = await enforce.reconcileReapply({ enforcer: name, block });
        written.push(block);
        if (r.present) report.restored.push(block.target);
        else report.failed.push({ target: block.target, op: 'reapply', error: `not present after re-apply: ${r.detail}` });
      } catch (err) {
        report.failed.push({ target: block.target, op: 'reapply', error: errorText(err) });
      }
    }
    if (confirm && written.length > 0) {
      const after = await visibility.reconcileStillHeld({ blocks: written });
      // An unreadable workflow keeps its entry (the next run looks again); only a confirmed lift is undone.
      const keep = new Set([...after.held, ...after.unreadable].map((b) => b.blockId));
      for (const b of written.filter((x) => !keep.has(x.blockId))) {
        try {
          await enforce.reconcileRemoveOrphan({ enforcer: name, entry: { target: b.target, ownedByPalisade: true, blockId: b.blockId } });
          report.restored = report.restored.filter((t) => t !== b.target);
          report.liftedMeanwhile = [...(report.liftedMeanwhile ?? []), b.target];
        } catch (err) {
          report.failed.push({ target: b.target, op: 'remove', error: errorText(err) });
        }
      }
    }
    for (const entry of plan.remove) {
      try {
        await enforce.reconcileRemoveOrphan({ enforcer: name, entry });
        report.removed.push(entry.target);
      } catch (err) {
        report.failed.push({ target: entry.target, op: 'remove', error: errorText(err) });
      }
    }
  }
  return { startedAt, removeOrphans: input.removeOrphans, enforcers: reports, totals: totals(reports) };
}
