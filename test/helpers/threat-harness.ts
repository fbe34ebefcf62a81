// Runs the real threat workflow with the real activities on two workers (main + enforcement queue), an in-memory
// enforcer and a recording notifier. Tests replace only the outside world: the proposer's answer (standing in for
// an LLM), intel, and the firewall (MemoryEnforcer, with fault injection).
import { randomUUID } from 'node:crypto';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createEnforcementActivities } from '../../activities/enforcement';
import { MemoryEnforcer } from '../../activities/enforcers/memory';
import { createNotifyActivities, type Notifier } from '../../activities/notify';
import { GovernorClient } from '../../activities/governor-client';
import { createThreatActivities } from '../../activities/threat';
import type { PalisadeConfig } from '../../domain/config';
import type { ThreatState } from '../../domain/threat-state';
import type { EnrichInput, Notification, Proposal, ProposeInput, Sighting, ThreatIntel } from '../../domain/types';
import { loadConfig, type DeepPartial } from '../../runtime/config';
import { submitSighting } from '../../runtime/sightings';
import { stateQuery, threatWorkflowId } from '../../workflows/messages';
import { palisadeSinks } from '../../workers/sinks';
import { recordHistory } from './histories';
import { waitUntil } from './wait';

const QUERY_DEADLINE_MS = 2_000;

export interface HarnessOptions {
  config?: DeepPartial<PalisadeConfig>;
  propose?: (input: ProposeInput) => Proposal | Promise<Proposal>;
  enrich?: (input: EnrichInput) => ThreatIntel | Promise<ThreatIntel>;
  enforcer?: MemoryEnforcer;
  /**
   * Scenario name: with PALISADE_RECORD_HISTORIES=1 the histories of the workflows the test ran (threats, and the
   * governor and allowlist where used) are saved for the replay gate (test/helpers/histories.ts).
   */
  record?: string;
  /** Extra activities on the main queue (e.g. a real proposer against a fake LLM server). */
  activities?: Record<string, (...args: any[]) => Promise<unknown>>;
  /** Screen against the production allowlist workflow (the one the CLI and API write) instead of a per-test one. */
  productionAllowlist?: boolean;
}

export interface ThreatHarness {
  client: Client;
  config: PalisadeConfig;
  enforcer: MemoryEnforcer;
  notifications: Notification[];
  governorWorkflowId: string;
  allowlistWorkflowId: string;
  /** The worker process's one governor client (its wait figures are what the governor costs the threats). */
  governor: GovernorClient;
  sight(ip: string, s?: Partial<Sighting>): Promise<WorkflowHandle>;
  handle(ip: string): WorkflowHandle;
  state(ip: string): Promise<ThreatState>;
  /** Polls the state query until the predicate holds (no wall-clock assertions). */
  waitFor(ip: string, pred: (s: ThreatState) => boolean, what?: string, timeoutMs?: number): Promise<ThreatState>;
  /**
   * Waits (through describe, not a query) until the case has continued as new past `runId`. Tests that reopen a case
   * call it before querying: the time-skipping server's continue-as-new is not atomic, and a query that lands on the
   * closing run is answered a minute or more later and holds the server's clock for the tests after it.
   */
  nextRun(ip: string, runId: string, timeoutMs?: number): Promise<string>;
  /** Runs fn while both workers poll (new workers each call: a "restart"); terminates what the test started. */
  run<T>(fn: () => Promise<T>, opts?: { keepWorkflows?: boolean }): Promise<T>;
}


export function sighting(score: number, extra: Partial<Sighting> = {}): Sighting {
  return {
    source: 'test', score, direction: 'inbound', observedAt: new Date().toISOString(), knownBad: true,
    evidence: { summary: 'test sighting', requestCount: 1, paths: ['/.env'], userAgents: ['curl/8'] },
    ...extra,
  };
}

