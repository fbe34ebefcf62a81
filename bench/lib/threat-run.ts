// One measured pass of N IPs through the threat workflow, on a running benchmark worker: sightings submitted
// through the product's own path (runtime/sightings), blocks timed when they reach the worker's in-memory
// firewall, and, on the review path, every case approved through the operator-action path (the `decide` update).
import type { Client } from '@temporalio/client';
import type { PalisadeConfig } from '../../domain/config';
import { OperatorActionError, submitDecision } from '../../runtime/operator-actions';
import { submitSighting } from '../../runtime/sightings';
import { stateQuery, threatWorkflowId } from '../../workflows/messages';
import { pct, pool, round, sleep, waitFor } from './stats';
import type { BenchWorker } from './worker-child';

export const AUTO_SOURCE = 'bench';
export const REVIEW_SOURCE = 'bench-review';

export interface PassTimes {
  /** Seconds from the first sighting to the last block applied. */
  seconds: number;
  ipsPerSecond: number;
  /** Sighting submitted → block applied (auto) or decision submitted → block applied (review), ms. */
  latencies: number[];
  /** Review path: sighting submitted → review requested, ms. */
  toReview: number[];
}

export const latencyFigures = (xs: number[]) => ({ p50Ms: round(pct(xs, 50), 0), p99Ms: round(pct(xs, 99), 0) });

export function sightingOf(source: string) {
  return { source, score: 97, direction: 'inbound' as const, observedAt: new Date().toISOString(), knownBad: true, evidence: {} };
}

/** Submits one sighting per IP and waits until every IP's block is on the firewall. */
export async function threatPass(client: Client, config: PalisadeConfig, worker: BenchWorker, ips: string[], opts: { review: boolean; concurrency: number; timeoutMs: number }): Promise<PassTimes> {
  const sentAt = new Map<string, number>();
  const decidedAt = new Map<string, number>();
  const approvals: Promise<void>[] = [];
  let approvalFailure: unknown;
  const approve = async (ip: string) => {
    // One update id per case: a retry after a timeout attaches to the update the server already admitted.
    const updateId = `bench-approve-${threatWorkflowId(ip)}`;
    for (let attempt = 0; ; attempt++) {
      try {
        if (!decidedAt.has(ip)) decidedAt.set(ip, Date.now());
        await submitDecision(client, ip, { decision: 'approve', approver: 'benchmark', channel: 'api', comment: 'benchmark review path' }, { updateId });
        return;
      } catch (err) {
        // A review notice may come before the workflow can take the decision, and a loaded worker may not answer
        // within the operator timeout; anything else is a real failure.
        const retry = err instanceof OperatorActionError && (err.code === 'invalid_state' || err.code === 'unavailable');
        if (!retry || attempt >= 20) throw err;
        await sleep(200);
      }
    }
  };
  if (opts.review) {
    const pending = new Set(ips);
    worker.on((m) => {
      if (m.t === 'review' && pending.delete(m.ip)) approvals.push(approve(m.ip).catch((err) => void (approvalFailure ??= err)));
      return pending.size === 0;
    });
  }
  const source = opts.review ? REVIEW_SOURCE : AUTO_SOURCE;
  const t0 = Date.now();
  await pool(ips, opts.concurrency, async (ip) => {
    sentAt.set(ip, Date.now());
    await submitSighting(client, config, ip, sightingOf(source));
  });
  await waitFor(`${ips.length} blocks to be applied (${ips.filter((ip) => worker.applied.has(ip)).length} so far)`, () => {
    if (approvalFailure) throw approvalFailure;
    return ips.every((ip) => worker.applied.has(ip));
  }, opts.timeoutMs);
  await Promise.all(approvals);
  const last = Math.max(...ips.map((ip) => worker.applied.get(ip)!));
  const seconds = (last - t0) / 1000;
  const from = opts.review ? decidedAt : sentAt;
  return {
    seconds,
    ipsPerSecond: round(ips.length / seconds, 1),
    latencies: ips.map((ip) => worker.applied.get(ip)! - from.get(ip)!),
    toReview: opts.review ? ips.map((ip) => worker.reviews.get(ip)! - sentAt.get(ip)!) : [],
  };
}

/** Waits until every block is lifted and each workflow has finished its case (so each history holds a whole case). */
export async function waitCasesDone(client: Client, worker: BenchWorker, ips: string[], timeoutMs: number): Promise<void> {
  await waitFor(`${ips.length} blocks to be lifted (${ips.filter((ip) => worker.removed.has(ip)).length} so far)`, () => ips.every((ip) => worker.removed.has(ip)), timeoutMs);
  const open = new Set(ips);
  await waitFor(`${ips.length} cases to finish lifting`, async () => {
    for (const ip of [...open]) {
      const s = await client.workflow.getHandle(threatWorkflowId(ip)).query(stateQuery).catch(() => undefined);
      if (s && (s.status === 'watching' || s.status === 'closed')) open.delete(ip);
    }
    return open.size === 0;
  }, timeoutMs, 200);
}
