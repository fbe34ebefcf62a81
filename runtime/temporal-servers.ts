// Finds (or provisions) the Temporal CLI dev server and the Java time-skipping test server.
//
// Resolution order, per server:
//   1. an explicit path from the environment (PALISADE_TEMPORAL_CLI / PALISADE_TEMPORAL_TEST_SERVER);
//   2. a cache outside the repository, shared by every clone on the machine (~/.cache/palisade/temporal);
//   3. the SDK's own download, when its download site answers (machines with internet access);
//   4. a build from package registries: `go install` for the CLI, Maven Central for the test server.
// Step 4 takes minutes the first time; it is serialised with a lock so concurrent test processes wait for one build.
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import lockfile from 'proper-lockfile';
import type { EphemeralServerExecutable } from '@temporalio/testing/lib/ephemeral-server';

export const TEMPORAL_CLI_VERSION = '1.5.1';
export const TEST_SERVER_VERSION = '1.38.0';
const DOWNLOAD_PROBE_URL = 'https://temporal.download/';

export type ServerKind = 'cli' | 'test-server';

/**
 * Extra `temporal server start-dev` arguments for every dev server Palisade starts (embedded, tests, benchmarks):
 * SQLite in WAL mode with synchronous=NORMAL, as Temporal's own SDK load tests run it. The default rollback journal
 * with full fsync serialises every write on the disk; WAL lets readers and the writer proceed together. A crash
 * of the machine (not of the process) can lose the last moments of writes, which the dev server's use tolerates.
 */
export const DEV_SERVER_SQLITE_ARGS: readonly string[] = ['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=NORMAL'];

export class ProvisioningError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProvisioningError';
  }
}

export function cacheRoot(): string {
  if (process.env.PALISADE_CACHE_DIR) return path.resolve(process.env.PALISADE_CACHE_DIR);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'palisade');
}

const cliDir = () => path.join(cacheRoot(), 'temporal', `cli-v${TEMPORAL_CLI_VERSION}`);
const testServerDir = () => path.join(cacheRoot(), 'temporal', `test-server-${TEST_SERVER_VERSION}`);
export const cachedPath = (kind: ServerKind) =>
  kind === 'cli' ? path.join(cliDir(), 'temporal') : path.join(testServerDir(), 'temporal-test-server');

export type Progress = (line: string) => void;
export const defaultProgress: Progress = (line) => process.stderr.write(`[palisade:provision] ${line}\n`);

export interface ResolvedServer {
  kind: ServerKind;
  executable: EphemeralServerExecutable;
  /** Path on disk when known (not for SDK downloads). */
  path?: string;
  via: 'env' | 'cache' | 'sdk-download' | 'built';
}

/** Resolves the executable for one server kind, provisioning it if needed. */
export async function resolveTemporalServer(kind: ServerKind, progress: Progress = defaultProgress): Promise<ResolvedServer> {
  const envVar = kind === 'cli' ? 'PALISADE_TEMPORAL_CLI' : 'PALISADE_TEMPORAL_TEST_SERVER';
  const fromEnv = process.env[envVar];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new ProvisioningError(`${envVar}=${fromEnv} does not exist. Point it at the ${describe(kind)} or unset it.`);
    return { kind, executable: { type: 'existing-path', path: fromEnv }, path: fromEnv, via: 'env' };
  }
  const cached = cachedPath(kind);
  if (await isReady(cached)) return { kind, executable: { type: 'existing-path', path: cached }, path: cached, via: 'cache' };

  if (process.env.PALISADE_TEMPORAL_DOWNLOAD !== 'never' && (await sdkDownloadReachable())) {
    progress(`${describe(kind)}: not cached; using the Temporal SDK's own download`);
    // 'default' is the server version the pinned SDK (1.24.0) was released against.
    return { kind, executable: { type: 'cached-download', version: 'default', downloadDir: path.join(cacheRoot(), 'temporal', 'sdk-downloads') }, via: 'sdk-download' };
  }
  await buildWithLock(kind, progress);
  return { kind, executable: { type: 'existing-path', path: cached }, path: cached, via: 'built' };
}

function describe(kind: ServerKind) {
  return kind === 'cli' ? `Temporal CLI v${TEMPORAL_CLI_VERSION} (dev server)` : `Temporal time-skipping test server ${TEST_SERVER_VERSION}`;
}

/** An executable that a completed provisioning step left (its `.ok` marker is written last). */
export async function isReady(p: string) {
  try {
    await fs.access(p, fs.constants.X_OK);
    return existsSync(`${p}.ok`);
  } catch {
    return false;
  }
}

async function sdkDownloadReachable(): Promise<boolean> {
  try {
    const res = await fetch(DOWNLOAD_PROBE_URL, { method: 'HEAD', signal: AbortSignal.timeout(3000) });
    return res.status < 500;
  } catch {
    return false;
  }
}

async function buildWithLock(kind: ServerKind, progress: Progress) {
  await buildOnce(kind === 'cli' ? cliDir() : testServerDir(), cachedPath(kind), describe(kind), progress, (dir) =>
    kind === 'cli' ? buildCli(dir, progress) : fetchTestServer(dir, progress));
}

/**
 * Runs `build` into `dir` unless `readyPath` is already provisioned, serialised across processes by a lock in `dir`
 * (a second process waits, then finds the first one's result). Marks `readyPath` provisioned when `build` succeeds.
 */
