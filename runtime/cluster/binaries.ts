// The Temporal server, its SQL schema tool and the PostgreSQL schemas of the same release, for `palisade cluster`.
// Resolved like the dev server (runtime/temporal-servers.ts): an explicit path from the environment, else the shared
// cache (~/.cache/palisade/temporal/server-v<version>), else built once with `go install` from the Go module proxy
// (a few minutes the first time; faster when the CLI's build already filled the Go cache).
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { TEMPORAL_SERVER_VERSION } from '../../domain/cluster';
import { buildOnce, cacheRoot, defaultProgress, isReady, ProvisioningError, requireTool, run, type Progress } from '../temporal-servers';

export interface ClusterBinaries {
  server: string;
  sqlTool: string;
  /** schema/postgresql/v12 of the same server release: temporal/versioned and visibility/versioned. */
  schemaDir: string;
  via: 'env' | 'cache' | 'built';
}

const MODULE = 'go.temporal.io/server';
const serverDir = () => path.join(cacheRoot(), 'temporal', `server-v${TEMPORAL_SERVER_VERSION}`);
const cached = () => ({
  server: path.join(serverDir(), 'temporal-server'),
  sqlTool: path.join(serverDir(), 'temporal-sql-tool'),
  schemaDir: path.join(serverDir(), 'schema', 'postgresql', 'v12'),
});
const label = `Temporal server v${TEMPORAL_SERVER_VERSION} (PostgreSQL)`;

/** Environment overrides; all three together, since a schema must belong to the server that reads it. */
const ENV = { server: 'PALISADE_TEMPORAL_SERVER', sqlTool: 'PALISADE_TEMPORAL_SQL_TOOL', schemaDir: 'PALISADE_TEMPORAL_SCHEMA_DIR' } as const;

export async function resolveClusterBinaries(progress: Progress = defaultProgress): Promise<ClusterBinaries> {
  const fromEnv = Object.values(ENV).filter((v) => process.env[v]);
  if (fromEnv.length > 0) {
    const missing = Object.values(ENV).filter((v) => !process.env[v]);
    if (missing.length > 0) throw new ProvisioningError(`${fromEnv.join(', ')} set but not ${missing.join(', ')}: set all three (server, SQL tool, and that server's schema/postgresql/v12 directory) or none.`);
    const out = { server: process.env[ENV.server]!, sqlTool: process.env[ENV.sqlTool]!, schemaDir: process.env[ENV.schemaDir]! };
    for (const [k, p] of Object.entries(out)) {
      if (!existsSync(p)) throw new ProvisioningError(`${ENV[k as keyof typeof ENV]}=${p} does not exist.`);
    }
    return { ...out, via: 'env' };
  }
  const c = cached();
  if (await isReady(c.server)) return { ...c, via: 'cache' };
  await buildOnce(serverDir(), c.server, label, progress, (dir) => buildServer(dir, progress));
  return { ...c, via: 'built' };
}

async function buildServer(dir: string, progress: Progress) {
  await requireTool('go', `Install Go (apt-get install golang), or set ${ENV.server}, ${ENV.sqlTool} and ${ENV.schemaDir}.`);
  const env = { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };
  const gobin = path.join(dir, 'build');
  progress(`${label}: building with 'go install ${MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION} ${MODULE}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}' (first time only; about 3 minutes)`);
  await run('go', ['install', `${MODULE}/cmd/server@v${TEMPORAL_SERVER_VERSION}`, `${MODULE}/cmd/tools/sql@v${TEMPORAL_SERVER_VERSION}`], {
    env: { ...env, GOBIN: gobin }, progress, cwd: dir,
  });
  // The schemas ship in the module source, which `go install` just put in the module cache.
  const info = JSON.parse(await run('go', ['mod', 'download', '-json', `${MODULE}@v${TEMPORAL_SERVER_VERSION}`], { env, quiet: true, cwd: dir })) as { Dir?: string };
  const moduleSchema = info.Dir && path.join(info.Dir, 'schema', 'postgresql', 'v12');
  if (!moduleSchema || !existsSync(path.join(moduleSchema, 'temporal', 'versioned'))) {
    throw new ProvisioningError(`${MODULE}@v${TEMPORAL_SERVER_VERSION} has no schema/postgresql/v12 in the Go module cache (${info.Dir ?? 'not found'})`);
  }
  const c = cached();
  await fs.rm(path.join(dir, 'schema'), { recursive: true, force: true });
  await fs.cp(moduleSchema, c.schemaDir, { recursive: true });
  // The module cache is read-only; the copy must not be, or the next build cannot replace it.
  await run('chmod', ['-R', 'u+w', path.join(dir, 'schema')], { quiet: true });
  await fs.rename(path.join(gobin, 'sql'), c.sqlTool);
  await fs.rename(path.join(gobin, 'server'), c.server);
  await fs.rm(gobin, { recursive: true, force: true });
}
