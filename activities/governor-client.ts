// Talks to the rate governor workflow from activities. Requests that arrive while an update is in flight are
// queued and sent together as one update: a burst of auto-eligible IPs becomes a few updates instead of one each
// (concurrent updates to one workflow invalidate each other's workflow tasks and get aborted).
import type { Client } from '@temporalio/client';
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
  updatesSent = 0;

  constructor(private readonly client: Client, private readonly taskQueue: string, private readonly workflowId = GOVERNOR_WORKFLOW_ID) {}

  request(item: GovernorBatchItem): Promise<GovernorVerdict> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.inFlight || this.queue.length === 0) return;
    this.inFlight = true;
    const batch = this.queue.splice(0, MAX_BATCH);
    try {
      const handle = await this.client.workflow.start('governorWorkflow', {
        workflowId: this.workflowId, taskQueue: this.taskQueue, args: [{ actions: [] }], workflowIdConflictPolicy: 'USE_EXISTING',
      });
      this.updatesSent += 1;
      const verdicts = await handle.executeUpdate(governorBatchUpdate, { args: [batch.map((p) => p.item)] });
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