export async function buildOnce(dir: string, readyPath: string, label: string, progress: Progress, build: (dir: string) => Promise<void>) {
  await fs.mkdir(dir, { recursive: true });
  progress(`${label}: waiting for the provisioning lock in ${dir}`);
  const release = await lockfile.lock(dir, {
    lockfilePath: path.join(dir, '.lock'),
    stale: 60_000,
    update: 10_000,
    retries: { retries: 400, minTimeout: 1000, maxTimeout: 3000, factor: 1.2 },
  });
  try {
    // Another process may have finished while we waited.
    if (await isReady(readyPath)) return;
    await build(dir);
    await fs.writeFile(`${readyPath}.ok`, new Date().toISOString());
    progress(`${label}: ready at ${readyPath}`);
  } finally {
    await release();
  }
}

const VERSION_ARGS: Record<string, string[]> = { go: ['version'], java: ['-version'], mvn: ['-v'] };

export async function requireTool(tool: string, hint: string) {
  try {
    await run(tool, VERSION_ARGS[tool] ?? ['--version'], { quiet: true });
  } catch {
    throw new ProvisioningError(`'${tool}' was not found on PATH. ${hint}`);
  }
}

async function buildCli(dir: string, progress: Progress) {
  await requireTool('go', `Install Go (apt-get install golang or https://go.dev/dl), or set PALISADE_TEMPORAL_CLI to an existing 'temporal' binary (v${TEMPORAL_CLI_VERSION}).`);
  progress(`${describe('cli')}: building with 'go install github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}' (first time only; takes several minutes)`);
  const gobin = path.join(dir, 'build');
  await run('go', ['install', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`], {
    env: { ...process.env, GOBIN: gobin, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
    progress,
  });
  await fs.rename(path.join(gobin, 'temporal'), cachedPath('cli'));
  await fs.rm(gobin, { recursive: true, force: true });
}

async function fetchTestServer(dir: string, progress: Progress) {
  await requireTool('java', 'Install a Java 17+ runtime (apt-get install openjdk-17-jre-headless), or set PALISADE_TEMPORAL_TEST_SERVER.');
  await requireTool('mvn', 'Install Maven (apt-get install maven), or set PALISADE_TEMPORAL_TEST_SERVER to an existing temporal-test-server.');
  progress(`${describe('test-server')}: fetching io.temporal:temporal-test-server:${TEST_SERVER_VERSION} and its runtime dependencies from Maven Central`);
  const pom = `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>dev.palisade</groupId><artifactId>temporal-test-server-fetch</artifactId><version>1</version><packaging>pom</packaging>
<dependencies>
 <dependency><groupId>io.temporal</groupId><artifactId>temporal-test-server</artifactId><version>${TEST_SERVER_VERSION}</version></dependency>
 <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-nop</artifactId><version>1.7.36</version></dependency>
</dependencies></project>\n`;
  await fs.writeFile(path.join(dir, 'pom.xml'), pom);
  const lib = path.join(dir, 'lib');
  await fs.rm(lib, { recursive: true, force: true });
  await run('mvn', ['-B', '-q', '-f', path.join(dir, 'pom.xml'), 'dependency:copy-dependencies', '-DincludeScope=runtime', `-DoutputDirectory=${lib}`], { progress });
  // sdk-core passes only "<port>" and kills the process it spawned after tests, so the wrapper must exec java.
  // The JIT flags shorten JVM start-up: sdk-core waits only 5 s for the server to answer.
  const wrapper = `#!/bin/sh\nexec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xss2m -cp '${lib}/*' io.temporal.testserver.TestServer "$@"\n`;
  await fs.writeFile(cachedPath('test-server'), wrapper, { mode: 0o755 });
}

/** Runs a build step; resolves with its standard output, rejects with the last lines it printed. */
export function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; progress?: Progress; quiet?: boolean; cwd?: string }) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    let stdout = '';
    child.stdout.on('data', (buf: Buffer) => { if (stdout.length < 1_000_000) stdout += buf.toString(); });
    const onData = (buf: Buffer) => {
      for (const line of buf.toString().split('\n')) {
        if (!line.trim()) continue;
        tail.push(line);
        if (tail.length > 30) tail.shift();
        if (!opts.quiet && opts.progress && /downloading|error|BUILD|WARN/i.test(line)) opts.progress(`  ${line.slice(0, 160)}`);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const started = Date.now();
    const ticker = opts.quiet ? undefined : setInterval(() => opts.progress?.(`  ... still working (${Math.round((Date.now() - started) / 1000)} s)`), 30_000);
    child.on('error', (err) => {
      if (ticker) clearInterval(ticker);
      reject(new ProvisioningError(`could not run ${cmd}: ${err.message}`));
    });
    child.on('close', (code) => {
      if (ticker) clearInterval(ticker);
      if (code === 0) resolve(stdout);
      else reject(new ProvisioningError(`${cmd} ${args.join(' ')} failed with exit code ${code}:\n${tail.join('\n')}`));
    });
  });
}

/** Both servers, provisioned up front (used by `npm test` before the suites start, and by `palisade provision`). */
export async function provisionAll(progress: Progress = defaultProgress) {
  const results = [];
  for (const kind of ['test-server', 'cli'] as const) {
    const r = await resolveTemporalServer(kind, progress);
    progress(`${describe(kind)}: ${r.via}${r.path ? ` (${r.path})` : ''}`);
    results.push(r);
  }
  return results;
}
