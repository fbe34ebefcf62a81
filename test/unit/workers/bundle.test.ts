// Workflow code is bundled in a child process (so webpack's memory leaves with it); the worker gets the code.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflows } from '../../../workers/bundle';

const root = path.resolve(__dirname, '../../..');

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

  test('bundles the workflows of a Palisade installed inside node_modules (npm install -g, npx)', () => {
    // The SDK compiles TypeScript only outside node_modules; an installed copy must still have its own files compiled.
    const pkg = path.join(mkdtempSync(path.join(os.tmpdir(), 'palisade-bundle-')), 'node_modules', 'palisade');
    mkdirSync(pkg, { recursive: true });
    for (const dir of ['workflows', 'domain', 'workers']) cpSync(path.join(root, dir), path.join(pkg, dir), { recursive: true });
    cpSync(path.join(root, 'package.json'), path.join(pkg, 'package.json'));
    symlinkSync(path.join(root, 'node_modules'), path.join(pkg, 'node_modules'));
    const script = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require('./workers/bundle.ts').bundleWorkflows().then((b) => process.stdout.write(String(b.code.length)), (e) => { process.stderr.write(e.message); process.exit(1); });`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: pkg, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr.slice(0, 1500));
    assert.ok(Number(r.stdout) > 100_000, `a bundle of ${r.stdout} bytes`);
  });
});
