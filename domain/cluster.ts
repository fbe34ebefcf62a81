// The local production-shaped Temporal cluster of `palisade cluster` (runtime/cluster/): what it runs and on which
// loopback ports. Pure, so the layout and the server configuration are tested without starting anything.
import { z } from 'zod';

/** The server release `palisade cluster` builds; temporal-compose.yml deploys the same one (checked by a test). */
export const TEMPORAL_SERVER_VERSION = '1.29.1';
/** The server's SQL plugin and the schema directory (schema/postgresql/<dir>) that go with it. */
export const PERSISTENCE_PLUGIN = 'postgres12';
export const SCHEMA_SUBDIR = 'v12';
/** The two databases: persistence and (SQL) visibility. */
export const DATABASES = { temporal: 'temporal', visibility: 'temporal_visibility' } as const;
export const DB_USER = 'temporal';

// The derived ports reach 300 below and 767 above the frontend port (clusterPorts); all stay unprivileged. The
// server stores membership ports in a PostgreSQL smallint: every one of them must stay at or below 32767.
const MEMBERSHIP_OFFSETS = { frontend: -300, history: -299, matching: -298, worker: -294 } as const;
export const MAX_FRONTEND_PORT = 32_767 - Math.max(...Object.values(MEMBERSHIP_OFFSETS));
const port = z.number().int().min(1024 + 300).max(MAX_FRONTEND_PORT);

export const clusterOptionsSchema = z.strictObject({
  /** Frontend gRPC port (what TEMPORAL_ADDRESS points at); every other port is derived from it (clusterPorts). */
  port: port.default(7233),
  /** History shards: fixed when the cluster is created (Temporal cannot re-shard). */
  shards: z.number().int().min(1).max(16_384).default(4),
  namespace: z.string().min(1).max(255).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-"').default('default'),
  retentionDays: z.number().int().min(1).max(3650).default(30),
});
export type ClusterOptions = z.infer<typeof clusterOptionsSchema>;

export interface ClusterPorts {
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  /** Ringpop membership, one per service. */
  membership: { frontend: number; history: number; matching: number; worker: number };
  metrics: number;
  postgres: number;
}

/**
 * Every loopback port of the cluster, from the frontend port. With the default 7233 the Temporal services get the
 * ports of Temporal's own development configuration (7234/7235/7239, 6933.., 7243, metrics 8000); PostgreSQL gets
 * frontend + 20 so it never meets a system PostgreSQL on 5432.
 */
export function clusterPorts(frontend: number): ClusterPorts {
  return {
    frontend,
    frontendHttp: frontend + 10,
    history: frontend + 1,
    matching: frontend + 2,
    worker: frontend + 6,
    membership: {
      frontend: frontend + MEMBERSHIP_OFFSETS.frontend, history: frontend + MEMBERSHIP_OFFSETS.history,
      matching: frontend + MEMBERSHIP_OFFSETS.matching, worker: frontend + MEMBERSHIP_OFFSETS.worker,
    },
    metrics: frontend + 767,
    postgres: frontend + 20,
  };
}

export const allPorts = (p: ClusterPorts) => [p.frontend, p.frontendHttp, p.history, p.matching, p.worker, ...Object.values(p.membership), p.metrics, p.postgres];

/** The server's static configuration (rendered to YAML by the runtime). Only loopback, only the private PostgreSQL. */
export function serverConfig(opts: { ports: ClusterPorts; shards: number; dynamicConfigFile: string; logLevel?: string }) {
  const { ports } = opts;
  const datastore = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: PERSISTENCE_PLUGIN, databaseName, connectAddr: `127.0.0.1:${ports.postgres}`, connectProtocol: 'tcp',
      user: DB_USER, password: '', maxConns, maxIdleConns: maxConns, maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, extra: Record<string, unknown> = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra },
  });
  return {
    log: { stdout: true, level: opts.logLevel ?? 'warn' },
    persistence: {
      defaultStore: 'postgres-default',
      visibilityStore: 'postgres-visibility',
      numHistoryShards: opts.shards,
      datastores: { 'postgres-default': datastore(DATABASES.temporal, 20), 'postgres-visibility': datastore(DATABASES.visibility, 10) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${ports.metrics}` } },
    },
    services: {
      frontend: service(ports.frontend, ports.membership.frontend, { httpPort: ports.frontendHttp }),
      history: service(ports.history, ports.membership.history),
      matching: service(ports.matching, ports.membership.matching),
      worker: service(ports.worker, ports.membership.worker),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.frontend}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: opts.dynamicConfigFile, pollInterval: '10s' },
  };
}

/** What `palisade cluster` remembers about a cluster directory between runs (cluster.json). */
export const clusterStateSchema = z.object({
  version: z.string(),
  shards: z.number().int(),
  namespaces: z.array(z.string()).default([]),
});
export type ClusterState = z.infer<typeof clusterStateSchema>;

/** Why an existing cluster directory cannot be started with these options (or undefined when it can). */
export function incompatibility(state: ClusterState, opts: Pick<ClusterOptions, 'shards'>): string | undefined {
  if (state.shards !== opts.shards) {
    return `this cluster was created with ${state.shards} history shards and Temporal cannot re-shard: start it with --shards ${state.shards}, or use a new --dir`;
  }
  return undefined;
}

/** Picks the newest PostgreSQL from /usr/lib/postgresql/<major>/bin directory names. */
export function newestPostgresMajor(majors: string[]): string | undefined {
  return majors.filter((m) => /^\d+$/.test(m)).sort((a, b) => Number(b) - Number(a))[0];
}
