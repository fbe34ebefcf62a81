// Bundles the workflow code (webpack, through the SDK) in a short-lived child process. Bundling inside the worker
// process left about 140 MB of its resident memory behind for good (webpack's peak is not returned to the system);
// in a child, all of it is returned when the child exits, and the worker only receives the code.
import { spawn } from 'node:child_process';

const SCRIPT = `
const [sdk, workflowsPath] = process.argv.slice(1);
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
require(sdk).bundleWorkflowCode({ workflowsPath, logger: quiet }).then(
  (b) => process.stdout.write(b.code),
  (err) => { process.stderr.write(String((err && err.stack) || err)); process.exit(1); },
);`;

export async function bundleWorkflows(workflowsPath: string = require.resolve('../workflows')): Promise<{ code: string }> {
  const child = spawn(process.execPath, ['-e', SCRIPT, require.resolve('@temporalio/worker'), workflowsPath], { stdio: ['ignore', 'pipe', 'pipe'] });
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
