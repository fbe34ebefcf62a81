// One cycle of the proactive loop (started by the `palisade-proactive-cycle` Schedule, or by run-once): scan
// read-only, plan (rank and gate in the durable state workflow), open the investigations the plan allows, send the
// digest. The plan is an activity result in this history: for every hotspot, its verdict and why.
import { log, patched, proxyActivities, proxyLocalActivities, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { ProactiveActivities } from '../activities/proactive';
import type { NotifyActivities } from '../activities/notify';
import { cycleDigest } from '../domain/proactive/digest';
import type { HotspotVerdict, ProactiveCycleInput, ProactiveCycleResult } from '../domain/proactive/types';
import { ACTIVITY_OPTIONS, LOCAL_ACTIVITY_OPTIONS } from './retry-policies';

const scanActs = proxyActivities<ProactiveActivities>(ACTIVITY_OPTIONS.proactiveScan);
const stateActs = proxyLocalActivities<ProactiveActivities>(LOCAL_ACTIVITY_OPTIONS.proactiveState);
const investigateActs = proxyActivities<ProactiveActivities>(ACTIVITY_OPTIONS.alertHandoff);
const notifyActs = proxyActivities<NotifyActivities>(ACTIVITY_OPTIONS.notify);

/**
 * Patch of 0.3: the cycle resolves the open investigations whose hotspot stopped firing (the plan lists them, with
 * why). Plans recorded before it carry no such list, so their histories replay without the new activity calls.
 */
const RESOLVE_STOPPED_PATCH = 'proactive-resolve-stopped';

export async function proactiveCycleWorkflow(input: ProactiveCycleInput): Promise<ProactiveCycleResult> {
  const cycleId = workflowInfo().workflowId;
  const empty = (skipped: string): ProactiveCycleResult => ({ cycleId, skipped, hotspots: 0, verdicts: {}, investigations: [], digest: 'nothing to report' });
  if (input.settings.mode === 'off') return empty('proactive.mode is off');
  if (input.trigger.kind === 'schedule') {
    const { paused } = await stateActs.readProactivePause();
    if (paused) return empty(`paused by ${paused.operator} (${paused.channel}) at ${paused.at}${paused.reason ? `: ${paused.reason}` : ''}`);
  }

  const scan = await scanActs.scanProactiveHotspots();
  const plan = await stateActs.planProactiveCycle({ cycleId, trigger: input.trigger, settings: input.settings, scan });

  const investigations: ProactiveCycleResult['investigations'] = [];
  for (const d of plan.decisions.filter((x) => x.verdict === 'investigated')) {
    const hotspot = scan.hotspots.find((h) => h.fingerprint === d.fingerprint)!;
    investigations.push(await investigateActs.investigateHotspot({ cycleId, hotspot }));
  }

  const resolved: NonNullable<ProactiveCycleResult['resolved']> = [];
  if (plan.resolve?.length && patched(RESOLVE_STOPPED_PATCH)) {
    for (const r of plan.resolve) resolved.push(await investigateActs.resolveHotspotInvestigation({ cycleId, ...r }));
  }

  const verdicts: Partial<Record<HotspotVerdict, number>> = {};
  for (const d of plan.decisions) verdicts[d.verdict] = (verdicts[d.verdict] ?? 0) + 1;
  upsertMemo({ proactiveVerdicts: verdicts });

  let digest: ProactiveCycleResult['digest'] = 'nothing to report';
  const n = cycleDigest(plan, investigations, resolved);
  if (n) {
    try {
      await notifyActs.notify(n);
      digest = 'sent';
    } catch (err) {
      digest = 'failed';
      log.warn('proactive digest not delivered', { error: err instanceof Error ? err.message : String(err) });
    }
  }
  return { cycleId, hotspots: scan.hotspots.length, verdicts, investigations, ...(resolved.length ? { resolved } : {}), digest };
}
