// Billable Temporal actions in a history, by Temporal Cloud's definition (../shared/reference/temporal-cloud-actions.md):
// a start (signal-with-start counts 1 together with its signal), every activity start and retry, all local
// activities completed in one workflow task together, timers, signals, updates, search-attribute upserts.
// Queries and replays are free.
import type { temporal } from '@temporalio/proto';

type Event = temporal.api.history.v1.IHistoryEvent;

/** The marker the SDK records for a completed local activity. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

export function billableActions(events: Event[], opts: { startedBySignalWithStart: boolean }): number {
  let n = 0;
  let signals = 0;
  // Markers follow the WorkflowTaskCompleted event of the task whose commands recorded them.
  let taskHasLocalActivity = false;
  for (const e of events) {
    if (e.workflowExecutionStartedEventAttributes) n += 1;
    else if (e.workflowExecutionSignaledEventAttributes) signals += 1;
    else if (e.activityTaskStartedEventAttributes) n += 1; // each attempt: the first start and every retry
    else if (e.timerStartedEventAttributes) n += 1;
    else if (e.upsertWorkflowSearchAttributesEventAttributes) n += 1;
    else if (e.workflowExecutionUpdateAcceptedEventAttributes) n += 1;
    else if (e.workflowTaskCompletedEventAttributes) taskHasLocalActivity = false;
    else if (e.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER && !taskHasLocalActivity) {
      taskHasLocalActivity = true;
      n += 1;
    }
  }
  return n + Math.max(0, signals - (opts.startedBySignalWithStart ? 1 : 0));
}
