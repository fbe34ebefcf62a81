// The whole API stack on a Temporal dev server: the lead's workers (real threat workflow and activities, an in-memory
// enforcer standing in for the firewall) and the real HTTP API on 127.0.0.1 with an ephemeral port.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import type { Notifier } from '../../activities/notify/index';
import { MemoryEnforcer } from '../../activities/enforcers/memory';
import { createApiServer, type RunningApiServer } from '../../api/server';
import type { ApiSecrets } from '../../api/secrets';
import type { PalisadeConfig } from '../../domain/config';
import type { ThreatState } from '../../domain/threat-state';
import type { Sighting } from '../../domain/types';
import { loadConfig, type DeepPartial } from '../../runtime/config';
import { submitSighting } from '../../runtime/sightings';
import { stateQuery, threatWorkflowId } from '../../workflows/messages';
import { createWorkers } from '../../workers';
import { workflowBundle } from './temporal-env';
import { waitUntil } from './wait';

export { waitUntil };

export interface ApiStack {
  url: string;
  config: PalisadeConfig;
  secrets: Required<ApiSecrets>;
  enforcer: MemoryEnforcer;
  env: TestWorkflowEnvironment;
  /** A source reporting an IP (what the intel feed or a log detector does), bypassing the API. */
  sight(ip: string, s?: Partial<Sighting>): Promise<void>;
  state(ip: string): Promise<ThreatState>;
  waitForState(ip: string, pred: (s: ThreatState) => boolean, what: string): Promise<ThreatState>;
  /** True when no workflow with this id has ever been started on the server. */
  workflowAbsent(ip: string): Promise<boolean>;
  stop(): Promise<void>;
}

export function feedSighting(score: number, extra: Partial<Sighting> = {}): Sighting {
  return {
    source: 'intel-feed', score, direction: 'inbound', observedAt: new Date().toISOString(), knownBad: true,
    evidence: { summary: `${score} composite score from the feed`, requestCount: 62, paths: ['/.env', '/.git/config'], userAgents: ['gitleaks/8.18'] },
    ...extra,
  };
}

export async function startApiStack(
  env: TestWorkflowEnvironment, overrides: DeepPartial<PalisadeConfig> = {}, opts: { operatorTimeoutMs?: number; notifiers?: Notifier[] } = {},
): Promise<ApiStack> {
  const queue = `api-${randomUUID().slice(0, 8)}`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'palisade-api-'));
  const config = loadConfig({
    env: {},
    file: '/dev/null',
    overrides: {
      ...overrides,
      dataDir,
      temporal: { ...overrides.temporal, taskQueue: queue, enforceTaskQueue: `${queue}-enforce`, namespace: env.namespace ?? 'default' },
      enforcement: { enforcer: 'memory' },
      policy: { mode: 'review', dryRun: false, verifySettleSeconds: 0, ...overrides.policy },
      llm: { provider: 'none' },
    },
  });
  const secrets = { controlToken: `control-${randomUUID()}`, ingestToken: `ingest-${randomUUID()}`, linkSigningKey: `links-${randomUUID()}` };
  const logger = pino({ level: process.env.PALISADE_TEST_LOG ? 'debug' : 'silent' });
  const enforcer = new MemoryEnforcer('memory');
  const workers = await createWorkers({
    config, connection: env.nativeConnection, client: env.client, logger, enforcers: { memory: enforcer },
    workflowBundle: await workflowBundle(), notifiers: opts.notifiers,
  });
  const running = workers.run();
  let server: RunningApiServer;
  try {
    server = await createApiServer({ config, client: env.client, logger, secrets, operatorTimeoutMs: opts.operatorTimeoutMs }).listen({ host: '127.0.0.1', port: 0 });
  } catch (err) {
    workers.shutdown();
    await running;
    throw err;
  }
  const stack: ApiStack = {
    url: server.url,
    config,
    secrets,
    enforcer,
    env,
    async sight(ip, s = {}) {
      await submitSighting(env.client, config, ip, feedSighting(s.score ?? 90, s));
    },
    state: (ip) => env.client.workflow.getHandle(threatWorkflowId(ip)).query(stateQuery),
    waitForState: (ip, pred, what) => waitUntil(() => stack.state(ip), pred, `${what} on ${ip}`),
    async workflowAbsent(ip) {
      try {
        await env.client.workflow.getHandle(threatWorkflowId(ip)).describe();
        return false;
      } catch (err) {
        if ((err as Error).name === 'WorkflowNotFoundError') return true;
        throw err;
      }
    },
    async stop() {
      await server.close();
      workers.shutdown();
      await running;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  return stack;
}
