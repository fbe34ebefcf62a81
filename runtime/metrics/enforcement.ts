// Metrics of the enforcement worker (activities/enforcement.ts) and of the effect check (activities/effect.ts).
// Every enforcer call is observed once per attempt: a retried apply that failed twice is two failures, which is what
// an operator watching a flaky firewall needs to see.
import client from 'prom-client';
import { once } from './registry';

export const ENFORCEMENT_STEPS = ['apply', 'verify', 'remove', 'verify_removal', 'rollback', 'preconditions', 'list'] as const;
export type EnforcementMetricStep = (typeof ENFORCEMENT_STEPS)[number];

export const enforcementDuration = once('palisade_enforcement_duration_seconds', () => new client.Histogram({
  name: 'palisade_enforcement_duration_seconds',
  help: 'Duration of enforcer calls, by enforcer, step (apply / verify / remove / verify_removal / rollback / preconditions / list) and result (ok / failed).',
  labelNames: ['enforcer', 'step', 'result'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
}));

export const enforcementFailures = once('palisade_enforcement_failures_total', () => new client.Counter({
  name: 'palisade_enforcement_failures_total',
  help: 'Failed enforcer calls (an error, or a verification that found no block / a removal check that found it still there), by enforcer and step.',
  labelNames: ['enforcer', 'step'] as const,
}));

export const blockVerificationLevels = once('palisade_block_verification_levels_total', () => new client.Counter({
  name: 'palisade_block_verification_levels_total',
  help: 'Blocks by verification level reached (present, loaded, effective); a block that reached loaded also counts under present.',
  labelNames: ['level'] as const,
}));

export const blockEffectChecks = once('palisade_block_effect_checks_total', () => new client.Counter({
  name: 'palisade_block_effect_checks_total',
  help: 'Effect checks of applied blocks, by outcome (effective, ineffective, no_traffic).',
  labelNames: ['outcome'] as const,
}));

export function observeEnforcement(enforcer: string, step: EnforcementMetricStep, seconds: number, ok: boolean): void {
  enforcementDuration.observe({ enforcer, step, result: ok ? 'ok' : 'failed' }, seconds);
  if (!ok) enforcementFailures.inc({ enforcer, step });
}

/** Times `fn` as one enforcer call; a throw is a failed call, and `ok` judges a result that is a failure in itself. */
export async function timedEnforcement<T>(enforcer: string, step: EnforcementMetricStep, fn: () => Promise<T>, ok: (r: T) => boolean = () => true): Promise<T> {
  const started = performance.now();
  try {
    const r = await fn();
    observeEnforcement(enforcer, step, (performance.now() - started) / 1000, ok(r));
    return r;
  } catch (err) {
    observeEnforcement(enforcer, step, (performance.now() - started) / 1000, false);
    throw err;
  }
}
