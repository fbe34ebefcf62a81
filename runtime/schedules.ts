// Palisade's periodic work as Temporal Schedules (visible and pausable in the Temporal UI, durable across restarts),
// never as timers in a process: the access-log scan, the threat-intel feed poll and the reconciler.
// ensureSchedules is idempotent: it creates a missing schedule, updates one whose spec/action/policies differ from
// the configuration, leaves an identical one alone, and deletes a Palisade schedule that configuration disabled.
import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import type { PalisadeConfig } from '../domain/config';
import { reconcilerPlan } from '../domain/reconcile';
import { accessLogSource } from '../activities/detection';
import { PROACTIVE_CYCLE_WORKFLOW_TYPE, PROACTIVE_SCHEDULE_ID, type ProactiveCycleInput } from '../domain/proactive/types';
import { proactiveSettings } from './proactive';

export const ACCESS_LOG_SCAN_SCHEDULE_ID = 'palisade-access-log-scan';
export const INTEL_FEED_SCHEDULE_ID = 'palisade-intel-feed-poll';
export const CROWDSEC_SCHEDULE_ID = 'palisade-crowdsec-poll';

export interface DesiredSchedule {
  scheduleId: string;
  enabled: boolean;
  /** Why it is disabled, for the start-up log. */
  reason?: string;
  workflowType: string;
  workflowId: string;
  taskQueue: string;
  args: unknown[];
  everyMs: number;
  /** Runs missed while the server was down are still started within this window (then overlap SKIP applies). */
  catchupWindowMs: number;
  note: string;
}

const MINUTE = 60_000;

export function desiredSchedules(config: PalisadeConfig): DesiredSchedule[] {
  const src = accessLogSource(config);
  const scanEvery = Math.round(config.detection.scanEveryMinutes * MINUTE);
  const feedEvery = Math.round(config.intel.feed.pollMinutes * MINUTE);
  const rec = reconcilerPlan(config);
  const recEvery = Math.round(rec.intervalMinutes * MINUTE);
  return [
    {
      scheduleId: ACCESS_LOG_SCAN_SCHEDULE_ID, enabled: src.kind !== 'none', reason: src.kind === 'none' ? src.reason : undefined,
      workflowType: 'accessLogScanWorkflow', workflowId: ACCESS_LOG_SCAN_SCHEDULE_ID, taskQueue: config.temporal.taskQueue, args: [],
      everyMs: scanEvery, catchupWindowMs: Math.max(MINUTE, 5 * scanEvery),
      note: `Secrets-scan detection over ${src.kind === 'file' ? (src.sample ? 'the shipped sample access log' : 'the Traefik access-log file') : src.kind}`,
    },
    {
      scheduleId: INTEL_FEED_SCHEDULE_ID, enabled: config.intel.feed.enabled, reason: config.intel.feed.enabled ? undefined : 'intel.feed.enabled is false',
      workflowType: 'intelFeedPollWorkflow', workflowId: INTEL_FEED_SCHEDULE_ID, taskQueue: config.temporal.taskQueue, args: [],
      everyMs: feedEvery, catchupWindowMs: Math.max(MINUTE, 2 * feedEvery), note: 'Threat-intel feed poll',
    },
    {
      scheduleId: CROWDSEC_SCHEDULE_ID, enabled: config.detection.crowdsec.enabled, reason: config.detection.crowdsec.enabled ? undefined : 'detection.crowdsec.enabled is false',
      workflowType: 'crowdsecPollWorkflow', workflowId: CROWDSEC_SCHEDULE_ID, taskQueue: config.temporal.taskQueue, args: [],
      everyMs: Math.round(config.detection.crowdsec.pollMinutes * MINUTE), catchupWindowMs: MINUTE, note: 'CrowdSec LAPI decisions poll',
    },
    {
      scheduleId: rec.scheduleId, enabled: rec.enabled, reason: rec.enabled ? undefined : 'reconcile disabled or enforcer is simulated',
      workflowType: rec.workflowType, workflowId: rec.workflowId, taskQueue: config.temporal.taskQueue, args: [rec.input],
      everyMs: recEvery, catchupWindowMs: Math.max(MINUTE, recEvery), note: 'Drift reconciler: desired blocks vs enforcers',
    },
    proactiveSchedule(config),
  ];
}

