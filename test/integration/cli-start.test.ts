// `palisade start` as an operator runs it: the spawned CLI starts the embedded Temporal dev server, the workers and
// the API from one config file; a manual sighting through the API becomes a threat workflow the CLI can show and
// audit; SIGTERM stops everything (exit 0, ports released).
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { isAlive } from '../../runtime/cluster';
import { runCli, type CliResult } from '../helpers/run-cli';
import { waitUntil } from '../helpers/wait';

const root = path.resolve(__dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'palisade-start-'));
const bin = path.join(root, 'bin/palisade.js');
const baseEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmp, PALISADE_CONTROL_TOKEN: 'start-test-token-0123456789abcdef', PALISADE_TEMPORAL_DOWNLOAD: 'never' };

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

function run(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { cwd: tmp, env: { ...baseEnv, ...env } });
}

let server: ChildProcess | undefined;

/** The relaunched process `palisade start` waits for (cli/relaunch.ts): its one child on Linux. */
function relaunchedChild(parentPid: number): { pid: number; cmdline: string[]; env: string[] } {
  const [pid] = readFileSync(`/proc/${parentPid}/task/${parentPid}/children`, 'utf8').trim().split(/\s+/).map(Number);
  assert.ok(pid, 'palisade start has a child process');
  const nul = (f: string) => readFileSync(`/proc/${pid}/${f}`, 'utf8').split('\0');
  return { pid, cmdline: nul('cmdline'), env: nul('environ') };
}

/** Waits up to 30 s for the process to exit. */
const exitOf = (pid: number, what: string) => waitUntil(async () => isAlive(pid), (running) => !running, what, 300);

function writeConfig(name: string, temporalPort: number, uiPort: number): string {
  const file = path.join(tmp, `${name}.yaml`);
  writeFileSync(file, [
    `dataDir: ${path.join(tmp, name)}`,
    'logLevel: warn',
    'temporal:',
    `  embedded: { port: ${temporalPort}, uiPort: ${uiPort} }`,
    'api:',
    '  port: 0',
    'enforcement:',
    '  enforcer: memory',
  ].join('\n'));
  return file;
}

/** Spawns `palisade start` and resolves when it says it is running. */
async function startPalisade(configFile: string, args: string[] = [], opts: { detached?: boolean } = {}) {
  const proc = spawn(process.execPath, [bin, 'start', '--config', configFile, ...args], {
    cwd: tmp, env: baseEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false,
  });
  const out = { stdout: '', stderr: '' };
  proc.stderr!.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    proc.stdout!.on('data', (d: Buffer) => {
      out.stdout += d.toString();
      if (out.stdout.includes('Press Ctrl-C to stop.')) resolve();
    });
    void exited.then((code) => reject(new Error(`palisade start exited (${code}) before it was ready:\n${out.stdout}\n${out.stderr}`)));
  });
  return { proc, out, exited };
}

