// Worker options, chosen rather than left to the SDK's defaults. The SDK sizes the sticky cache from the V8 heap
// limit (about 2,300 workflows on a 4 GB heap), which lets a few thousand held blocks grow the worker to gigabytes;
// Palisade's workflows spend nearly all their life idle (holding a block, waiting for a review), so a small cache
// plus a replay when a timer fires is far cheaper than keeping every one resident. The README explains each default.
import { z } from 'zod';

const slots = (max: number) => z.number().int().min(1).max(max);

export const workersSchema = z
  .strictObject({
    /**
     * Sticky cache: workflows kept in worker memory between tasks. Evicted ones are rebuilt by replaying their
     * history on their next task (timer, signal, update, query). Bounds the worker's memory: about this many times
     * the size of one cached workflow. 0 disables the cache (every task replays).
     */
    maxCachedWorkflows: z.number().int().min(0).max(100_000).default(150),
    /**
     * V8 old-space limit (MB) of the main thread of a process that runs workers (`palisade start`, every role but
     * `api`). It can only be set when Node starts, so `palisade start` starts itself again with
     * `--max-old-space-size` (and glibc's `MALLOC_ARENA_MAX=2`) unless the limit was given already (NODE_OPTIONS or a
     * node flag). Without it V8 sizes a 4 GB heap and commits three times what the main thread uses. 0 = V8's default.
     */
    processHeapMb: z.number().int().refine((v) => v === 0 || (v >= 128 && v <= 65_536), 'must be 0 (V8 default) or 128–65536').default(256),
    /**
     * V8 old-space limit (MB) of each workflow thread. Without it V8 sizes the heap from the machine's memory (4 GB
     * here) and collects the garbage of evictions and replays lazily, so RSS climbs with every replay long after the
     * live set (the cached workflows) has stopped growing. Applied to the workflow threads only; the main thread's
     * limit is `processHeapMb`. 0 leaves V8's default.
     */
    workflowHeapMb: z.number().int().refine((v) => v === 0 || (v >= 64 && v <= 16_384), 'must be 0 (V8 default) or 64–16384').default(128),
    /** Threads running workflow code. Workflow tasks are CPU-bound; more threads than spare cores only add memory. */
    workflowThreadPoolSize: slots(16).default(1),
    /** Workflow tasks in flight at once (held from poll to completion; most of that time is the server round trip). */
    maxConcurrentWorkflowTaskExecutions: z.number().int().min(2).max(1000).default(40),
    /** Activities in flight on the main queue: intel lookups, LLM calls, notifications, detection scans. */
    maxConcurrentActivityTaskExecutions: slots(10_000).default(100),
    /** Local activities in flight (the short deciding steps run as local activities inside a workflow task). */
    maxConcurrentLocalActivityExecutions: slots(10_000).default(100),
    /**
     * Where a worker-role process (`palisade start --role worker|enforce-worker`) serves GET /metrics. The API role
     * and the all-in-one `palisade start` serve the same registry on the API port instead. 0 = any free port.
     */
    metricsHost: z.string().min(1).default('127.0.0.1'),
    metricsPort: z.number().int().min(0).max(65535).default(9464),
    enforce: z
      .strictObject({
        /**
         * Enforcement activities in flight on the enforcement worker. Concurrent applies to one pfSense alias are
         * batched into one write, so this is also the largest batch a burst can make.
         */
        maxConcurrentActivityTaskExecutions: slots(10_000).default(200),
      })
      .prefault({}),
  })
  .superRefine((w, ctx) => {
    // The SDK silently lowers the task slots to the cache size; say so instead.
    if (w.maxCachedWorkflows > 0 && w.maxConcurrentWorkflowTaskExecutions > w.maxCachedWorkflows) {
      ctx.addIssue({
        code: 'custom',
        path: ['maxConcurrentWorkflowTaskExecutions'],
        message: `must be <= maxCachedWorkflows (${w.maxCachedWorkflows}) unless the cache is disabled (0)`,
      });
    }
    if (w.maxCachedWorkflows === 1) {
      ctx.addIssue({ code: 'custom', path: ['maxCachedWorkflows'], message: 'must be 0 (no cache) or at least 2' });
    }
  });

export type WorkersConfig = z.infer<typeof workersSchema>;
