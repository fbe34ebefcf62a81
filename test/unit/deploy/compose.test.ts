// Static cross-checks of the production deployment: temporal-compose.yml, the Dockerfile and the Palisade
// configuration compose passes in. The configuration is validated with the real loader and schema, using each
// service's own environment as compose would resolve it from a filled-in .env.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { loadConfig } from '../../../runtime/config';
import { ALL_SEARCH_ATTRIBUTES } from '../../../domain/search-attributes';
import { START_ROLES } from '../../../cli/commands/start';
import { PERSISTENCE_PLUGIN, SCHEMA_SUBDIR, TEMPORAL_SERVER_VERSION } from '../../../domain/cluster';
import { DYNAMIC_CONFIG } from '../../../runtime/cluster';
import { shouldRelaunch } from '../../../cli/relaunch';
import { hasExplicitHeapLimit, workerProcessLaunch } from '../../../workers/options';

const root = path.resolve(__dirname, '../../..');
const compose = YAML.parse(readFileSync(path.join(root, 'temporal-compose.yml'), 'utf8'), { merge: true }) as {
  services: Record<string, any>;
  volumes: Record<string, unknown>;
  networks: Record<string, unknown>;
};
const services = compose.services;

/** A filled-in .env, as the operator would write it from config/compose/env.example. */
const dotenv: Record<string, string> = {
  POSTGRES_PASSWORD: 'pg-secret', PALISADE_CONTROL_TOKEN: 'control-secret', PALISADE_LINK_SIGNING_KEY: 'link-secret',
};

/** Compose variable substitution: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{([A-Z0-9_]+)(?:(:?[-?])([^}]*))?\}/g, (_m, name: string, op: string | undefined, arg: string | undefined) => {
    const v = env[name];
    if (op === ':?' || op === '?') {
      if (v === undefined || (op === ':?' && v === '')) throw new Error(`compose would refuse to start: ${arg}`);
      return v;
    }
    if (op === ':-') return v === undefined || v === '' ? arg ?? '' : v;
    if (op === '-') return v === undefined ? arg ?? '' : v;
    return v ?? '';
  });
}

function serviceEnv(name: string, env = dotenv): Record<string, string> {
  const raw = services[name].environment ?? {};
  const entries: [string, string][] = Array.isArray(raw)
    ? raw.map((kv: string) => [kv.split('=')[0]!, kv.split('=').slice(1).join('=')])
    : Object.entries(raw).map(([k, v]) => [k, String(v)]);
  return Object.fromEntries(entries.map(([k, v]) => [k, interpolate(v, env)]));
}

const palisadeServices = Object.keys(services).filter((n) => String(services[n].image ?? '').startsWith('palisade'));
const roleOf = (name: string) => {
  const cmd: string[] = services[name].command;
  return cmd[cmd.indexOf('--role') + 1];
};
/** Host path of the bind mount whose target is `target`. */
function hostPathOf(name: string, target: string): string | undefined {
  for (const v of services[name].volumes ?? []) {
    const [src, dst] = String(v).split(':');
    if (dst === target && (src!.startsWith('./') || src!.startsWith('/'))) return path.resolve(root, src!);
  }
  return undefined;
}

