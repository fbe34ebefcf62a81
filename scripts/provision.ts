// `npm run provision` (and the first step of `npm test`): makes sure the Temporal servers are available: the dev
// server and the time-skipping test server (runtime/temporal-servers.ts), and the server + SQL tool that
// `palisade cluster` and the [cluster] tests run (runtime/cluster/binaries.ts). Built once, before any test runs,
// so no test waits on a build.
import { resolveClusterBinaries } from '../runtime/cluster/binaries';
import { provisionAll, ProvisioningError } from '../runtime/temporal-servers';

async function main() {
  await provisionAll();
  const cluster = await resolveClusterBinaries();
  process.stderr.write(`[palisade:provision] Temporal server (cluster): ${cluster.via} (${cluster.server})\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`\nCannot provision the Temporal servers: ${err instanceof ProvisioningError ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
