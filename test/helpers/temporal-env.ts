// One Temporal environment and one workflow bundle per test file; a worker per test (sdk-typescript test style).
import { randomUUID } from 'node:crypto';
import { createServer, type AddressInfo } from 'node:net';
import { TestWorkflowEnvironment, workflowInterceptorModules } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { DEV_SERVER_SQLITE_ARGS, resolveTemporalServer } from '../../runtime/temporal-servers';
import { registerSearchAttributes } from '../../runtime/temporal';
import { ALL_SEARCH_ATTRIBUTES } from '../../domain/search-attributes';

let runtimeInstalled = false;
function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger((process.env.PALISADE_TEST_LOG as 'WARN' | undefined) ?? 'WARN') });
  } catch {
    // already installed by another helper in this process
  }
}

/** The Java time-skipping test server (timers of days complete in milliseconds). */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const { executable } = await resolveTemporalServer('test-server');
  const env = await TestWorkflowEnvironment.createTimeSkipping({ server: { executable } });
  // The test server knows only its built-in attributes; register Palisade's through its operator service.
  await registerSearchAttributes(env.client, env.namespace ?? 'default');
  return env;
}

/**
 * The Temporal CLI dev server (real persistence, visibility, schedules) with Palisade's search attributes. With
 * `uiPort` it also serves the Temporal Web UI there (the UI build the CLI ships), as `palisade start` does.
 */
export async function createDevServerEnv(opts: { dbFilename?: string; port?: number; uiPort?: number } = {}): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const { executable } = await resolveTemporalServer('cli');
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable, searchAttributes: ALL_SEARCH_ATTRIBUTES, dbFilename: opts.dbFilename, port: opts.port, extraArgs: [...DEV_SERVER_SQLITE_ARGS],
      ...(opts.uiPort ? { ui: true, uiPort: opts.uiPort } : {}),
    },
  });
}

/** A TCP port that was free on 127.0.0.1 a moment ago (for servers that must be told their port up front). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

const bundles = new Map<string, Promise<WorkflowBundleWithSourceMap>>();
/** Bundles the workflows once per test file (bundling per worker is slow). */
export function workflowBundle(workflowsPath = require.resolve('../../workflows')): Promise<WorkflowBundleWithSourceMap> {
  let b = bundles.get(workflowsPath);
  if (!b) {
    b = bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, logger: new DefaultLogger('WARN') });
    bundles.set(workflowsPath, b);
  }
  return b;
}

export const uniqueQueue = (prefix = 'test') => `${prefix}-${randomUUID().slice(0, 8)}`;
