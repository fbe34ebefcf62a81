// Bundles the workflow code (webpack, through the SDK) in a short-lived child process. Bundling inside the worker
// process left about 140 MB of its resident memory behind for good (webpack's peak is not returned to the system);
// in a child, all of it is returned when the child exits, and the worker only receives the code.
import { spawn } from 'node:child_process';
import path from 'node:path';

// The SDK compiles TypeScript only outside node_modules; an installed Palisade lives in node_modules, so its own files
// (but not its dependencies) are compiled too.
const SCRIPT = `
const path = require('node:path');
const [sdk, workflowsPath, ownRoot] = process.argv.slice(1);
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
const ownFile = (p) => {
  const rel = path.relative(ownRoot, p);
  return !rel.startsWith('..') && !path.isAbsolute(rel) && !rel.split(path.sep).includes('node_modules');
};
const webpackConfigHook = (config) => {
  for (const rule of (config.module && config.module.rules) || []) {
    const skip = rule && rule.exclude;
    if (skip instanceof RegExp && skip.test('/node_modules/')) rule.exclude = (p) => skip.test(p) && !ownFile(p);
  }
  return config;
};
require(sdk).bundleWorkflowCode({ workflowsPath, logger: quiet, webpackConfigHook }).then(
  (b) => process.stdout.write(b.code),
  (err) => { process.stderr.write(String((err && err.stack) || err)); process.exit(1); },
);`;

/** The root of this package (where package.json is), wherever it is installed. */
const PACKAGE_ROOT = path.resolve(__dirname, '..');

export async function bundleWorkflows(workflowsPath: string = require.resolve('../workflows')): Promise<{ code: string }> {
  const child = spawn(process.execPath, ['-e', SCRIPT, require.resolve('@temporalio/worker'), workflowsPath, PACKAGE_ROOT], { stdio: ['ignore', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) throw new Error(`bundling the workflows (${workflowsPath}) failed: ${Buffer.concat(err).toString().slice(-2000)}`);
  return { code: Buffer.concat(out).toString() };
}
