// Scheduled scan workflows (started by Temporal Schedules, see runtime/schedules.ts): thin wrappers that run one
// scan activity and return its summary, so every run's findings and submitted sightings are in history. When a cap
// of detection.caps left threats out, the run says so in its own history entry (a memo upsert), not only inside the
// activity result.
import { log, proxyActivities, upsertMemo } from '@temporalio/workflow';
import type { AccessLogScanSummary, DetectionActivities, IntelFeedPollSummary, ScanCapReport } from '../activities/detection';

const scanActs = proxyActivities<DetectionActivities>({
  // A large backlog is read in slices (accessLog.maxBytesPerRun); the LLM follow-up may add a few model calls.
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 3 },
});

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