void describe('[dev-server] palisade start', () => {
  after(() => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
  });

  void test('a split role without a shared cluster is refused with a clear message', async () => {
    const r = await run(['start', '--role', 'worker', '--config', '/dev/null']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--role worker .* needs a shared cluster: set temporal\.address or TEMPORAL_ADDRESS/);
    const bad = await run(['start', '--role', 'everything', '--config', '/dev/null']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Allowed choices are all, worker, enforce-worker, api/);
  });

  void test('starts embedded Temporal, workers and API; serves a sighting end to end; stops cleanly on SIGTERM', async () => {
    const [temporalPort, uiPort] = [await freePort(), await freePort()];
    const configFile = writeConfig('palisade', temporalPort, uiPort);
    const started = await startPalisade(configFile, ['--mode', 'review', '--dry-run']);
    server = started.proc;
    const { stdout } = started.out;
    const { exited } = started;

    assert.match(stdout, /Palisade is running \(role all, mode review, dry-run, namespace default\)/);
    assert.match(stdout, new RegExp(`Temporal: +127\\.0\\.0\\.1:${temporalPort} \\(embedded dev server\\)`));
    assert.match(stdout, new RegExp(`Temporal UI: +http://127\\.0\\.0\\.1:${uiPort}/namespaces/default/workflows`));
    assert.match(stdout, /Enforcer: +memory \(an in-process block set for trials and benchmarks: nothing is blocked on the network\)/);
    const apiUrl = /Review page: +(http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout)?.[1];
    assert.ok(apiUrl, stdout);

    const health = await fetch(`${apiUrl}/health`);
    assert.equal(health.status, 200);
    assert.ok(await portOpen(uiPort), 'the Temporal Web UI is served');

    const ip = '45.148.0.9';
    const sighting = await fetch(`${apiUrl}/api/sightings`, {
      method: 'POST',
      headers: { authorization: 'Bearer start-test-token-0123456789abcdef', 'content-type': 'application/json' },
      body: JSON.stringify({ ip, reason: 'manual test', submittedBy: 'start-test' }),
    });
    assert.equal(sighting.status, 202, await sighting.text());

    // The workers inside `palisade start` run the case; the CLI (another process) reads it from the same server.
    const cliEnv = { PALISADE_CONFIG: configFile };
    let show = await run(['show', ip], cliEnv);
    for (let i = 0; i < 60 && !/outcome \w+/.test(show.stdout); i++) {
      await new Promise((r) => setTimeout(r, 500));
      show = await run(['show', ip], cliEnv);
    }
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, new RegExp(`threat/${ip.replace(/\./g, '\\.')}`));
    assert.match(show.stdout, /outcome \w+/);
    const audit = await run(['audit', ip], cliEnv);
    assert.equal(audit.code, 0, audit.stderr);
    assert.match(audit.stdout, /sighting from manual/);
    assert.match(audit.stdout, /outcome: /);
    // All roles in one process: one registry, served on the API port (no worker listener of its own).
    assert.match(stdout, new RegExp(`Metrics: +${apiUrl.replace(/\./g, '\\.')}/metrics\n`));
    const metrics = await (await fetch(`${apiUrl}/metrics`)).text();
    assert.match(metrics, /^palisade_threat_outcomes_total\{outcome="\w+"\} 1$/m, 'the worker\'s outcome counter is in the API\'s registry');
    assert.match(metrics, /^palisade_policy_decisions_total\{kind="\w+"\} 1$/m);

    // It runs in a relaunched child with the worker process limits (config workers.processHeapMb, default 256).
    const child = relaunchedChild(server.pid!);
    assert.ok(child.cmdline.includes('--max-old-space-size=256'), child.cmdline.join(' '));
    assert.ok(child.env.includes('MALLOC_ARENA_MAX=2'));
    assert.ok(child.cmdline.includes('start') && child.cmdline.includes('review'), 'the same command line');

    server.kill('SIGTERM');
    assert.equal(await exited, 0, `exit code after SIGTERM; stderr:\n${started.out.stderr}`);
    assert.equal(isAlive(child.pid), false, 'the relaunched child has exited');
    assert.equal(await portOpen(temporalPort), false, 'the embedded Temporal server is stopped');
    assert.equal(await portOpen(Number(new URL(apiUrl).port)), false, 'the API is closed');
  });

  void test('Ctrl-C in a terminal (SIGINT to the whole process group) stops both processes in order, exit 0', async () => {
    const configFile = writeConfig('ctrl-c', await freePort(), await freePort());
    // Detached: a process group of its own, as a shell gives a foreground job.
    const { proc, out, exited } = await startPalisade(configFile, [], { detached: true });
    server = proc;
    const child = relaunchedChild(proc.pid!);
    // The terminal delivers SIGINT to the parent and the child; the parent relays its copy. One Ctrl-C, one stop.
    process.kill(-proc.pid!, 'SIGINT');
    assert.equal(await exited, 0, `exit code after Ctrl-C; stderr:\n${out.stderr}`);
    assert.doesNotMatch(out.stderr, /exiting without waiting/);
    await exitOf(child.pid, 'the child has exited');
  });

  void test('if the parent is killed, the relaunched child stops in order instead of running on unsupervised', async () => {
    const temporalPort = await freePort();
    const configFile = writeConfig('orphan', temporalPort, await freePort());
    const { proc, out } = await startPalisade(configFile);
    server = proc;
    const child = relaunchedChild(proc.pid!);
    proc.kill('SIGKILL');
    await exitOf(child.pid, `the child stopped after its parent was killed; stderr:\n${out.stderr}`);
    assert.equal(await portOpen(temporalPort), false, 'its embedded Temporal server is stopped');
  });
});
