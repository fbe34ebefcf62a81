// The block saga: apply and verify (one activity on the enforcement queue, two recorded results), roll back if it
// did not take, hold with a durable timer (extend / release / make permanent), lift and verify the removal.
import { allHandlersFinished, condition, continueAsNew, proxyActivities, sleep } from '@temporalio/workflow';
import type { EnforcementActivities } from '../../activities/enforcement';
import { SA } from '../../domain/search-attributes';
import type { BlockRequest } from '../../domain/types';
import { ACTIVITY_OPTIONS } from '../retry-policies';
import { errorMessage, HOUR_MS, nowIso, type ThreatCase } from './case';
import { checkEffect, effectBaseline, effectSources } from './effect';
import type { threatWorkflow } from './index';

const LIFT_ATTEMPTS = 3;

function enforcement(c: ThreatCase, extraSeconds = 0): EnforcementActivities {
  const base = ACTIVITY_OPTIONS.enforce;
  return proxyActivities<EnforcementActivities>({
    ...base,
    taskQueue: c.input.enforceTaskQueue,
    // Apply-and-verify waits the settle time inside the activity (no timer, no extra workflow task).
    startToCloseTimeout: extraSeconds > 0 ? `${120 + extraSeconds} seconds` : base.startToCloseTimeout,
  });
}

/** Removal (a lift or a rollback) keeps trying far longer than an apply: see ACTIVITY_OPTIONS.lift. */
function lifting(c: ThreatCase): EnforcementActivities {
  return proxyActivities<EnforcementActivities>({ ...ACTIVITY_OPTIONS.lift, taskQueue: c.input.enforceTaskQueue });
}

/** Records the block, applies and verifies it; on failure rolls back and closes the case. True when it holds. */
export async function applyBlock(c: ThreatCase, target: string, durationHours: number, address: string): Promise<boolean> {
  const st = c.state;
  st.block = {
    blockId: `${c.input.ip}#${st.cycle}`, target, durationHours, permanent: false,
    dryRun: st.dryRun, enforcer: st.dryRun ? 'simulated' : c.input.enforcer, ...(address !== c.input.ip ? { address } : {}),
  };
  const req = c.blockRequest();
  const settle = c.policy.verifySettleSeconds;
  // PromQL compares before and after: the baseline is taken before the block exists.
  const baseline = await effectBaseline(c);
  c.setStatus('enforcing');
  try {
    const r = await enforcement(c, settle).enforceBlock(req, settle);
    // The enforcer's ownership record: rollback, verification and lift remove exactly what this apply wrote.
    if (r.apply.written) st.block.written = r.apply.written;
    c.step('apply', r.apply);
    const v = r.verify;
    c.step('verify', { enforcer: v.enforcer, ok: v.present, simulated: v.simulated, detail: v.detail, at: v.at });
    // Runs recorded before the levels existed have only `present`.
    if (v.levels) st.verification = { levels: v.levels, level: v.level, since: r.apply.at, ...(baseline ? { baseline } : {}) };
    if (st.dryRun) c.note('dry run', 'nothing was verified against a real data plane: the simulator only read back its own record');
    if (!v.present) {
      await rollback(c, c.blockRequest());
      await c.close('failed', [`the block did not take: ${v.detail}; rolled back`]);
      return false;
    }
  } catch (err) {
    c.step('apply', c.failedStep(err));
    await rollback(c, req);
    await c.close('failed', [`applying the block failed: ${errorMessage(err)}`]);
    return false;
  }
  st.block.appliedAt = nowIso();
  st.block.expiresAt = new Date(Date.now() + durationHours * HOUR_MS).toISOString();
  if (st.verification && effectSources(c).length > 0 && (await checkEffect(c)) === 'rollback') {
    await rollback(c, req);
    await c.close('failed', [`the block was ineffective and policy rolls it back: ${st.verification.next!.reason}`]);
    return false;
  }
  c.index('blocked', [
    { key: SA.score, value: st.score ?? 0 }, { key: SA.mode, value: st.mode },
    { key: SA.target, value: target }, { key: SA.enforcer, value: st.block.enforcer },
  ]);
  return true;
}

async function rollback(c: ThreatCase, req: BlockRequest) {
  try {
    c.step('rollback', await lifting(c).removeBlock(req));
  } catch (err) {
    c.step('rollback', c.failedStep(err));
  }
}

/** Holds the block until it expires or is released (continuing as new when the history grows), then lifts it. */
export async function holdAndLift(c: ThreatCase): Promise<void> {
  const block = c.state.block!;
  c.setStatus('blocked');
  let ineffective = false;
  for (;;) {
    if (c.released) break;
    const remaining = block.permanent ? undefined : Date.parse(block.expiresAt!) - Date.now();
    if (remaining !== undefined && remaining <= 0) break;
    // An inconclusive effect is re-checked once during the hold, when the policy asks for it.
    const v = c.state.verification;
    const recheckIn = v?.recheckAt && !v.rechecked ? Date.parse(v.recheckAt) - Date.now() : undefined;
    if (recheckIn !== undefined && recheckIn <= 0) {
      if ((await checkEffect(c, true)) === 'rollback') {
        ineffective = true;
        break;
      }
      continue;
    }
    if (c.historyTooLong()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof threatWorkflow>({ ...c.input, policy: c.policy, carry: { ...c.carry, resumeHold: c.state } });
    }
    c.holdChanged = false;
    const wait = recheckIn === undefined ? remaining : remaining === undefined ? recheckIn : Math.min(remaining, recheckIn);
    await condition(() => c.holdChanged || c.historyTooLong(), wait);
  }
  const released = c.released;
  const req = c.blockRequest();
  c.setStatus('lifting');
  for (let attempt = 1; attempt <= LIFT_ATTEMPTS; attempt++) {
    try {
      const r = await lifting(c).liftBlock(req);
      c.step('remove', r.remove);
      const gone = r.verifyRemoval;
      c.step('verify_removal', { enforcer: gone.enforcer, ok: gone.removed, simulated: gone.simulated, detail: gone.detail, at: gone.at });
      if (gone.removed) {
        block.liftedAt = nowIso();
        c.state.priorBlocks += 1;
        if (ineffective) return c.close('failed', [`ineffective on the re-check and policy rolls it back: ${c.state.verification!.next!.reason}; lifted`]);
        return c.close(released ? 'released' : 'expired', [released ? 'released by an operator' : `block expired after ${block.durationHours} h`]);
      }
    } catch (err) {
      c.step('remove', c.failedStep(err));
    }
    if (attempt < LIFT_ATTEMPTS) await sleep('1 minute');
  }
  // The entry is still there: the reconciler reports it as an orphan Palisade owns.
  c.state.priorBlocks += 1;
  await c.close('failed', [`lifting the block could not be verified after ${LIFT_ATTEMPTS} attempts; the reconciler will report the entry`]);
}
