// A private PostgreSQL cluster in a directory (initdb + pg_ctl from Debian's packages), listening on one loopback
// port only. PostgreSQL refuses to run as root, so when we are root its tools run as the `postgres` user.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { DB_USER, newestPostgresMajor } from '../../domain/cluster';
import { ProvisioningError } from '../temporal-servers';

const DEBIAN_ROOT = '/usr/lib/postgresql';

/** Directory with initdb and pg_ctl: $PALISADE_POSTGRES_BIN, else the newest /usr/lib/postgresql/<major>/bin. */
export function postgresBinDir(): string {
  const fromEnv = process.env.PALISADE_POSTGRES_BIN;
  if (fromEnv) {
    if (!existsSync(path.join(fromEnv, 'initdb'))) throw new ProvisioningError(`PALISADE_POSTGRES_BIN=${fromEnv} has no initdb`);
    return fromEnv;
  }
  const majors = existsSync(DEBIAN_ROOT) ? readdirSync(DEBIAN_ROOT).filter((m) => existsSync(path.join(DEBIAN_ROOT, m, 'bin', 'initdb'))) : [];
  const major = newestPostgresMajor(majors);
  if (!major) {
    throw new ProvisioningError(`PostgreSQL server binaries were not found under ${DEBIAN_ROOT}/*/bin: apt-get install postgresql (or set PALISADE_POSTGRES_BIN to the directory holding initdb and pg_ctl)`);
  }
  return path.join(DEBIAN_ROOT, major, 'bin');
}

interface RunAs { uid: number; gid: number }

/** The `postgres` user when we are root (PostgreSQL will not run as root), else ourselves. */
function runAs(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
  const uid = id('-u');
  const gid = id('-g');
  if (uid.status !== 0 || gid.status !== 0) {
    throw new ProvisioningError('running as root, and there is no `postgres` user to run PostgreSQL as (apt-get install postgresql creates it)');
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function pg(bin: string, args: string[], user: RunAs | undefined): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      ...(user ?? {}), stdio: ['ignore', 'pipe', 'pipe'],
      // A HOME the postgres user can read; LC_ALL so initdb does not depend on the caller's locale.
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/tmp', LC_ALL: 'C.UTF-8' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', (err) => reject(new ProvisioningError(`could not run ${bin}: ${err.message}`)));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

export interface PostgresCluster {
  dataDir: string;
  port: number;
  /** True when this call created the cluster (initdb). */
  init(): Promise<boolean>;
  start(): Promise<void>;
  stop(): Promise<void>;
  isRunning(): Promise<boolean>;
  logFile: string;
}

export function postgresCluster(dataDir: string, port: number): PostgresCluster {
  const bin = postgresBinDir();
  const user = runAs();
  const logFile = path.join(dataDir, 'postgres.log');
  const pgCtl = (args: string[]) => pg(path.join(bin, 'pg_ctl'), ['-D', dataDir, ...args], user);
  return {
    dataDir, port, logFile,
    async init() {
      if (existsSync(path.join(dataDir, 'PG_VERSION'))) return false;
      await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
      if (user) {
        await fs.chown(dataDir, user.uid, user.gid);
        // Every parent must be traversable by the postgres user, or initdb fails with a bare "Permission denied".
        const reach = await pg('/usr/bin/test', ['-w', dataDir], user);
        if (reach.code !== 0) {
          throw new ProvisioningError(`the postgres user cannot reach ${dataDir}: a parent directory is not traversable by other users; choose a --dir whose parents are (e.g. under /var/lib or /tmp), or chmod o+x them`);
        }
      }
      const r = await pg(path.join(bin, 'initdb'), ['-D', dataDir, '-A', 'trust', '-U', DB_USER, '-E', 'UTF8', '--locale=C.UTF-8'], user);
      if (r.code !== 0) throw new ProvisioningError(`initdb failed:\n${r.output.slice(-2000)}`);
      return true;
    },
    async start() {
      if (await this.isRunning()) return;
      // TCP on loopback only, no Unix socket (its path would depend on the data directory's length).
      const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=200`;
      const r = await pgCtl(['-l', logFile, '-o', options, '-w', '-t', '60', 'start']);
      if (r.code !== 0) {
        const log = await fs.readFile(logFile, 'utf8').catch(() => '');
        throw new ProvisioningError(`PostgreSQL did not start on 127.0.0.1:${port}:\n${r.output.slice(-1000)}\n${log.slice(-1500)}`);
      }
    },
    async stop() {
      if (!(await this.isRunning())) return;
      const r = await pgCtl(['-m', 'fast', '-w', '-t', '60', 'stop']);
      if (r.code !== 0) throw new ProvisioningError(`pg_ctl stop failed:\n${r.output.slice(-1000)}`);
    },
    async isRunning() {
      if (!existsSync(path.join(dataDir, 'PG_VERSION'))) return false;
      return (await pgCtl(['status'])).code === 0;
    },
  };
}
