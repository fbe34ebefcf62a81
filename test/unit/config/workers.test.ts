// The `workers` section: documented defaults, and the combinations the SDK would silently change are refused.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../../runtime/config';
import { workersSchema } from '../../../domain/config/workers';
import { mainWorkerOptions, enforceWorkerOptions } from '../../../workers/options';

const issuesOf = (workers: unknown) => {
  try {
    loadConfig({ file: '/dev/null', env: {}, overrides: { workers } as never });
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  return [];
};

describe('worker options (config `workers`)', () => {
  test('the example config documents exactly the defaults', () => {
    const fromExample = loadConfig({ file: path.resolve(__dirname, '../../../config/palisade.example.yaml'), env: {} }).workers;
    assert.deepEqual(fromExample, workersSchema.parse({}));
  });

  test('every worker gets the configured options', () => {
    const w = workersSchema.parse({ maxCachedWorkflows: 300, maxConcurrentWorkflowTaskExecutions: 20, enforce: { maxConcurrentActivityTaskExecutions: 7 } });
    assert.equal(mainWorkerOptions(w).maxCachedWorkflows, 300);
    assert.equal(mainWorkerOptions(w).maxConcurrentWorkflowTaskExecutions, 20);
    assert.equal(enforceWorkerOptions(w).maxConcurrentActivityTaskExecutions, 7);
  });

  const bad: [string, unknown, string, RegExp][] = [
    ['more task slots than cache', { maxCachedWorkflows: 10, maxConcurrentWorkflowTaskExecutions: 40 }, 'workers.maxConcurrentWorkflowTaskExecutions', /<= maxCachedWorkflows \(10\)/],
    ['a cache of one', { maxCachedWorkflows: 1, maxConcurrentWorkflowTaskExecutions: 2 }, 'workers.maxCachedWorkflows', /0 \(no cache\) or at least 2/],
    ['negative cache', { maxCachedWorkflows: -1 }, 'workers.maxCachedWorkflows', />=0/],
    ['one task slot', { maxConcurrentWorkflowTaskExecutions: 1 }, 'workers.maxConcurrentWorkflowTaskExecutions', />=2/],
    ['fractional slots', { maxConcurrentActivityTaskExecutions: 2.5 }, 'workers.maxConcurrentActivityTaskExecutions', /expected int/],
    ['unknown option', { maxHeapMemoryPercentage: 50 }, 'workers.maxHeapMemoryPercentage', /unknown field/],
  ];
  for (const [name, workers, pathWanted, message] of bad) {
    test(`refused: ${name}`, () => {
      const issues = issuesOf(workers);
      const hit = issues.find((i) => i.path === pathWanted);
      assert.ok(hit, `expected an issue at ${pathWanted}, got ${JSON.stringify(issues)}`);
      assert.match(hit.message, message);
    });
  }

  test('a disabled cache allows any number of task slots', () => {
    assert.deepEqual(issuesOf({ maxCachedWorkflows: 0, maxConcurrentWorkflowTaskExecutions: 40 }), []);
  });
});
