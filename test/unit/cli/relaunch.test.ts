// When `palisade start` starts itself again with the worker process limits (config workers.processHeapMb): never for
// the API role (decided in the start command), never twice, never over a limit the user gave Node.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { RELAUNCHED_ENV, shouldRelaunch } from '../../../cli/relaunch';
import { workersSchema } from '../../../domain/config/workers';
import { hasExplicitHeapLimit, workerProcessLaunch } from '../../../workers/options';

const workers = (processHeapMb?: number) => workersSchema.parse(processHeapMb === undefined ? {} : { processHeapMb });

describe('worker process launch (workers.processHeapMb)', () => {
  test('the default is a 256 MB main heap and two malloc arenas; 0 leaves Node as it is', () => {
    assert.deepEqual(workerProcessLaunch(workers()), { execArgv: ['--max-old-space-size=256'], env: { MALLOC_ARENA_MAX: '2' } });
    assert.deepEqual(workerProcessLaunch(workers(1024))?.execArgv, ['--max-old-space-size=1024']);
    assert.equal(workerProcessLaunch(workers(0)), undefined);
  });

  test('values below 128 MB (other than 0) are refused with the range', () => {
    assert.throws(() => workers(64), /must be 0 \(V8 default\) or 128–65536/);
  });

  const cases: Array<[string, readonly string[], string | undefined, boolean]> = [
    ['no flags', [], undefined, false],
    ['a node flag', ['--max-old-space-size=512'], undefined, true],
    ['the underscore spelling', ['--max_old_space_size=512'], undefined, true],
    ['NODE_OPTIONS', [], '--enable-source-maps --max-old-space-size=2048', true],
    ['other flags only', ['--import', 'tsx', '--enable-source-maps'], '--trace-warnings', false],
  ];
  for (const [name, execArgv, nodeOptions, expected] of cases) {
    test(`explicit heap limit: ${name} → ${expected}`, () => assert.equal(hasExplicitHeapLimit(execArgv, nodeOptions), expected));
  }

  test('relaunch only once, only with a launch, and never over a limit given to Node', () => {
    const launch = workerProcessLaunch(workers());
    assert.equal(shouldRelaunch(launch, {}, []), true);
    assert.equal(shouldRelaunch(launch, { [RELAUNCHED_ENV]: '1' }, []), false, 'the relaunched child');
    assert.equal(shouldRelaunch(launch, { NODE_OPTIONS: '--max-old-space-size=4096' }, []), false);
    assert.equal(shouldRelaunch(launch, {}, ['--max-old-space-size=128']), false);
    assert.equal(shouldRelaunch(undefined, {}, []), false, 'processHeapMb 0');
  });
});