/** The proactive loop's cycles: one workflow per cycle, none while proactive.mode is off. */
function proactiveSchedule(config: PalisadeConfig): DesiredSchedule {
  const on = config.proactive.mode !== 'off';
  const input: ProactiveCycleInput = { settings: proactiveSettings(config), trigger: { kind: 'schedule' } };
  const every = Math.round(config.proactive.everyMinutes * MINUTE);
  return {
    scheduleId: PROACTIVE_SCHEDULE_ID, enabled: on, reason: on ? undefined : 'proactive.mode is off',
    workflowType: PROACTIVE_CYCLE_WORKFLOW_TYPE, workflowId: PROACTIVE_SCHEDULE_ID, taskQueue: config.temporal.taskQueue, args: [input],
    everyMs: every, catchupWindowMs: MINUTE, note: `Proactive loop (${config.proactive.mode}): scan, rank, gate, investigate, digest`,
  };
}

export type ScheduleChange = 'created' | 'updated' | 'unchanged' | 'deleted' | 'absent';

export interface EnsureSchedulesReport {
  schedules: { scheduleId: string; change: ScheduleChange; reason?: string }[];
}

const actionOf = (d: DesiredSchedule) => ({
  type: 'startWorkflow' as const, workflowType: d.workflowType, workflowId: d.workflowId, taskQueue: d.taskQueue, args: d.args,
});
const specOf = (d: DesiredSchedule) => ({ intervals: [{ every: d.everyMs }] });
const policiesOf = (d: DesiredSchedule) => ({ overlap: 'SKIP' as const, catchupWindow: d.catchupWindowMs });

/** Whether the schedule on the server already matches what configuration wants. */
export function scheduleMatches(desc: ScheduleDescription, d: DesiredSchedule): boolean {
  const iv = desc.spec.intervals ?? [];
  const a = desc.action;
  return iv.length === 1 && iv[0].every === d.everyMs && (iv[0].offset ?? 0) === 0
    && (desc.spec.calendars?.length ?? 0) === 0
    && a.type === 'startWorkflow' && a.workflowType === d.workflowType && a.taskQueue === d.taskQueue && a.workflowId === d.workflowId
    && JSON.stringify(a.args ?? []) === JSON.stringify(d.args)
    && desc.policies.overlap === 'SKIP' && desc.policies.catchupWindow === d.catchupWindowMs;
}

async function describeOrUndefined(client: Client, id: string): Promise<ScheduleDescription | undefined> {
  try {
    return await client.schedule.getHandle(id).describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}

async function ensureOne(client: Client, d: DesiredSchedule): Promise<ScheduleChange> {
  const handle = client.schedule.getHandle(d.scheduleId);
  let desc = await describeOrUndefined(client, d.scheduleId);
  if (!d.enabled) {
    if (!desc) return 'absent';
    await handle.delete();
    return 'deleted';
  }
  if (!desc) {
    try {
      await client.schedule.create({
        scheduleId: d.scheduleId, spec: specOf(d), action: actionOf(d), policies: policiesOf(d),
        state: { note: d.note },
      });
      return 'created';
    } catch (err) {
      // Another process created it between our describe and create: fall through to compare/update.
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
      desc = await describeOrUndefined(client, d.scheduleId);
      if (!desc) throw err;
    }
  }
  if (scheduleMatches(desc, d)) return 'unchanged';
  await handle.update((prev) => ({
    ...prev, spec: specOf(d), action: actionOf(d), policies: { ...prev.policies, ...policiesOf(d) },
    state: { ...prev.state, note: d.note },
  }));
  return 'updated';
}

/** Creates, updates or deletes Palisade's schedules to match configuration. Safe to call on every start. */
export async function ensureSchedules(client: Client, config: PalisadeConfig): Promise<EnsureSchedulesReport> {
  const report: EnsureSchedulesReport = { schedules: [] };
  for (const d of desiredSchedules(config)) {
    report.schedules.push({ scheduleId: d.scheduleId, change: await ensureOne(client, d), ...(d.reason && !d.enabled ? { reason: d.reason } : {}) });
  }
  return report;
}
