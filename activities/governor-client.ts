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
//   governor: they are never refused, and they must be counted.
// - The governor runs on its own task queue, so its workflow tasks never queue behind a burst of threat tasks.
import type { Client } from '@temporalio/client';
import { fullWindowUntil } from '../domain/governor';
import type { GovernorVerdict } from '../domain/types';
import { GOVERNOR_WORKFLOW_ID, governorBatchUpdate, type GovernorBatchItem } from '../workflows/messages';

const MAX_BATCH = 200;

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
  updatesSent = 0;
  answeredLocally = 0;

  constructor(private readonly client: Client, private readonly taskQueue: string, private readonly workflowId = GOVERNOR_WORKFLOW_ID) {}

  request(item: GovernorBatchItem): Promise<GovernorVerdict> {
    const local = this.refusalFromFullWindow(item);
    if (local) return Promise.resolve(local);
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      void this.flush();
    });
  }

  private refusalFromFullWindow(item: GovernorBatchItem): GovernorVerdict | undefined {
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
      const local = this.refusalFromFullWindow(p.item);
      if (local) p.resolve(local);
      return !local;
    });
    if (this.queue.length === 0) return;
    this.inFlight = true;
    const batch = this.queue.splice(0, MAX_BATCH);
    try {
      const handle = await this.client.workflow.start('governorWorkflow', {
        workflowId: this.workflowId, taskQueue: this.taskQueue, args: [{ actions: [] }], workflowIdConflictPolicy: 'USE_EXISTING',
      });
      this.updatesSent += 1;
      const verdicts = await handle.executeUpdate(governorBatchUpdate, { args: [batch.map((p) => p.item)] });
      // The last verdict of a batch describes the window after the whole batch.
      verdicts.forEach((v, i) => this.latest.set(limitsKey(batch[i].item.request), v));
      batch.forEach((p, i) => p.resolve(verdicts[i]));
    } catch (err) {
      // Each activity retries on its own; the idempotency key makes a repeated request safe.
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
