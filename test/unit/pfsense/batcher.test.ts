import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AliasBatcher } from '../../../activities/enforcers/pfsense/alias-batcher';

void describe('AliasBatcher', () => {
  void it('runs one batch at a time and puts everything queued meanwhile into the next batch', async () => {
    const batches: number[][] = [];
    let running = 0;
    let release!: () => void;
    const firstBatchGate = new Promise<void>((r) => (release = r));
    const b = new AliasBatcher<number, number>(0, async (ops) => {
      running += 1;
      assert.equal(running, 1, 'never two batches at once');
      batches.push(ops);
      if (batches.length === 1) await firstBatchGate;
      running -= 1;
      return ops.map((o) => o * 2);
    });
    const first = [b.submit(1), b.submit(2)];
    // Wait until the first batch is running, then queue more.
    while (batches.length === 0) await new Promise((r) => setImmediate(r));
    const second = [b.submit(3), b.submit(4), b.submit(5)];
    release();
    assert.deepEqual(await Promise.all([...first, ...second]), [2, 4, 6, 8, 10]);
    assert.deepEqual(batches, [[1, 2], [3, 4, 5]]);
    assert.equal(b.stats.batches, 2);
  });

  void it('rejects every op of a failed batch and keeps working afterwards', async () => {
    let fail = true;
    const b = new AliasBatcher<string, string>(0, async (ops) => {
      if (fail) throw new Error('firewall down');
      return ops;
    });
    const r = await Promise.allSettled([b.submit('a'), b.submit('b')]);
    assert.deepEqual(r.map((x) => x.status), ['rejected', 'rejected']);
    fail = false;
    assert.equal(await b.submit('c'), 'c');
  });

  void it('caps a batch at maxBatch', async () => {
    const sizes: number[] = [];
    const b = new AliasBatcher<number, number>(0, async (ops) => (sizes.push(ops.length), ops), 3);
    await Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => b.submit(n)));
    assert.deepEqual(sizes, [3, 3, 1]);
  });
});
