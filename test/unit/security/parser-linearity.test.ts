// Issue 11, finding 4: every parser of attacker-controlled text runs in linear time. Each case parses an adversarial
// 10 KB input and the same pattern at 1 MB; 1 MB may cost at most 25x the linear extrapolation (100 × 10 KB), with a
// floor of 500 ms for parsers too fast to time precisely. Cases run in a worker thread so that a backtracking regex is
// cut off (and reported) after 20 s instead of hanging the suite.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { PARSER_CASES } from './parser-inputs';

const SMALL = 10 * 1024;
const BIG = 1024 * 1024;
const DEADLINE_MS = 20_000;
/** Per-byte cost at 1 MB may be this many times the cost at 10 KB (GC of many small strings; a shared machine).
 *  Quadratic work would be 100 times. */
const SLACK = 25;

type Timing = { smallMs: number; bigMs: number } | { stalled: true };

/** Runs the named cases in one worker; a case without a result within the deadline is recorded as stalled. */
function timeCases(names: string[]): Promise<Map<string, Timing>> {
  const results = new Map<string, Timing>();
  return new Promise((resolve, reject) => {
    const spawn = (rest: string[]) => {
      if (rest.length === 0) return resolve(results);
      // The worker is TypeScript: register tsx's CommonJS hook in it first.
      const boot = `require('tsx/cjs'); require(${JSON.stringify(require.resolve('./time-parser.worker.ts'))});`;
      const w = new Worker(boot, { eval: true, workerData: { names: rest, small: SMALL, big: BIG } });
      let timer: NodeJS.Timeout | undefined;
      w.on('message', (m: { started?: string; name?: string; smallMs?: number; bigMs?: number }) => {
        clearTimeout(timer);
        if (m.started) {
          const current = m.started;
          timer = setTimeout(() => {
            results.set(current, { stalled: true });
            void w.terminate().then(() => spawn(rest.slice(rest.indexOf(current) + 1)));
          }, DEADLINE_MS);
        } else {
          results.set(m.name!, { smallMs: m.smallMs!, bigMs: m.bigMs! });
          if (results.size === names.length) void w.terminate().then(() => resolve(results));
        }
      });
      w.on('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    };
    spawn(names);
  });
}

void describe('parsers of attacker-controlled text run in linear time (10 KB vs 1 MB)', () => {
  let timings: Map<string, Timing>;
  before(async () => {
    timings = await timeCases(PARSER_CASES.map((c) => c.name));
  });
  for (const c of PARSER_CASES) {
    void test(c.name, () => {
      const t = timings.get(c.name);
      assert.ok(t, `${c.name}: not timed`);
      assert.ok(!('stalled' in t), `${c.name}: no result within ${DEADLINE_MS / 1000} s (super-linear)`);
      const allowed = Math.max(SLACK * (BIG / SMALL) * t.smallMs, 500);
      assert.ok(t.bigMs <= allowed, `${c.name}: 1 MB took ${t.bigMs.toFixed(1)} ms; 10 KB took ${t.smallMs.toFixed(3)} ms (allowed ${allowed.toFixed(0)} ms)`);
    });
  }
});
