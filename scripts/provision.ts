// `npm run provision`: makes sure both Temporal servers are available (see runtime/temporal-servers.ts).
import { provisionAll, ProvisioningError } from '../runtime/temporal-servers';

provisionAll().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`\nCannot provision the Temporal servers: ${err instanceof ProvisioningError ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
