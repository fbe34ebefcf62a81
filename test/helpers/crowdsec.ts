// A real CrowdSec Local API for tests: Debian's crowdsec 1.4.6 unpacked by scripts/ensure-crowdsec.sh (never
// installed), run with its own config directory, the LAPI on a free loopback port, no agent and no online API.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CrowdSecLapi {
  url: string;
  /** A bouncer API key registered with `cscli bouncers add`. */
  bouncerKey: string;
  cscli(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export async function startCrowdSec(): Promise<CrowdSecLapi> {
  const root = execFileSync('bash', [path.resolve(__dirname, '../../scripts/ensure-crowdsec.sh')], { encoding: 'utf8' }).trim();
  const bin = (name: string) => path.join(root, 'usr/bin', name);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'palisade-crowdsec-'));
  await mkdir(path.join(dir, 'data'));
  await mkdir(path.join(dir, 'hub'));
  for (const f of ['profiles.yaml', 'simulation.yaml']) await copyFile(path.join(root, 'etc/crowdsec', f), path.join(dir, f));
  const port = await freePort();
  const config = path.join(dir, 'config.yaml');
  await writeFile(config, [
    'common: { daemonize: false, log_media: stdout, log_level: info }',
    'config_paths:',
    `  config_dir: ${dir}/`, `  data_dir: ${dir}/data/`, `  simulation_path: ${dir}/simulation.yaml`,
    `  hub_dir: ${dir}/hub/`, `  index_path: ${dir}/hub/.index.json`,
    `crowdsec_service: { acquisition_path: ${dir}/acquis.yaml }`,
    'cscli: { output: human }',
    `db_config: { log_level: info, type: sqlite, use_wal: true, db_path: ${dir}/data/crowdsec.db }`,
    'api:',
    `  client: { insecure_skip_verify: false, credentials_path: ${dir}/local_api_credentials.yaml }`,
    `  server: { log_level: info, listen_uri: "127.0.0.1:${port}", profiles_path: ${dir}/profiles.yaml }`,
    'prometheus: { enabled: false }',
    '',
  ].join('\n'));
  let output = '';
  const child: ChildProcess = spawn(bin('crowdsec'), ['-c', config, '-no-cs', '-no-capi'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`crowdsec exited (${child.exitCode}): ${output.slice(-2000)}`);
      const up = await fetch(`${url}/v1/decisions`).then((r) => r.status, () => 0);
      if (up === 403) break;
      if (Date.now() > deadline) throw new Error(`crowdsec LAPI did not come up: ${output.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const cscli = async (args: string[]) => (await run(bin('cscli'), ['-c', config, ...args], { timeout: 60_000 })).stdout;
    await cscli(['machines', 'add', 'palisade-test', '--auto']);
    const bouncerKey = (await cscli(['bouncers', 'add', 'palisade', '-o', 'raw'])).trim();
    return { url, bouncerKey, cscli, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