void describe('temporal-compose.yml', () => {
  void it('has the Temporal cluster on PostgreSQL, its UI and admin tools, and the three Palisade roles', () => {
    for (const s of ['postgresql', 'temporal-schema', 'temporal', 'temporal-setup', 'temporal-admin-tools', 'temporal-ui', 'palisade-worker', 'palisade-enforce', 'palisade-api']) {
      assert.ok(services[s], `service ${s}`);
    }
    assert.match(services.postgresql.image, /^postgres:/);
    assert.match(services.temporal.image, /^temporalio\/server:/);
    assert.match(services['temporal-ui'].image, /^temporalio\/ui:/);
    assert.match(services['temporal-admin-tools'].image, /^temporalio\/admin-tools:/);
    assert.equal(services.temporal.environment.DB, 'postgres12');
    assert.equal(services.temporal.environment.POSTGRES_SEEDS, 'postgresql');
    assert.deepEqual(palisadeServices.map(roleOf).sort(), ['api', 'enforce-worker', 'worker']);
    for (const n of palisadeServices) assert.ok((START_ROLES as readonly string[]).includes(roleOf(n)!), `${n} role is one palisade start accepts`);
  });

  void it('worker containers give Node the worker process limits the configuration names, so nothing is relaunched', () => {
    const configured = loadConfig({ env: {}, file: path.join(root, 'config/compose/palisade.yaml') }).workers;
    const launch = workerProcessLaunch(configured)!;
    for (const n of palisadeServices.filter((s) => roleOf(s) !== 'api')) {
      const env = serviceEnv(n);
      assert.ok(hasExplicitHeapLimit([], env.NODE_OPTIONS), `${n}: NODE_OPTIONS sets the heap limit`);
      assert.deepEqual(env.NODE_OPTIONS!.split(' '), launch.execArgv, `${n}: the same limit as workers.processHeapMb`);
      assert.equal(env.MALLOC_ARENA_MAX, launch.env.MALLOC_ARENA_MAX, n);
      assert.equal(shouldRelaunch(launch, env, []), false, `${n} runs as one process`);
    }
  });

  void it('depends_on points at existing services, without cycles, with conditions the targets can satisfy', () => {
    const deps = (n: string): [string, string][] => {
      const d = services[n].depends_on ?? {};
      return Array.isArray(d) ? d.map((x: string) => [x, 'service_started']) : Object.entries(d).map(([k, v]: [string, any]) => [k, v.condition ?? 'service_started']);
    };
    for (const n of Object.keys(services)) {
      for (const [target, condition] of deps(n)) {
        assert.ok(services[target], `${n} depends on unknown ${target}`);
        if (condition === 'service_healthy') assert.ok(services[target].healthcheck, `${n} waits for ${target} to be healthy, which has no healthcheck`);
        if (condition === 'service_completed_successfully') assert.match(String(services[target].restart ?? 'no'), /^(no|on-failure)/, `${target} is a one-shot job`);
      }
    }
    const visiting = new Set<string>();
    const done = new Set<string>();
    const visit = (n: string) => {
      assert.ok(!visiting.has(n), `dependency cycle through ${n}`);
      if (done.has(n)) return;
      visiting.add(n);
      deps(n).forEach(([t]) => visit(t));
      visiting.delete(n);
      done.add(n);
    };
    Object.keys(services).forEach(visit);
    // Palisade starts only after the namespace and search attributes exist.
    for (const n of palisadeServices) assert.equal(services[n].depends_on['temporal-setup'].condition, 'service_completed_successfully');
  });

  void it('publishes ports on the host loopback only, and the API port matches the configuration', () => {
    const published: string[] = [];
    for (const [n, s] of Object.entries(services)) {
      for (const p of s.ports ?? []) {
        assert.match(String(p), /^127\.0\.0\.1:\d+:\d+$/, `${n} publishes ${p} beyond loopback`);
        published.push(String(p).split(':')[1]!);
      }
    }
    assert.equal(new Set(published).size, published.length, 'no host port published twice');
    assert.deepEqual(services['temporal-ui'].ports, ['127.0.0.1:8233:8080']);
    const config = loadConfig({ file: hostPathOf('palisade-api', '/app/config/palisade.yaml'), env: serviceEnv('palisade-api') });
    // Links to the Temporal UI point at the port compose publishes it on, and CORS allows that origin.
    const uiHostPort = String(services['temporal-ui'].ports[0]).split(':')[1];
    assert.equal(config.temporal.uiUrl, `http://127.0.0.1:${uiHostPort}`);
    assert.equal(services['temporal-ui'].environment.TEMPORAL_CORS_ORIGINS, config.temporal.uiUrl);
    assert.deepEqual(services['palisade-api'].ports, [`127.0.0.1:${config.api.port}:${config.api.port}`]);
    assert.equal(config.api.host, '0.0.0.0', 'inside the container the API must listen beyond loopback to be published');
    assert.match(services['palisade-api'].healthcheck.test.join(' '), new RegExp(`127\\.0\\.0\\.1:${config.api.port}/health`));
  });

  void it('passes every Palisade service a configuration that validates with the real schema', () => {
    for (const n of palisadeServices) {
      const env = serviceEnv(n);
      const file = hostPathOf(n, env.PALISADE_CONFIG!);
      assert.ok(file && existsSync(file), `${n} mounts its PALISADE_CONFIG from the repository`);
      const config = loadConfig({ file, env });
      // The shared cluster, not an embedded server: split roles refuse to start without an address.
      assert.equal(config.temporal.address, 'temporal:7233');
      assert.ok(services.temporal.ports.some((p: string) => p.endsWith(':7233')));
      assert.equal(config.temporal.namespace, services['temporal-setup'].environment.PALISADE_NAMESPACE);
      assert.equal(config.temporal.namespace, services['temporal-ui'].environment.TEMPORAL_DEFAULT_NAMESPACE);
      assert.equal(config.dataDir, '/data');
      assert.ok(services[n].volumes.some((v: string) => v.endsWith(':/data')), `${n} keeps dataDir on a volume`);
      assert.equal(services[n].user, 'node');
      assert.equal(services[n].container_name, undefined, `${n} must be scalable (no container_name)`);
    }
  });

  void it('refuses to start without the required secrets, and gives firewall credentials only to the enforce worker', () => {
    assert.throws(() => serviceEnv('palisade-api', {}), /PALISADE_CONTROL_TOKEN/);
    assert.throws(() => serviceEnv('temporal', {}), /POSTGRES_PASSWORD/);
    const config = loadConfig({ file: hostPathOf('palisade-api', '/app/config/palisade.yaml'), env: serviceEnv('palisade-api') });
    for (const ref of [config.api.controlToken, config.api.linkSigningKey]) {
      assert.ok(ref?.env && serviceEnv('palisade-api')[ref.env], `palisade-api receives ${ref?.env}`);
    }
    for (const n of palisadeServices) {
      const pf = Object.keys(serviceEnv(n)).filter((k) => k.startsWith('PFSENSE_'));
      if (roleOf(n) === 'enforce-worker') assert.ok(pf.length > 0);
      else assert.deepEqual(pf, [], `${n} must not see firewall credentials`);
    }
    // No secret value is written into the compose file itself.
    const text = readFileSync(path.join(root, 'temporal-compose.yml'), 'utf8');
    assert.doesNotMatch(text, /(TOKEN|KEY|PASSWORD|PWD):\s+(?!\$\{)[^\s]+/);
  });

  void it('the setup job registers every Palisade search attribute with its type', () => {
    const script = readFileSync(path.join(root, 'config/compose/scripts/setup-namespace.sh'), 'utf8');
    const typeName: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int', DOUBLE: 'Double', BOOL: 'Bool', TEXT: 'Text', DATETIME: 'Datetime', KEYWORD_LIST: 'KeywordList' };
    for (const sa of ALL_SEARCH_ATTRIBUTES) assert.match(script, new RegExp(`\\b${sa.name}:${typeName[sa.type]}\\b`), sa.name);
    for (const job of ['temporal-schema', 'temporal-setup']) {
      const scriptPath = services[job].command[0].replace('/scripts/', 'config/compose/scripts/');
      accessSync(path.join(root, scriptPath), constants.X_OK);
    }
    assert.ok(existsSync(path.join(root, 'config/compose/dynamicconfig', path.basename(services.temporal.environment.DYNAMIC_CONFIG_FILE_PATH))));
  });
});

void describe('temporal-compose.yml and `palisade cluster` run the same Temporal', () => {
  void it('every Temporal image defaults to the server release the local cluster builds', () => {
    const temporalImages = Object.entries(services).filter(([, s]) => /^temporalio\/(server|admin-tools):/.test(String(s.image)));
    assert.ok(temporalImages.length >= 3);
    for (const [n, s] of temporalImages) {
      assert.equal(String(s.image).split(':').slice(1).join(':'), `\${TEMPORAL_VERSION:-${TEMPORAL_SERVER_VERSION}}`, `${n} image tag`);
      assert.equal(interpolate(String(s.image), dotenv).split(':')[1], TEMPORAL_SERVER_VERSION);
    }
  });

  void it('the same persistence plugin, schema directory and dynamic configuration', () => {
    assert.equal(services.temporal.environment.DB, PERSISTENCE_PLUGIN);
    const script = readFileSync(path.join(root, 'config/compose/scripts/setup-postgres.sh'), 'utf8');
    assert.match(script, new RegExp(`--plugin ${PERSISTENCE_PLUGIN}\\b`));
    assert.match(script, new RegExp(`SCHEMA_DIR=/etc/temporal/schema/postgresql/${SCHEMA_SUBDIR}\\b`));
    assert.equal(DYNAMIC_CONFIG, path.join(root, 'config/compose/dynamicconfig', path.basename(services.temporal.environment.DYNAMIC_CONFIG_FILE_PATH)));
    // The postgres12 plugin needs PostgreSQL 12 or later.
    const pgMajor = Number(interpolate(String(services.postgresql.image), dotenv).split(':')[1]);
    assert.ok(pgMajor >= 12, `postgres image ${pgMajor}`);
  });
});

void describe('Dockerfile', () => {
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  void it('builds on node:20-slim, installs production dependencies only, and runs bin/palisade.js as node', () => {
    assert.match(dockerfile, /^FROM node:20-slim$/m);
    assert.match(dockerfile, /npm ci --omit=dev/);
    assert.match(dockerfile, /^USER node$/m);
    assert.match(dockerfile, /ENTRYPOINT \["node", "\/app\/bin\/palisade\.js"\]/);
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    assert.ok(pkg.dependencies.tsx, 'tsx is a runtime dependency (the image has no dev dependencies)');
    for (const m of dockerfile.matchAll(/^COPY (\S+) /gm)) {
      for (const src of m[1]!.split(' ')) assert.ok(existsSync(path.join(root, src)), `COPY source ${src} exists`);
    }
    // Every directory the running code imports from is in the image.
    for (const dir of ['bin', 'cli', 'api', 'activities', 'domain', 'runtime', 'workers', 'workflows']) assert.match(dockerfile, new RegExp(`^COPY ${dir} `, 'm'));
  });

  void it('keeps local state and secrets out of the build context', () => {
    const ignore = readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const p of ['node_modules', '.env', 'data', '.git']) assert.ok(ignore.includes(p), p);
  });
});
