// Scheduled scan workflows (started by Temporal Schedules, see runtime/schedules.ts): thin wrappers that run one
// scan activity and return its summary, so every run's findings and submitted sightings are in history. When a cap
// of detection.caps left threats out, the run says so in its own history entry (a memo upsert), not only inside the
// activity result.
import { log, proxyActivities, upsertMemo } from '@temporalio/workflow';
import type { AccessLogScanSummary, CrowdSecPollSummary, DetectionActivities, IntelFeedPollSummary, ScanCapReport } from '../activities/detection';
import { ACTIVITY_OPTIONS } from './retry-policies';

const scanActs = proxyActivities<DetectionActivities>(ACTIVITY_OPTIONS.scan);

function recordCap(cap: ScanCapReport | undefined): void {
  if (!cap) return;
  upsertMemo({ scanCap: cap.note, cappedSightings: cap.cappedSightings });
  log.warn(`scan cap reached: ${cap.note}`);
}

export async function accessLogScanWorkflow(): Promise<AccessLogScanSummary> {
  const summary = await scanActs.scanAccessLogs();
  recordCap(summary.cap);
  return summary;
}

export async function intelFeedPollWorkflow(): Promise<IntelFeedPollSummary> {
  const summary = await scanActs.pollThreatIntelFeed();
  recordCap(summary.cap);
  return summary;
}

export async function crowdsecPollWorkflow(): Promise<CrowdSecPollSummary> {
  const summary = await scanActs.pollCrowdSecDecisions();
  recordCap(summary.cap);
  if (summary.stats.health !== 'ok') log.warn(summary.stats.health);
  return summary;
}
