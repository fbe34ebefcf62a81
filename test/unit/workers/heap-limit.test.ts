// `workers.workflowHeapMb` bounds the V8 heap of the workflow threads the SDK starts after it, and never raises a
// limit the process was started with. Run in child processes: the V8 flag is process-wide.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const options = path.resolve(__dirname, '../../../workers/options.ts');

/** The heap limit (MB) of a worker thread started after limitWorkflowThreadHeap(heapMb), in a fresh process. */
function threadHeapLimitMb(heapMb: number, nodeArgs: string[] = []): { main: number; thread: number } {
  const script = `
    const { limitWorkflowThreadHeap } = require(${JSON.stringify(options)});
    const { Worker } = require('node:worker_threads');
    const v8 = require('node:v8');
    limitWorkflowThreadHeap({ workflowHeapMb: ${heapMb} });
    const main = v8.getHeapStatistics().heap_size_limit / 2 ** 20;
    const w = new Worker("require('node:worker_threads').parentPort.postMessage(require('node:v8').getHeapStatistics().heap_size_limit / 2 ** 20)", { eval: true });
    w.once('message', (thread) => { console.log(JSON.stringify({ main, thread })); w.terminate(); });
  `;
  const out = execFileSync(process.execPath, [...nodeArgs, '--import', 'tsx', '-e', script], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop() as string);
}

describe('workflow thread heap limit (workers.workflowHeapMb)', () => {
  test('caps threads started afterwards and leaves the main thread alone', () => {
    const unlimited = threadHeapLimitMb(0);
    const limited = threadHeapLimitMb(128);
    assert.ok(unlimited.thread > 1000, `V8's default thread heap on this machine: ${unlimited.thread} MB`);
    // old space 128 MB plus the young generation V8 adds on top.
    assert.ok(limited.thread >= 128 && limited.thread < 256, `limited thread heap ${limited.thread} MB`);
    assert.equal(limited.main, unlimited.main);
  });

  test('never raises a tighter limit the process was started with', () => {
    const { thread } = threadHeapLimitMb(512, ['--max-old-space-size=100']);
    assert.ok(thread < 200, `thread heap ${thread} MB`);
  });
});
