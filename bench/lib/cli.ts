// Command-line options common to the benchmarks.
import { Command, InvalidArgumentError } from 'commander';
import { workersSchema, type WorkersConfig } from '../../domain/config/workers';

export interface CommonOptions {
  json: boolean;
  address?: string;
  namespace: string;
  concurrency: number;
  /** Worker options over the configured defaults (config `workers`), as JSON. */
  workers: Partial<WorkersConfig>;
  /** --max-old-space-size of the worker process, MB. */
  maxOldSpaceMb?: number;
}

export const positiveInt = (what: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${what} must be a positive integer`);
  return n;
};

function workersJson(v: string): Partial<WorkersConfig> {
  let raw: unknown;
  try {
    raw = JSON.parse(v);
  } catch {
    throw new InvalidArgumentError('--workers takes JSON, e.g. \'{"maxCachedWorkflows":1000}\'');
  }
  const r = workersSchema.safeParse(raw);
  if (!r.success) throw new InvalidArgumentError(r.error.issues.map((i) => `workers.${i.path.join('.')}: ${i.message}`).join('; '));
  return raw as Partial<WorkersConfig>;
}

export function benchCommand(name: string, description: string, nDefault: number): Command {
  return new Command(name)
    .description(description)
    .argument('[N]', 'how many IPs', positiveInt('N'), nDefault)
    .option('--json', 'print one JSON line at the end instead of the table', false)
    .option('--address <host:port>', 'run against this Temporal server instead of starting the embedded dev server')
    .option('--namespace <name>', 'namespace (with --address it must exist)', 'default')
    .option('--concurrency <n>', 'sightings submitted at once', positiveInt('--concurrency'), 20)
    .option('--workers <json>', 'worker options over the configured defaults (config `workers`)', workersJson, {})
    .option('--max-old-space-mb <mb>', 'V8 heap limit of the worker process (node --max-old-space-size)', positiveInt('--max-old-space-mb'))
    .showHelpAfterError();
}
