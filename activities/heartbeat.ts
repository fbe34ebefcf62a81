// Liveness for long activities. Without heartbeats Temporal learns that a worker died mid-activity only when the
// start-to-close timeout runs out (10 minutes for a scan, 2 for an enforcement call); with a heartbeat timeout in
// the activity options (workflows/retry-policies.ts) another worker takes the task over within that timeout.
import { Context } from '@temporalio/activity';

const EVERY_MS = 5_000;

type AsyncFns = Record<string, (...args: never[]) => Promise<unknown>>;

/** Heartbeats every few seconds while `fn` runs (a no-op outside an activity and in local activities). */
export async function whileHeartbeating<T>(fn: () => Promise<T>, everyMs = EVERY_MS): Promise<T> {
  let ctx: Context | undefined;
  try {
    ctx = Context.current();
  } catch {
    ctx = undefined; // called directly (tests, the CLI): nothing to report to
  }
  if (!ctx || ctx.info.isLocal) return fn();
  const c = ctx;
  c.heartbeat();
  const timer = setInterval(() => c.heartbeat(), everyMs);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

/** The same activities, each heartbeating while it runs. */
export function heartbeating<T extends AsyncFns>(acts: T, everyMs = EVERY_MS): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(acts)) out[name] = (...args: never[]) => whileHeartbeating(() => fn(...args), everyMs);
  return out as T;
}
