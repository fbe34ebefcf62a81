// The local cluster's layout (domain/cluster.ts): ports, server configuration, what an existing directory allows.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  allPorts, clusterOptionsSchema, clusterPorts, incompatibility, MAX_FRONTEND_PORT, newestPostgresMajor, serverConfig, TEMPORAL_SERVER_VERSION,
} from '../../../domain/cluster';

describe('cluster ports', () => {
  test('the default frontend port gives the ports of Temporal\'s own development configuration', () => {
    const p = clusterPorts(7233);
    assert.deepEqual(
      { history: p.history, matching: p.matching, worker: p.worker, http: p.frontendHttp, membership: p.membership, metrics: p.metrics },
      { history: 7234, matching: 7235, worker: 7239, http: 7243, membership: { frontend: 6933, history: 6934, matching: 6935, worker: 6939 }, metrics: 8000 },
    );
    assert.notEqual(p.postgres, 5432, 'never the system PostgreSQL port');
  });

  for (const port of [1024 + 300, 7233, 17233, MAX_FRONTEND_PORT]) {
    test(`frontend ${port}: every port distinct and valid`, () => {
      const ports = allPorts(clusterPorts(port));
      assert.equal(new Set(ports).size, ports.length);
      for (const x of ports) assert.ok(x >= 1 && x <= 65535, String(x));
    });
  }

  test(`the highest frontend port (${MAX_FRONTEND_PORT}) keeps every membership port in the server's smallint column`, () => {
    assert.equal(Math.max(...Object.values(clusterPorts(MAX_FRONTEND_PORT).membership)), 32_767);
  });

  test('two clusters whose frontend ports differ by 1000 share no port (the test suites rely on it)', () => {
    const a = new Set(allPorts(clusterPorts(20_000)));
    assert.deepEqual(allPorts(clusterPorts(21_000)).filter((x) => a.has(x)), []);
  });
});

describe('cluster options', () => {
  const cases: [string, unknown, RegExp | undefined][] = [
    ['defaults', {}, undefined],
    ['shards 0', { shards: 0 }, /shards/],
    ['port below 1024', { port: 80 }, /port/],
    ['port whose membership ports overflow the server\'s smallint column', { port: MAX_FRONTEND_PORT + 1 }, /port/],
    ['namespace with a space', { namespace: 'a b' }, /namespace/],
    ['unknown key', { pgPort: 5432 }, /pgPort|unrecognized/i],
  ];
  for (const [name, input, error] of cases) {
    test(name, () => {
      const r = clusterOptionsSchema.safeParse(input);
      if (!error) {
        assert.ok(r.success);
        assert.deepEqual(r.data, { port: 7233, shards: 4, namespace: 'default', retentionDays: 30 });
      } else {
        assert.equal(r.success, false);
        assert.match(JSON.stringify(r.error!.issues), error);
      }
    });
  }
});

describe('server configuration', () => {
  const cfg = serverConfig({ ports: clusterPorts(17233), shards: 8, dynamicConfigFile: '/x/dc.yaml' });
  test('binds every service to loopback, on the derived ports', () => {
    for (const [name, s] of Object.entries(cfg.services)) assert.equal(s.rpc.bindOnLocalHost, true, name);
    assert.equal(cfg.services.frontend.rpc.grpcPort, 17233);
    assert.equal(cfg.services.history.rpc.grpcPort, 17234);
    assert.equal(cfg.global.membership.broadcastAddress, '127.0.0.1');
    assert.match(cfg.global.metrics.prometheus.listenAddress, /^127\.0\.0\.1:/);
    assert.equal(cfg.clusterMetadata.clusterInformation.active.rpcAddress, '127.0.0.1:17233');
  });
  test('uses the private PostgreSQL for persistence and visibility, with the configured shards', () => {
    assert.equal(cfg.persistence.numHistoryShards, 8);
    const stores = Object.values(cfg.persistence.datastores).map((d) => d.sql);
    assert.deepEqual(stores.map((s) => s.connectAddr), ['127.0.0.1:17253', '127.0.0.1:17253']);
    assert.deepEqual(stores.map((s) => s.databaseName), ['temporal', 'temporal_visibility']);
    assert.ok(stores.every((s) => s.pluginName === 'postgres12'));
    assert.equal(cfg.dynamicConfigClient.filepath, '/x/dc.yaml');
  });
});

describe('an existing cluster directory', () => {
  test('refuses another shard count (Temporal cannot re-shard), accepts the same', () => {
    const state = { version: TEMPORAL_SERVER_VERSION, shards: 4, namespaces: ['default'] };
    assert.equal(incompatibility(state, { shards: 4 }), undefined);
    assert.match(incompatibility(state, { shards: 8 })!, /created with 4 history shards.*--shards 4/);
  });
  test('the newest PostgreSQL major is chosen, numerically', () => {
    assert.equal(newestPostgresMajor(['9', '15', '13']), '15');
    assert.equal(newestPostgresMajor(['15', 'common']), '15');
    assert.equal(newestPostgresMajor([]), undefined);
  });
});
