// Serialises and batches read-modify-writes of one shared alias. Requests arriving within `windowMs` (and all that
// queue up while a batch is running) go into ONE call of `run`, which does one read-modify-write and one reload.
// Only one batch runs at a time, so no write can overwrite another's update.

interface Pending<Op, R> {
  op: Op;
  resolve: (r: R) => void;
  reject: (e: unknown) => void;
}

export interface BatcherStats {
  batches: number;
  ops: number;
  largestBatch: number;
}

export class AliasBatcher<Op, R> {
  private queue: Pending<Op, R>[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  readonly stats: BatcherStats = { batches: 0, ops: 0, largestBatch: 0 };

  /** `run` gets the ops in arrival order and returns one result per op, in the same order (or throws for all). */
  constructor(private readonly windowMs: number, private readonly run: (ops: Op[]) => Promise<R[]>, private readonly maxBatch = 1000) {}

  submit(op: Op): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ op, resolve, reject });
      this.schedule();
    });
  }

  private schedule() {
    if (this.running || this.timer || this.queue.length === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.windowMs);
  }

  private async flush() {
    this.running = true;
    const batch = this.queue.splice(0, this.maxBatch);
    this.stats.batches += 1;
    this.stats.ops += batch.length;
    this.stats.largestBatch = Math.max(this.stats.largestBatch, batch.length);
    try {
      const results = await this.run(batch.map((p) => p.op));
      if (results.length !== batch.length) throw new Error(`batch returned ${results.length} results for ${batch.length} ops`);
      batch.forEach((p, i) => p.resolve(results[i]));
    } catch (err) {
      for (const p of batch) p.reject(err);
    } finally {
      this.running = false;
      this.schedule();
    }
  }
}
