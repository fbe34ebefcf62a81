// Workflow bundles for the benchmark worker, built in the parent and handed over as files, as a production
// deployment would ship a pre-built bundle.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bundleWorkflows } from '../../workers/bundle';

export async function bundleToFile(workflowsPath: string): Promise<string> {
  const { code } = await bundleWorkflows(workflowsPath);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'palisade-bundle-')), 'workflows.js');
  writeFileSync(file, code);
  return file;
}

export const PALISADE_WORKFLOWS = require.resolve('../../workflows');
export const NOOP_WORKFLOW = require.resolve('../fixtures/noop-workflow');
