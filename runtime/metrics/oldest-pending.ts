// The start of the oldest run waiting for a review, in a bounded number of visibility calls whatever the backlog.
// SQL visibility lists running workflows newest first and cannot sort by StartTime, so listing every pending review
// (10,000 at a bad moment) on each scrape is the naive answer. Instead: count the runs started before a probe time,
// widen the probe back exponentially until nothing older is pending, halve the bracket until at most one page of
// runs started before it (or the bracket is a second wide), then list that one page and take its earliest start.
// Calls: O(log(age)) counts and one page, so about 30 calls for a review a month old.
import type { Client } from '@temporalio/client';

export interface OldestStartLookup {
  /** Epoch ms of the oldest matching run's start (within `resolutionMs` when more than a page started together). */
  start?: number;
  /** Visibility calls made (counts and the one list), for the bound the tests assert. */
  calls: number;
  /** Workflows read by the list call (at most `page`). */
  listed: number;
}

export interface OldestStartOptions {
  /** How many runs one list call may read (default 100). */
  page?: number;
  /** Narrowest bracket worth halving further (default 1000 ms). */
  resolutionMs?: number;
  now?: number;
}

const FIRST_STEP_MS = 60_000;
const MAX_WIDENINGS = 40;

/** Earliest StartTime among the running workflows matching `query` (a visibility query without ORDER BY). */
export async function oldestStart(temporal: Client, query: string, opts: OldestStartOptions = {}): Promise<OldestStartLookup> {
  const page = opts.page ?? 100;
  const resolutionMs = opts.resolutionMs ?? 1000;
  const now = opts.now ?? Date.now();
  let calls = 0;
  let listed = 0;
  const before = (ms: number) => `${query} AND StartTime < '${new Date(ms).toISOString()}'`;
  const countOf = async (q: string) => {
    calls += 1;
    return (await temporal.workflow.count(q)).count;
  };
  const earliestOfOnePage = async (q: string): Promise<OldestStartLookup> => {
    calls += 1;
    let start: number | undefined;
    for await (const w of temporal.workflow.list({ query: q, pageSize: page })) {
      const t = w.startTime.getTime();
      if (start === undefined || t < start) start = t;
      listed += 1;
      if (listed >= page) break;
    }
    return { start, calls, listed };
  };

  const total = await countOf(query);
  if (total === 0) return { calls, listed };
  if (total <= page) return earliestOfOnePage(query);

  // Bracket (lo, hi]: nothing matching started before lo; something (more than a page) started before hi.
  let hi = now + resolutionMs;
  let lo = 0;
  for (let i = 0, step = FIRST_STEP_MS; i < MAX_WIDENINGS; i += 1, step *= 2) {
    const probe = Math.max(0, now - step);
    const c = await countOf(before(probe));
    if (c === 0) {
      lo = probe;
      break;
    }
    if (c <= page) return earliestOfOnePage(before(probe));
    hi = probe;
    if (probe === 0) break;
  }
  while (hi - lo > resolutionMs) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const c = await countOf(before(mid));
    if (c === 0) lo = mid;
    else if (c <= page) return earliestOfOnePage(before(mid));
    else hi = mid;
  }
  // More than a page started within one resolution step: any of them is the oldest to within that step.
  return earliestOfOnePage(before(hi));
}
