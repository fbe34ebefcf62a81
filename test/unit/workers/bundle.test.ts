// Workflow code is bundled in a child process (so webpack's memory leaves with it); the worker gets the code.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { bundleWorkflows } from '../../../workers/bundle';

describe('workflow bundling in a child process', () => {
  test('returns the bundled code of the given workflows', async () => {
    const { code } = await bundleWorkflows(path.resolve(__dirname, '../../../bench/fixtures/noop-workflow.ts'));
    assert.match(code, /noopWorkflow/);
  });

  test('the workflow bundle leaves zod out: every cached workflow would instantiate it and its schemas', async () => {
    const { code } = await bundleWorkflows(path.resolve(__dirname, '../../../workflows'));
    assert.match(code, /threatWorkflow/);
    assert.doesNotMatch(code, /node_modules\/zod\//);
  });

  test('a module that does not bundle fails with the bundler\'s reason', async () => {
    await assert.rejects(bundleWorkflows(path.resolve(__dirname, 'no-such-workflows.ts')), /bundling the workflows .*no-such-workflows\.ts.* failed: .+/s);
  });
});
