// The configured worker options (config `workers`, domain/config/workers.ts), in the SDK's terms. Every worker
// Palisade starts takes its options from here: `palisade start`, the separate worker roles and the benchmarks.
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import type { WorkerOptions } from '@temporalio/worker';
import type { WorkersConfig } from '../domain/config';

export type TunedOptions = Pick<WorkerOptions,
  'maxCachedWorkflows' | 'workflowThreadPoolSize' | 'maxConcurrentWorkflowTaskExecutions'
  | 'maxConcurrentActivityTaskExecutions' | 'maxConcurrentLocalActivityExecutions'>;

/** The main queue: every workflow and the non-enforcement activities. */
export function mainWorkerOptions(w: WorkersConfig): TunedOptions {
  return {
    maxCachedWorkflows: w.maxCachedWorkflows,
    workflowThreadPoolSize: w.workflowThreadPoolSize,
    maxConcurrentWorkflowTaskExecutions: w.maxConcurrentWorkflowTaskExecutions,
    maxConcurrentActivityTaskExecutions: w.maxConcurrentActivityTaskExecutions,
    maxConcurrentLocalActivityExecutions: w.maxConcurrentLocalActivityExecutions,
  };
}

/** The enforcement queue: activities only. */
export function enforceWorkerOptions(w: WorkersConfig): Pick<WorkerOptions, 'maxConcurrentActivityTaskExecutions'> {
  return { maxConcurrentActivityTaskExecutions: w.enforce.maxConcurrentActivityTaskExecutions };
}

/**
 * Caps the V8 heap of the workflow threads the SDK is about to start (config `workers.workflowHeapMb`). The SDK
 * creates its worker threads without resource limits, so they take V8's process-wide flag, read when an isolate is
 * created: setting it here, before `Worker.create`, bounds those threads and leaves the running main thread as it is.
 * Never raises a limit the process was started with (`node --max-old-space-size`).
 */
export function limitWorkflowThreadHeap(w: WorkersConfig): void {
  if (w.workflowHeapMb === 0) return;
  const processLimitMb = getHeapStatistics().heap_size_limit / 2 ** 20;
  if (processLimitMb <= w.workflowHeapMb) return;
  setFlagsFromString(`--max-old-space-size=${w.workflowHeapMb}`);
}
