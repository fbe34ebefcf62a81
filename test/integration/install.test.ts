// [install] Palisade as a user installs it: `npm pack`, then `npm install -g --prefix <tmp>` of the tarball (from the
// npm cache where it can), then the installed `palisade` link is run from an unrelated directory: help, version,
// config check, a bad subcommand, and `palisade start --no-serve-spa` (embedded Temporal, workflow bundling from
// inside node_modules, the API without the review page) until it serves /health, then SIGTERM.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'palisade-install-'));
const prefix = path.join(tmp, 'prefix');
const work = path.join(tmp, 'elsewhere');
const installed = path.join(prefix, 'bin', 'palisade');
const token = 'install-test-token-0123456789abcdef';

// The npm that runs this test may have exported its own prefix settings; the install goes only to `prefix`.
const npmEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_(global_|local_)?prefix$/i.test(k)));
const userEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp, PALISADE_TEMPORAL_DOWNLOAD: 'never', PALISADE_CONTROL_TOKEN: token };

interface Run { code: number | null; stdout: string; stderr: string }

function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const palisade = (args: string[]) => run(installed, args, { cwd: work, env: userEnv });

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

void describe('[install] palisade installed globally from its npm pack tarball', () => {
  const timings: string[] = [];
  before(async () => {
    mkdirSync(work);
    let t = Date.now();
    const pack = spawnSync('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: root, env: npmEnv, encoding: 'utf8' });
    assert.equal(pack.status, 0, pack.stderr);
    const [{ filename }] = JSON.parse(pack.stdout) as { filename: string }[];
    timings.push(`pack ${Date.now() - t} ms`);
    t = Date.now();
    const install = await run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', path.join(tmp, filename)], { cwd: tmp, env: npmEnv });
    assert.equal(install.code, 0, install.stderr);
    timings.push(`install ${Date.now() - t} ms`);
  });
  after(() => {
    const t = Date.now();
    rmSync(tmp, { recursive: true, force: true });
    process.stderr.write(`[install] ${[...timings, `cleanup ${Date.now() - t} ms`].join(', ')}\n`);
  });

  test('the package holds what runs, not the tests', () => {
    const pkg = path.join(prefix, 'lib', 'node_modules', 'palisade');
    for (const p of ['bin/palisade.js', 'cli/main.ts', 'workflows/index.ts', 'api/public/index.html', 'config/samples/traefik-access.log', 'tsconfig.json']) {
      assert.ok(existsSync(path.join(pkg, p)), `${p} is installed`);
    }
    for (const p of ['test', 'bench', 'node_modules/typescript']) assert.ok(!existsSync(path.join(pkg, p)), `${p} is not installed`);
  });

  test('--help and --version print and exit 0', async () => {
    const help = await palisade(['--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^Usage: palisade \[options\] \[command\]/);
    assert.match(help.stdout, /\n {2}start \[options\]/);
    assert.match(help.stdout, /\n {2}config/);
    const version = await palisade(['--version']);
    assert.equal(version.code, 0);
    assert.equal(version.stdout.trim(), (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version);
  });

  test('config check validates a minimal configuration and prints the effective result', async () => {
    const file = path.join(work, 'palisade.yaml');
    writeFileSync(file, ['policy:', '  mode: review', 'api:', '  port: 8099', ''].join('\n'));
    const r = await palisade(['--config', file, 'config', 'check']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\npolicy:\n {2}mode: review\n/);
    assert.match(r.stdout, /\n {2}port: 8099\n/);
    assert.match(r.stdout, /controlToken: "<secret from env PALISADE_CONTROL_TOKEN: set>"/);
    assert.doesNotMatch(r.stdout, new RegExp(token));
    assert.match(r.stderr, /configuration is valid/);
  });

  test('a bad subcommand exits non-zero with a message', async () => {
    const r = await palisade(['frobnicate']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unknown command 'frobnicate'/);
  });

  test('start runs from the installed copy (workflows bundled from inside node_modules; --no-serve-spa) and stops on SIGTERM', async () => {
    const [temporalPort, uiPort] = [await freePort(), await freePort()];
    const file = path.join(work, 'start.yaml');
    writeFileSync(file, [
      `dataDir: ${path.join(work, 'data')}`, 'logLevel: warn',
      'temporal:', `  embedded: { port: ${temporalPort}, uiPort: ${uiPort} }`,
      'api:', '  port: 0', '',
    ].join('\n'));
    const server = spawn(installed, ['start', '--config', file, '--no-serve-spa'], { cwd: work, env: userEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let stdout = '';
      let stderr = '';
      server.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<number | null>((resolve) => server.on('close', (code) => resolve(code)));
      await new Promise<void>((resolve, reject) => {
        server.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes('Press Ctrl-C to stop.')) resolve();
        });
        void exited.then((code) => reject(new Error(`palisade start exited (${code}) before it was ready:\n${stdout}\n${stderr}`)));
      });
      assert.match(stdout, /Review page: +not served \(--no-serve-spa\)/);
      const api = /API: +(http:\/\/127\.0\.0\.1:\d+)\/api/.exec(stdout)?.[1];
      assert.ok(api, stdout);
      assert.equal((await fetch(`${api}/health`)).status, 200);
      assert.equal((await fetch(`${api}/`)).status, 404, 'no review page');
      server.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    } finally {
      if (server.exitCode === null) server.kill('SIGKILL');
    }
  });
});
