// Starts a real OpenSSH server on 127.0.0.1 standing in for a pfSense box: generated host and client keys, an
// authorized_keys file in a temp dir, root login by key only, and PFSENSE_FAKE_DIR set for every session through
// sshd's SetEnv, so the fake php / pfctl in ./bin keep their state in `stateDir`. Needs root and /usr/sbin/sshd.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const FAKE_BIN_DIR = path.join(__dirname, 'bin');

export interface FakePfSenseSshd {
  port: number;
  /** "SHA256:..." as ssh-keygen -lf prints it. */
  hostKeySha256: string;
  /** OpenSSH private key of the authorised client. */
  clientKey: string;
  /** A key sshd does not accept. */
  strangerKey: string;
  stateDir: string;
  close(): Promise<void>;
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

function keygen(file: string) {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'palisade-test', '-f', file]);
}

/** Resolves once something accepts TCP connections on the port (sshd is listening), or rejects if sshd exits. */
function waitListening(port: number, child: ChildProcess, log: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    let done = false;
    const onExit = (code: number | null) => {
      if (!done) {
        done = true;
        reject(new Error(`sshd exited (${code}) before listening: ${log()}`));
      }
    };
    child.once('exit', onExit);
    const attempt = () => {
      if (done) return;
      const sock = net.connect(port, '127.0.0.1');
      sock.once('connect', () => {
        sock.destroy();
        done = true;
        child.off('exit', onExit);
        resolve();
      });
      sock.once('error', () => {
        sock.destroy();
        setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export async function startFakePfSenseSshd(initialConfig: unknown = { config: {} }): Promise<FakePfSenseSshd> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'palisade-sshd-'));
  const stateDir = path.join(dir, 'state');
  mkdirSync(stateDir);
  writeFileSync(path.join(stateDir, 'config.json'), JSON.stringify(initialConfig));
  keygen(path.join(dir, 'host_ed25519'));
  keygen(path.join(dir, 'client_ed25519'));
  keygen(path.join(dir, 'stranger_ed25519'));
  writeFileSync(path.join(dir, 'authorized_keys'), readFileSync(path.join(dir, 'client_ed25519.pub')));
  const hostKeySha256 = execFileSync('ssh-keygen', ['-lf', path.join(dir, 'host_ed25519.pub')]).toString().split(' ')[1];
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // privilege separation directory sshd insists on
  const port = await freePort();
  const cfg = path.join(dir, 'sshd_config');
  writeFileSync(cfg, [
    'ListenAddress 127.0.0.1',
    `HostKey ${path.join(dir, 'host_ed25519')}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${path.join(dir, 'authorized_keys')}`,
    'PermitRootLogin prohibit-password',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    `SetEnv PFSENSE_FAKE_DIR=${stateDir}`,
    'LogLevel VERBOSE',
    '',
  ].join('\n'));
  const child = spawn('/usr/sbin/sshd', ['-D', '-e', '-f', cfg, '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log = (log + d.toString()).slice(-4000)));
  await waitListening(port, child, () => log);
  return {
    port,
    hostKeySha256,
    clientKey: readFileSync(path.join(dir, 'client_ed25519'), 'utf8'),
    strangerKey: readFileSync(path.join(dir, 'stranger_ed25519'), 'utf8'),
    stateDir,
    async close() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
