// One enforcer call as every activity makes it (the enforcement activities and the reconciler's enforcer side):
// timed and counted by enforcer and step (runtime/metrics/enforcement.ts), and a PermanentEnforcementError turned
// into a non-retryable ApplicationFailure (anything else is retried with backoff).
import { ApplicationFailure } from '@temporalio/activity';
import { timedEnforcement, type EnforcementMetricStep } from '../runtime/metrics';
import { PermanentEnforcementError, type Enforcer } from './enforcers/types';

/** Turns a PermanentEnforcementError thrown by `fn` into a non-retryable failure naming `op`. */
export async function classifyEnforcerError<T>(op: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PermanentEnforcementError) {
      throw ApplicationFailure.nonRetryable(`${op}: ${err.message}`, 'PermanentEnforcementError', { reason: err.reason });
    }
    throw err;
  }
}

/** Calls `fn` on enforcer `e` as step `step`: timed, counted (`ok` judges a result that is a failure in itself) and classified. */
export function enforcerCall<T>(e: Enforcer, step: EnforcementMetricStep, op: string, fn: () => Promise<T>, ok?: (r: T) => boolean): Promise<T> {
  return classifyEnforcerError(`${op} on ${e.name}`, () => timedEnforcement(e.name, step, fn, ok));
}
