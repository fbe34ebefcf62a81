// The CLI runs however it is invoked: through a link named `palisade` (what npx and a global install create), through
// bin/palisade.js, and as `tsx cli/main.ts` (npm start). Each prints the usage for --help.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PALISADE_BIN } from '../../helpers/run-cli';

const root = path.resolve(__dirname, '../../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'palisade-entry-'));
const env = { PATH: process.env.PATH ?? '', HOME: tmp };

function help(cmd: string, args: string[]) {
  const r = spawnSync(cmd, args, { cwd: tmp, env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^Usage: palisade \[options\] \[command\]/);
  return r;
}

void describe('palisade entry point', () => {
  test('through a link named palisade (npx, npm install -g)', () => {
    const link = path.join(tmp, 'palisade');
    symlinkSync(PALISADE_BIN, link);
    help(link, ['--help']);
  });

  test('through node bin/palisade.js, unaffected by a tsconfig.json in the working directory', () => {
    // The project palisade is run in is none of its business (here, one whose base config is not installed).
    writeFileSync(path.join(tmp, 'tsconfig.json'), JSON.stringify({ extends: '@example/tsconfig-base/tsconfig.json', compilerOptions: { jsx: 'react' } }));
    help(process.execPath, [PALISADE_BIN, '--help']);
  });

  test('as tsx cli/main.ts (npm start, npm run palisade)', () => {
    help(process.execPath, [require.resolve('tsx/cli'), path.join(root, 'cli/main.ts'), '--help']);
  });
});
