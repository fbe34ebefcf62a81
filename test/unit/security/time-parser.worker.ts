// Times parser cases in a worker thread, one message per case: the parent can terminate the worker when a regex
// backtracks without end, which a test cannot do to its own thread.
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { PARSER_CASES } from './parser-inputs';

const { names, small, big } = workerData as { names: string[]; small: number; big: number };
for (const name of names) {
  const c = PARSER_CASES.find((x) => x.name === name)!;
  const time = (input: unknown, n: number) => {
    const t = performance.now();
    for (let i = 0; i < n; i++) c.run(input);
    return performance.now() - t;
  };
  parentPort!.postMessage({ started: name });
  const smallInput = c.build(small);
  const bigInput = c.build(big);
  // Warm-up (JIT), then enough repetitions of the small input to take ~20 ms, best of three.
  const once = Math.max(time(smallInput, 1), 0.001);
  const reps = Math.min(50, Math.max(1, Math.ceil(20 / once)));
  const smallMs = Math.min(time(smallInput, reps), time(smallInput, reps), time(smallInput, reps)) / reps;
  const first = time(bigInput, 1);
  const bigMs = first > 200 ? first : Math.min(first, time(bigInput, 1));
  parentPort!.postMessage({ name, smallMs, bigMs });
}
