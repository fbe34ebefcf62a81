// `palisade cluster start|stop|status`: a local Temporal server on PostgreSQL, shaped like temporal-compose.yml, for
// running Palisade's roles as separate processes on one machine (runtime/cluster/). The directory defaults to
// <dataDir>/cluster; the namespace to temporal.namespace.
import path from 'node:path';
import { Option, type Command } from 'commander';
import { clusterOptionsSchema, clusterPorts } from '../../domain/cluster';
import { CliError, EXIT, globals, loadCliConfig } from '../context';
import type * as ClusterModule from '../../runtime/cluster';

interface ClusterCliOptions {
  dir?: string;
  port?: string;
  shards?: string;
  namespace?: string;
}

const say = (line: string) => process.stdout.write(`${line}\n`);

function clusterDir(cmd: Command, o: ClusterCliOptions) {
  const config = loadCliConfig(globals(cmd));
  return { config, dir: path.resolve(o.dir ?? path.join(config.dataDir, 'cluster')) };
}

function intOption(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new CliError(`${flag} must be a whole number, got "${value}"`, EXIT.usage);
  return Number(value);
}

export function registerClusterCommands(program: Command) {
  const cluster = program
    .command('cluster')
    .description('a local Temporal server on PostgreSQL (production-shaped, like temporal-compose.yml)');
  const dirOption = () => new Option('--dir <dir>', 'cluster directory (default <dataDir>/cluster)');

  cluster
    .command('start')
    .description('build what is missing, then start PostgreSQL and the Temporal server; set up schemas, namespace, search attributes')
    .addOption(dirOption())
    .option('--port <port>', 'frontend gRPC port on 127.0.0.1; the other ports follow from it (see `cluster status`)', '7233')
    .option('--shards <n>', 'history shards (fixed when the cluster is created)', '4')
    .option('--namespace <namespace>', 'namespace to create (default temporal.namespace)')
    .action(async (o: ClusterCliOptions, cmd: Command) => {
      const { config, dir } = clusterDir(cmd, o);
      const parsed = clusterOptionsSchema.safeParse({
        port: intOption(o.port, '--port'), shards: intOption(o.shards, '--shards'), namespace: o.namespace ?? config.temporal.namespace,
      });
      if (!parsed.success) {
        throw new CliError(parsed.error.issues.map((i) => `--${String(i.path[0])}: ${i.message}`).join('; '), EXIT.usage);
      }
      // Loaded only when run: the Temporal client takes a moment to load that `--help` and bad input need not pay.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { startCluster } = require('../../runtime/cluster') as typeof ClusterModule;
      const info = await startCluster(dir, parsed.data, say);
      say(`Run Palisade against it:\n  TEMPORAL_ADDRESS=${info.address} TEMPORAL_NAMESPACE=${info.namespace} palisade start --role worker\n  TEMPORAL_ADDRESS=${info.address} TEMPORAL_NAMESPACE=${info.namespace} palisade start --role api`);
      say(`Stop it with: palisade cluster stop${o.dir ? ` --dir ${dir}` : ''}`);
    });

  cluster
    .command('stop')
    .description('stop the Temporal server, then PostgreSQL (data is kept)')
    .addOption(dirOption())
    .action(async (o: ClusterCliOptions, cmd: Command) => {
      const { dir } = clusterDir(cmd, o);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { stopCluster } = require('../../runtime/cluster') as typeof ClusterModule;
      await stopCluster(dir, say);
    });

  cluster
    .command('status')
    .description('whether the server and PostgreSQL run, and where')
    .addOption(dirOption())
    .option('--json', 'one JSON object')
    .action(async (o: ClusterCliOptions & { json?: boolean }, cmd: Command) => {
      const { dir } = clusterDir(cmd, o);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { clusterStatus } = require('../../runtime/cluster') as typeof ClusterModule;
      const s = await clusterStatus(dir);
      if (o.json) {
        say(JSON.stringify(s));
      } else if (!s.exists) {
        say(`no cluster in ${dir} (palisade cluster start creates one)`);
      } else {
        const ports = clusterPorts(Number(s.address!.split(':')[1]));
        say(`cluster ${dir}`);
        say(`  Temporal server: ${s.server.running ? `running (pid ${s.server.pid})` : 'stopped'}; frontend ${s.address}, history ${ports.history}, matching ${ports.matching}, worker ${ports.worker}, metrics ${ports.metrics}`);
        say(`  PostgreSQL:      ${s.postgres.running ? 'running' : 'stopped'} on 127.0.0.1:${s.postgres.port}`);
        say(`  history shards:  ${s.shards}; namespaces: ${s.namespaces.join(', ') || '(none yet)'}`);
      }
      // Scripts can test `palisade cluster status` like a service check.
      if (!s.server.running || !s.postgres.running) throw new CliError('the cluster is not running', EXIT.unavailable);
    });
}
