// The configured worker options (config `workers`, domain/config/workers.ts), in the SDK's terms. Every worker
// Palisade starts takes its options from here: `palisade start`, the separate worker roles and the benchmarks.
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
