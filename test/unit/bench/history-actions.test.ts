// The benchmarks' billable-action count (Temporal Cloud's rules), over hand-built histories.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { billableActions } from '../../../bench/history-actions';

const ev = {
  start: { workflowExecutionStartedEventAttributes: {} },
  signal: { workflowExecutionSignaledEventAttributes: {} },
  wftCompleted: { workflowTaskCompletedEventAttributes: {} },
  activityStarted: { activityTaskStartedEventAttributes: {} },
  timer: { timerStartedEventAttributes: {} },
  upsert: { upsertWorkflowSearchAttributesEventAttributes: {} },
  update: { workflowExecutionUpdateAcceptedEventAttributes: {} },
  localActivity: { markerRecordedEventAttributes: { markerName: 'core_local_activity' } },
  patch: { markerRecordedEventAttributes: { markerName: 'core_patch' } },
};
type Name = keyof typeof ev;

describe('billable actions in a history', () => {
  const cases: [string, Name[], boolean, number][] = [
    ['signal-with-start counts once', ['start', 'signal', 'wftCompleted'], true, 1],
    ['a plain start and a later signal', ['start', 'wftCompleted', 'signal'], false, 2],
    ['each activity attempt, timer, upsert and update', ['start', 'wftCompleted', 'activityStarted', 'activityStarted', 'timer', 'upsert', 'update'], false, 6],
    ['local activities of one workflow task count once together', ['start', 'wftCompleted', 'localActivity', 'localActivity', 'localActivity'], false, 2],
    ['local activities of two workflow tasks count once each', ['start', 'wftCompleted', 'localActivity', 'wftCompleted', 'localActivity'], false, 3],
    ['a patch marker is not an action', ['start', 'wftCompleted', 'patch'], false, 1],
  ];
  for (const [name, events, sws, want] of cases) {
    test(name, () => assert.equal(billableActions(events.map((e) => ev[e]), { startedBySignalWithStart: sws }), want));
  }
});
