// Talks to the rate governor workflow from activities, without putting it on the serial path of a burst.
//
// - Batching: requests that arrive while an update is in flight are sent together as one update, so a burst of
//   auto-eligible IPs becomes a few updates instead of one each (concurrent updates to one workflow invalidate
//   each other's workflow tasks and get aborted).
// - Full-window answers: once the governor has answered that the window is full until T, every unattended request
//   in this process before T is refused here, at once, without a call. This cannot over-grant: only the governor
//   workflow ever grants (its update handler runs one batch at a time over the whole window), and a local answer is
//   only ever a refusal. It cannot under-grant either: counted actions only leave the window by ageing out, never
//   by withdrawal, so no slot can free up before T (domain/governor.ts `verdict`). Human approvals always go to the
//   governor: they are never refused, and they must be counted. A request whose key this process already sent gets
//   the governor's own answer again, without a call (an activity retry must not turn a grant into a refusal, and the
//   governor answers a known key the same way while it remembers it: its latest 1,000 answers within 15 minutes).
//   The one case that stays inexact is a worker that dies after the governor granted and before the decision was
//   recorded, when the retry lands in another process while the window is full (the slot is then refused there and
//   unused until it ages out) or after the governor forgot the key (a grant is then counted twice). Both err on the
//   side of fewer unattended actions, never more.
// - The governor runs on its own task queue, so its workflow tasks never queue behind a burst of threat tasks.
import type { Client } from '@temporalio/client';
import { emptyGovernorState, fullWindowUntil } from '../domain/governor';
import type { GovernorVerdict } from '../domain/types';
import { GOVERNOR_WORKFLOW_ID, governorBatchUpdate, type GovernorBatchItem } from '../workflows/messages';

const MAX_BATCH = 200;
const MAX_REMEMBERED = 10_000;

interface Pending {
  item: GovernorBatchItem;
  resolve(v: GovernorVerdict): void;
  reject(e: unknown): void;
}

export class GovernorClient {
  private queue: Pending[] = [];
  private inFlight = false;
  /** The governor's latest verdict per limits (`cap/windowMinutes`), for full-window refusals. */
  private readonly latest = new Map<string, GovernorVerdict>();
  /** The governor's answers by request key (bounded), so a retried request gets the same answer without a call. */
  private readonly answered = new Map<string, { verdict: GovernorVerdict; at: number }>();
  /** Set once this process has started (or found) the governor workflow; cleared when a call fails. */
  private governorStarted = false;
  updatesSent = 0;
  answeredLocally = 0;
  /** How long callers waited, for the governor-latency figures of tests and benchmarks. */
  readonly waits = { count: 0, slowestMs: 0, overOneSecond: 0 };

  constructor(private readonly client: Client, private readonly taskQueue: string, private readonly workflowId = GOVERNOR_WORKFLOW_ID) {}

  /** Starts (or finds) the governor workflow; workers call it at start so the first threat does not pay for it. */
  async ensureStarted(): Promise<void> {
    if (this.governorStarted) return;
    await this.client.workflow.start('governorWorkflow', {
      workflowId: this.workflowId, taskQueue: this.taskQueue, args: [emptyGovernorState()], workflowIdConflictPolicy: 'USE_EXISTING',
    });
    this.governorStarted = true;
  }

  async request(item: GovernorBatchItem): Promise<GovernorVerdict> {
    const started = Date.now();
    try {
      const local = this.localAnswer(item);
      if (local) return local;
      return await new Promise<GovernorVerdict>((resolve, reject) => {
        this.queue.push({ item, resolve, reject });
        void this.flush();
      });
    } finally {
      const ms = Date.now() - started;
      this.waits.count += 1;
      this.waits.slowestMs = Math.max(this.waits.slowestMs, ms);
      if (ms > 1000) this.waits.overOneSecond += 1;
    }
  }

  /**
   * An answer without a call: the governor's own earlier answer to the same key while it still remembers the key
   * (it keeps a key as long as its window), or a refusal while the window is known to be full.
   */
  private localAnswer(item: GovernorBatchItem): GovernorVerdict | undefined {
    const seen = this.answered.get(`${item.kind}:${item.request.key}`);
    if (seen) {
      if (Date.now() - seen.at < item.request.windowMinutes * 60_000) {
        this.answeredLocally += 1;
        return seen.verdict;
      }
      return undefined;
    }
    if (item.kind !== 'auto') return undefined;
    const last = this.latest.get(limitsKey(item.request));
    if (!last || Date.now() >= fullWindowUntil(last)) return undefined;
    this.answeredLocally += 1;
    return { ...last, granted: false, fromFullWindow: true };
  }

  private async flush(): Promise<void> {
    if (this.inFlight) return;
    // Requests that queued behind the previous update may now be answerable without a call.
    this.queue = this.queue.filter((p) => {
      const local = this.localAnswer(p.item);
      if (local) p.resolve(local);
      return !local;
    });
    if (this.queue.length === 0) return;
    this.inFlight = true;
    const batch = this.queue.splice(0, MAX_BATCH);
    try {
      // Start (or find) the governor once per process, not once per batch: a burst must not pay a start per round.
      await this.ensureStarted();
      const handle = this.client.workflow.getHandle(this.workflowId);
      this.updatesSent += 1;
      const verdicts = await handle.executeUpdate(governorBatchUpdate, { args: [batch.map((p) => p.item)] });
      // The last verdict of a batch describes the window after the whole batch.
      verdicts.forEach((v, i) => {
        const { kind, request } = batch[i].item;
        this.latest.set(limitsKey(request), v);
        this.answered.set(`${kind}:${request.key}`, { verdict: v, at: Date.now() });
      });
      for (const key of this.answered.keys()) {
        if (this.answered.size <= MAX_REMEMBERED) break;
        this.answered.delete(key);
      }
      batch.forEach((p, i) => p.resolve(verdicts[i]));
    } catch (err) {
      // Each activity retries on its own; the idempotency key makes a repeated request safe. The governor may have
      // been terminated or may have failed: the next round starts (or finds) it again.
      this.governorStarted = false;
      batch.forEach((p) => p.reject(err));
    } finally {
      this.inFlight = false;
      void this.flush();
    }
  }
}

function limitsKey(r: { cap: number; windowMinutes: number }) {
  return `${r.cap}/${r.windowMinutes}`;
}
