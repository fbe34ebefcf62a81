// The rate governor (workflow id `palisade-governor`): a durable sliding window over unattended actions.
// Threat workflows reach it through activities (a workflow cannot send updates to another workflow).
import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { governorStateFrom, pruneWindow, recordHuman, reserveUnattended, type GovernorState, type LegacyGovernorState } from '../domain/governor';
import { governorBatchUpdate, governorStateQuery } from './messages';

const MAX_HISTORY_EVENTS = 2000;

// The input is the previous run's state; a run continued by the version before bucketing passes the legacy shape.
export async function governorWorkflow(initial: Partial<GovernorState & LegacyGovernorState>): Promise<void> {
  let state: GovernorState = governorStateFrom(initial);
  let largestWindowMinutes = 60;
  setHandler(governorBatchUpdate, (items) => items.map(({ kind, request }) => {
    largestWindowMinutes = Math.max(largestWindowMinutes, request.windowMinutes);
    const r = (kind === 'auto' ? reserveUnattended : recordHuman)(state, request, request, Date.now());
    state = r.state;
    return r.verdict;
  }), {
    validator: (items) => {
      if (!Array.isArray(items) || items.length === 0 || items.length > 500) throw new Error('expected 1 to 500 governor requests');
    },
  });
  setHandler(governorStateQuery, () => pruneWindow(state, Date.now(), largestWindowMinutes));

  // The window only needs the last hour(s) of actions: keep history short by continuing as new.
  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS);
  await condition(allHandlersFinished);
  await continueAsNew<typeof governorWorkflow>(pruneWindow(state, Date.now(), largestWindowMinutes));
}