export function threatHarness(env: TestWorkflowEnvironment, bundle: WorkflowBundleWithSourceMap, opts: HarnessOptions = {}): ThreatHarness {
  const queue = `threat-${randomUUID().slice(0, 8)}`;
  const config = loadConfig({
    env: {},
    file: '/dev/null',
    overrides: {
      ...opts.config,
      temporal: { taskQueue: queue, enforceTaskQueue: `${queue}-enforce`, governorTaskQueue: `${queue}-governor` },
      enforcement: { enforcer: 'memory', ...opts.config?.enforcement },
      // No settle delay unless a test asks: with time skipping locked, timers run in real time.
      policy: { verifySettleSeconds: 0, ...opts.config?.policy },
    },
  });
  const enforcer = opts.enforcer ?? new MemoryEnforcer('memory');
  const notifications: Notification[] = [];
  const recorder: Notifier = { name: 'recorder', send: async (n) => void notifications.push(n) };
  const governorWorkflowId = `governor-${queue}`;
  const client = env.client;
  const allowlistWorkflowId = `allowlist-${queue}`;
  const started = new Set<string>([governorWorkflowId, allowlistWorkflowId]);
  const governor = new GovernorClient(client, config.temporal.governorTaskQueue, governorWorkflowId);

  const activities = () => {
    const base = createThreatActivities({
      client, governorTaskQueue: config.temporal.governorTaskQueue, governorWorkflowId, governor,
      allowlistWorkflowId: opts.productionAllowlist ? undefined : allowlistWorkflowId,
      enrich: opts.enrich ? async (i: EnrichInput) => opts.enrich!(i) : undefined,
    });
    return {
      ...base,
      ...(opts.propose ? { proposeAction: async (i: ProposeInput) => opts.propose!(i) } : {}),
      ...createNotifyActivities({ notifiers: [recorder] }),
      ...opts.activities,
    };
  };

  const h: ThreatHarness = {
    client, config, enforcer, notifications, governorWorkflowId, allowlistWorkflowId, governor,
    async sight(ip, s = {}) {
      const { workflowId } = await submitSighting(client, config, ip, sighting(s.score ?? 90, s));
      started.add(workflowId);
      return client.workflow.getHandle(workflowId);
    },
    handle: (ip) => client.workflow.getHandle(threatWorkflowId(ip)),
    state: (ip) => client.workflow.getHandle(threatWorkflowId(ip)).query(stateQuery),
    async waitFor(ip, pred, what = 'condition', timeoutMs = 30_000) {
      let last: ThreatState | undefined;
      for (let i = 0; i < timeoutMs / 50; i++) {
        try {
          // A safety net for the non-atomic continue-as-new of the time-skipping server (see nextRun): a stuck query
          // is abandoned and the next poll reaches the new run.
          last = await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => h.state(ip));
          if (pred(last)) return last;
        } catch {
          // the workflow may not have processed its first task yet
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`timed out waiting for ${what} on ${ip}; last state: status=${last?.status} outcome=${last?.outcome}`);
    },
    nextRun: (ip, runId, timeoutMs = 30_000) => waitUntil(
      async () => (await h.handle(ip).describe()).runId, (current) => current !== runId,
      `${ip} to continue as new past run ${runId}`, timeoutMs / 100,
    ),
    async run(fn, runOpts = {}) {
      const main = await Worker.create({
        connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue: queue, workflowBundle: bundle, sinks: palisadeSinks,
        activities: activities(),
      });
      const enforce = await Worker.create({
        connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue: config.temporal.enforceTaskQueue,
        activities: createEnforcementActivities({ enforcers: { memory: enforcer } }),
      });
      const governorWorker = await Worker.create({
        connection: env.nativeConnection, namespace: env.namespace ?? 'default', taskQueue: config.temporal.governorTaskQueue, workflowBundle: bundle,
      });
      try {
        // As a worker does at start: the governor exists before the first threat asks it.
        return await main.runUntil(() => enforce.runUntil(() => governorWorker.runUntil(async () => {
          await governor.ensureStarted();
          return fn();
        })));
      } finally {
        if (!runOpts.keepWorkflows) {
          // Workflows left running without a worker would hold the time-skipping server's clock for later tests.
          await Promise.all([...started].map((id) => client.workflow.getHandle(id).terminate('test finished').catch(() => undefined)));
          if (opts.record) {
            // The governor and the allowlist are recorded only where the test used them.
            for (const id of started) {
              const used = id.startsWith('threat/') || (await client.workflow.getHandle(id).describe().then(() => true, () => false));
              if (used) await recordHistory(client, id, opts.record);
            }
          }
        }
      }
    },
  };
  return h;
}
