// The persistence and visibility databases and their schemas, with the server release's own SQL tool and schema
// files (what temporal-compose.yml's temporal-schema job does with admin-tools). Re-running is safe: existing
// databases are kept, and update-schema applies only the versions a database does not have yet (upgrades).
import path from 'node:path';
import { DATABASES, DB_USER, PERSISTENCE_PLUGIN } from '../../domain/cluster';
import { ProvisioningError, run } from '../temporal-servers';
import type { ClusterBinaries } from './binaries';

type Say = (line: string) => void;

export async function applySchemas(bin: ClusterBinaries, pgPort: number, say: Say): Promise<void> {
  const sql = (db: string, args: string[]) =>
    run(bin.sqlTool, ['--plugin', PERSISTENCE_PLUGIN, '--ep', '127.0.0.1', '-p', String(pgPort), '-u', DB_USER, '--db', db, ...args], { quiet: true });
  for (const [db, schema] of [[DATABASES.temporal, 'temporal'], [DATABASES.visibility, 'visibility']] as const) {
    // Both are no-ops on a database that has them (create-database tolerates an existing database; setup-schema
    // -v 0.0 only creates the version bookkeeping and skips when a newer schema is there).
    await sql(db, ['create-database']);
    await sql(db, ['setup-schema', '-v', '0.0']);
    const dir = path.join(bin.schemaDir, schema, 'versioned');
    try {
      await sql(db, ['update-schema', '-d', dir]);
    } catch (err) {
      throw new ProvisioningError(`schema ${db}: update-schema from ${dir} failed: ${(err as Error).message}`);
    }
    say(`schema ${db}: database present, schema up to date with ${dir}`);
  }
}
