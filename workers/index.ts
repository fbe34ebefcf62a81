// Worker wiring. Two roles, which may run in one process (`all`, the default for `palisade start`) or apart:
//   worker          the main task queue: every workflow and every activity except enforcement
//   enforce-worker  the `palisade-enforce` queue: enforcement activities only, near the firewall, with its secrets
import type { Client } from '@temporalio/client';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import type { Logger } from 'pino';
import { createEffectActivities } from '../activities/effect';
import { createEnforcementActivities } from '../activities/enforcement';
import { createReconcileActivities } from '../activities/reconcile';
import type { Enforcer } from '../activities/enforcers/types';
import { createIntelActivities } from '../activities/intel';
import { createNotifyActivities, logNotifier, type Notifier } from '../activities/notify';
import { createProposalActivitiesFromConfig } from '../activities/proposal';
import { GovernorClient } from '../activities/governor-client';
import { createThreatActivities } from '../activities/threat';
import type { PalisadeConfig } from '../domain/config';
import { readSecret } from '../runtime/secrets';
import { createConfiguredEnforcers } from './enforcers';
import { bundleWorkflows } from './bundle';
import { extraActivities } from './extra-activities';
import { enforceWorkerOptions, limitWorkflowThreadHeap, mainWorkerOptions } from './options';
import { palisadeSinks } from './sinks';

export type WorkerRole = 'worker' | 'enforce-worker' | 'all';

export interface WorkerDeps {
  config: PalisadeConfig;
  connection: NativeConnection;
  client: Client;
  logger: Logger;
  roles?: WorkerRole;
  /** Replace the configured enforcers (tests, benchmarks). */
  enforcers?: Record<string, Enforcer>;
  /** Extra notifiers besides the log (e.g. the Discord webhook). */
  notifiers?: Notifier[];
  /** A pre-built workflow bundle (tests, benchmarks); default bundles workflows/ at start, in a child process. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

export interface Workers {
  workers: Worker[];
  run(): Promise<void>;
  shutdown(): void;
}

export async function mainQueueActivities(deps: WorkerDeps, governor?: GovernorClient) {
  const { config } = deps;
  const i = config.intel;
  const intelConfigured = [i.abuseipdb, i.greynoise, i.otx, i.ipinfo].some((p) => p.enabled) || Boolean(i.baseline.prometheusUrl);
  // Intel lookups (and the traffic baseline) and LLM providers replace the sighting-data intel and the rule-based
  // proposer when configured. The lookups run inside evaluateThreat, a local activity: enrichThreat itself is not
  // registered, no workflow schedules it.
  const intel = intelConfigured ? createIntelActivities(i, { readSecret, dataDir: config.dataDir }) : undefined;
  return {
    ...createThreatActivities({ client: deps.client, governorTaskQueue: config.temporal.governorTaskQueue, governor, currentPolicy: () => config.policy, enrich: intel?.enrichThreat }),
    ...(config.llm.provider !== 'none' ? await createProposalActivitiesFromConfig(config.llm, readSecret) : {}),
    ...createNotifyActivities({ notifiers: [logNotifier(deps.logger), ...(deps.notifiers ?? [])] }),
    ...createEffectActivities({ config }),
    ...(await extraActivities(deps)),
  };
}

export async function createWorkers(deps: WorkerDeps): Promise<Workers> {
  const { config, connection } = deps;
  const roles = deps.roles ?? 'all';
  const namespace = config.temporal.namespace;
  const workers: Worker[] = [];
  if (roles === 'worker' || roles === 'all') {
    const workflowBundle = deps.workflowBundle ?? (await bundleWorkflows());
    limitWorkflowThreadHeap(config.workers);
    // One governor client per process: its batching and full-window memory only help if every threat shares it.
    const governor = new GovernorClient(deps.client, config.temporal.governorTaskQueue);
    workers.push(await Worker.create({
      connection, namespace, taskQueue: config.temporal.taskQueue, workflowBundle, sinks: palisadeSinks,
      ...mainWorkerOptions(config.workers),
      activities: await mainQueueActivities(deps, governor),
    }));
    // The rate governor on a queue of its own (same bundle): its updates never wait behind a burst of threats.
    workers.push(await Worker.create({
      connection, namespace, taskQueue: config.temporal.governorTaskQueue, workflowBundle, sinks: palisadeSinks, maxConcurrentWorkflowTaskExecutions: 2,
    }));
    // Start (or find) the governor now, so the first threat of a burst does not pay for it. Not fatal: the first
    // request starts it too, and a server that is down at start is the health check's to report.
    await governor.ensureStarted().catch((err: unknown) => deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'governor not started yet; the first threat will start it'));
  }
  if (roles === 'enforce-worker' || roles === 'all') {
    const enforcers = deps.enforcers ?? createConfiguredEnforcers(config, deps.logger);
    workers.push(await Worker.create({
      connection, namespace, taskQueue: config.temporal.enforceTaskQueue,
      ...enforceWorkerOptions(config.workers),
      // The reconciler's list/re-apply/remove steps run here too: they need the same enforcers.
      activities: { ...createEnforcementActivities({ enforcers }), ...createReconcileActivities({ enforcers }) },
    }));
  }
  return {
    workers,
    run: async () => {
      await Promise.all(workers.map((w) => w.run()));
    },
    shutdown: () => workers.forEach((w) => w.getState() === 'RUNNING' && w.shutdown()),
  };
}
