// The effect check of a held block (issue 13): after the settle time, does the IP's traffic still reach a backend?
// Only when the policy names an effect source (no timer and no activity otherwise) and never in dry-run (nothing was
// blocked). The decision is domain/verification.ts's; this file measures, records and notifies.
import { proxyActivities, sleep } from '@temporalio/workflow';
import type { EffectActivities } from '../../activities/effect';
import { blockIneffective } from '../../domain/notifications';
import { DEFAULT_VERIFICATION_POLICY, nextStepAfterVerification, type EffectBaseline, type EffectSource, type NextStep } from '../../domain/verification';
import { ACTIVITY_OPTIONS } from '../retry-policies';
import { errorMessage, nowIso, type ThreatCase } from './case';

const effectActs = proxyActivities<EffectActivities>(ACTIVITY_OPTIONS.effect);

const policyOf = (c: ThreatCase) => c.policy.verification ?? DEFAULT_VERIFICATION_POLICY;

/** The configured effect sources of this case; none in dry-run. */
export function effectSources(c: ThreatCase): EffectSource[] {
  return c.state.dryRun ? [] : policyOf(c).effect.sources;
}

/** Before apply, and only for the sources that compare before and after (PromQL). */
export async function effectBaseline(c: ThreatCase): Promise<EffectBaseline | undefined> {
  const sources = effectSources(c);
  if (!sources.includes('prometheus')) return undefined;
  try {
    return await effectActs.measureEffectBaseline({ ip: c.input.ip, sources });
  } catch (err) {
    c.note('effect baseline failed', errorMessage(err));
    return { at: nowIso(), prometheus: { query: '', error: errorMessage(err) } };
  }
}

/**
 * Measures the effect (after the rest of the settle time, unless this is the re-check) and returns the next step:
 * keep, rollback (the caller rolls back), review (opened here: kept, notified loudly) or recheck (scheduled here).
 */
export async function checkEffect(c: ThreatCase, rechecked = false): Promise<NextStep> {
  const v = c.state.verification!;
  const policy = policyOf(c);
  if (!rechecked) {
    const rest = policy.effect.settleSeconds - c.policy.verifySettleSeconds;
    if (rest > 0) await sleep(rest * 1000);
  }
  try {
    v.effect = await effectActs.checkBlockEffect({ ip: c.input.ip, since: v.since, baseline: v.baseline, sources: effectSources(c) });
  } catch (err) {
    // The check itself failed: recorded as inconclusive, never as effective.
    v.effect = { outcome: 'no_traffic', since: v.since, at: nowIso(), sources: [], summary: `effect check failed: ${errorMessage(err)}` };
  }
  if (rechecked) v.rechecked = true;
  if (v.effect.outcome === 'effective') v.level = 'effective';
  const next = nextStepAfterVerification({ levels: v.levels, effect: v.effect, rechecked }, policy);
  v.next = next;
  c.note(`effect${rechecked ? ' (re-check)' : ''}: ${v.effect.outcome.replace('_', ' ')} → ${next.step}`, next.reason);
  if (next.step === 'review') {
    const evidence = v.effect.sources.map((s) => `${s.source}: ${s.evidence}`);
    v.review = { openedAt: nowIso(), reason: next.reason, evidence };
    await c.notify(blockIneffective(c.state, next.reason, evidence));
  } else if (next.step === 'recheck') {
    v.recheckAt = new Date(Date.now() + policy.recheckInconclusiveMinutes * 60_000).toISOString();
  }
  return next.step;
}
