// Small measuring helpers shared by the benchmarks.
import type { Client } from '@temporalio/client';
import { billableActions } from '../history-actions';

/** The p-th percentile (nearest rank) of xs; NaN for no samples. */
export function pct(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** Runs fn over items, at most `concurrency` at a time. */
export async function pool<T>(items: readonly T[], concurrency: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]);
  }));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until fn returns true; throws with `what` after timeoutMs. */
export async function waitFor(what: string, fn: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface HistoryCost {
  eventsPerIp: number;
  actionsPerIp: number;
  /** How many histories the averages are over. */
  sampled: number;
}

/** History events and billable actions per workflow, averaged over up to `sample` of the given workflow ids. */
export async function historyCost(client: Client, workflowIds: string[], opts: { startedBySignalWithStart: boolean; sample?: number }): Promise<HistoryCost> {
  const ids = workflowIds.slice(0, Math.min(workflowIds.length, opts.sample ?? 50));
  let events = 0;
  let actions = 0;
  for (const id of ids) {
    const h = await client.workflow.getHandle(id).fetchHistory();
    events += h.events!.length;
    actions += billableActions(h.events!, { startedBySignalWithStart: opts.startedBySignalWithStart });
  }
  return { eventsPerIp: round(events / ids.length, 1), actionsPerIp: round(actions / ids.length, 1), sampled: ids.length };
}

export const round = (x: number, digits = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);

/**
 * Distinct public IPv4 addresses for one run: a random /16 in ranges no never-block rule covers, so runs against a
 * long-lived server (--address) do not meet the workflows of an earlier run. `offset` separates the sets of one run.
 */
export function benchIps(n: number, seed: number, offset = 0): string[] {
  const firstOctets = [45, 62, 77, 91, 103, 185, 193, 194, 195, 212, 213];
  const a = firstOctets[seed % firstOctets.length];
  const b0 = Math.floor(seed / firstOctets.length) % 200;
  return Array.from({ length: n }, (_, k) => {
    const i = k + offset;
    return `${a}.${b0 + Math.floor(i / 65536)}.${(i >> 8) & 255}.${i & 255}`;
  });
}
