// Scheduled scan workflows (started by Temporal Schedules, see runtime/schedules.ts): thin wrappers that run one
// scan activity and return its summary, so every run's findings and submitted sightings are in history.
import { proxyActivities } from '@temporalio/workflow';
import type { AccessLogScanSummary, DetectionActivities, IntelFeedPollSummary } from '../activities/detection';

const scanActs = proxyActivities<DetectionActivities>({
  // A large backlog is read in slices (accessLog.maxBytesPerRun); the LLM follow-up may add a few model calls.
  startToCloseTimeout: '10 minutes',
  retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 3 },
});

export async function accessLogScanWorkflow(): Promise<AccessLogScanSummary> {
  return scanActs.scanAccessLogs();
}

export async function intelFeedPollWorkflow(): Promise<IntelFeedPollSummary> {
  return scanActs.pollThreatIntelFeed();
}
