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

/** How a worker process must be started for config `workers.processHeapMb`: node flags and environment to add. */
export interface ProcessLaunch {
  execArgv: string[];
  env: Record<string, string>;
}

/** The flags of `processHeapMb`; undefined when it is 0 (V8's default). */
export function workerProcessLaunch(w: WorkersConfig): ProcessLaunch | undefined {
  if (w.processHeapMb === 0) return undefined;
  // glibc gives each thread that allocates an arena of its own (up to 8 per core) and keeps freed memory in each;
  // the SDK core's threads allocate constantly, so two arenas save tens of MB at no measurable cost.
  return { execArgv: [`--max-old-space-size=${w.processHeapMb}`], env: { MALLOC_ARENA_MAX: '2' } };
}

/** Whether Node was started with an explicit old-space limit (a node flag or NODE_OPTIONS): then it is respected. */
export function hasExplicitHeapLimit(execArgv: readonly string[], nodeOptions = ''): boolean {
  return [...execArgv, ...nodeOptions.split(/\s+/)].some((a) => a.startsWith('--max-old-space-size') || a.startsWith('--max_old_space_size'));
}
