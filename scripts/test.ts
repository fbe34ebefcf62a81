// `npm test`: system packages → Temporal servers → typecheck → lint → every test file in one node:test run,
// so that the closing summary counts all of them.
//   unit/         pure code and adapters against local wire-compatible servers
//   workflow/     workflows on the Java time-skipping test server
//   integration/  the Temporal dev server, real sshd, real Chromium, HTTP end to end
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..');
const only = process.argv.slice(2);

function step(name: string, cmd: string, args: string[]) {
  process.stderr.write(`\n[palisade:test] ${name}: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    process.stderr.write(`[palisade:test] ${name} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status ?? 1);
  }
}

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const p = path.join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...testFiles(p));
    else if (entry.endsWith('.test.ts')) out.push(path.relative(root, p));
  }
  return out.sort();
}

const skipStatic = process.env.PALISADE_TEST_SKIP_STATIC === '1';
step('system packages', 'bash', ['scripts/ensure-system-packages.sh']);
step('temporal servers', process.execPath, ['--import', 'tsx', 'scripts/provision.ts']);
if (!skipStatic) {
  step('typecheck', process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json']);
  step('lint', process.execPath, [path.join(root, 'node_modules/eslint/bin/eslint.js'), '--max-warnings=0', '.']);
}
const files = only.length ? only : ['unit', 'workflow', 'integration'].flatMap((d) => testFiles(path.join(root, 'test', d)));
step('tests', process.execPath, [
  '--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${process.env.PALISADE_TEST_CONCURRENCY ?? '2'}`,
  '--test-timeout=600000', ...files,
]);
