// After the outcome the run stays open to remember the IP: late sightings merge silently within the cooldown, a
// sighting that reopens the case continues-as-new into the next cycle (carrying the block count that drives the
// duration ladder), and a quiet IP is forgotten when the watch ends.
import type { SearchAttributePair } from '@temporalio/common';
import { allHandlersFinished, condition, makeContinueAsNewFunc, patched } from '@temporalio/workflow';
import { isRepeatedSighting, REPEATED_SIGHTING_REASON, shouldReopen, watchHours, type ClosedCase } from '../../domain/cycle';
import { SA } from '../../domain/search-attributes';
import type { ThreatRunResult } from '../../domain/threat-state';
import type { Sighting } from '../../domain/types';
import { HOUR_MS, nowIso, type ThreatCase } from './case';
import type { threatWorkflow } from './index';

const REPEATED_SIGHTINGS_PATCH = 'watch-repeated-sightings';

export async function watch(c: ThreatCase): Promise<ThreatRunResult> {
  const st = c.state;
  const closed: ClosedCase = {
    outcome: st.outcome!, closedAt: nowIso(), maxScore: Math.max(st.evidence.maxScore, st.intel?.compositeScore ?? 0),
    ...(st.evidence.sightingCount > 0 ? { lastSeen: st.evidence.lastSeen } : {}),
  };
  const until = Date.now() + watchHours(st.priorBlocks, c.policy) * HOUR_MS;
  st.watch = { since: closed.closedAt, until: new Date(until).toISOString(), sightings: 0, maxScore: 0 };
  c.setStatus('watching');
  const reopening: Sighting[] = [];
  for (;;) {
    while (c.inbox.length > 0 && reopening.length === 0) {
      const s = c.inbox.shift()!;
      // Histories recorded before the rule replay without it (the marker is only written when the rule applies).
      const verdict = isRepeatedSighting(closed, s) && patched(REPEATED_SIGHTINGS_PATCH)
        ? { reopen: false, reason: REPEATED_SIGHTING_REASON }
        : shouldReopen(closed, s, c.policy, nowIso());
      st.watch.sightings += 1;
      st.watch.lastSeen = s.observedAt;
      st.watch.maxScore = Math.max(st.watch.maxScore, s.score);
      if (verdict.reopen) {
        c.note('case reopened', verdict.reason);
        reopening.push(s, ...c.inbox.splice(0));
      }
    }
    if (reopening.length > 0 || Date.now() >= until || c.historyTooLong()) break;
    await condition(() => c.inbox.length > 0 || c.historyTooLong(), until - Date.now());
  }
  await condition(allHandlersFinished);
  if (reopening.length === 0 && !c.historyTooLong()) {
    return { ip: c.input.ip, cycle: st.cycle, outcome: st.outcome, priorBlocks: st.priorBlocks };
  }
  const reopen = reopening.length > 0;
  // Without search attributes, continue-as-new keeps the current ones (a run continued only to trim its history).
  const next = makeContinueAsNewFunc<typeof threatWorkflow>(reopen ? { typedSearchAttributes: reopenedSearchAttributes(c, reopening[0]) } : {});
  return next({
    ...c.input,
    policy: c.policy,
    carry: { priorBlocks: st.priorBlocks, cycle: reopen ? st.cycle + 1 : st.cycle, lastCase: closed, pendingSightings: reopening },
  });
}

/** A new case starts with the search attributes of a new workflow: no outcome, target or enforcer of the last one. */
function reopenedSearchAttributes(c: ThreatCase, first: Sighting): SearchAttributePair[] {
  return [
    { key: SA.ip, value: c.input.ip },
    { key: SA.status, value: 'screening' },
    { key: SA.source, value: first.source },
    { key: SA.mode, value: c.policy.mode },
  ];
}
