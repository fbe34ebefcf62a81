// The proactive loop's durable state (workflow id `palisade-proactive`): the day's budget ledger, cooldowns,
// suppressions (acks), pause, and the latest cycle for the status. Operators change it through updates with
// synchronous validators (a bad ack id is refused before anything is recorded); cycles plan through an update so
// reservations are atomic; proactive investigations report their LLM usage by signal. History stays short:
// continue-as-new carries the state over.
import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { planCycle, recordInvestigationOutcome } from '../domain/proactive/gate';
import {
  ackError, applyAck, applyUnack, chargeUsage, initialProactiveState, statusOf, unackError, type ProactiveState, type Resolution,
} from '../domain/proactive/state';
import { PROACTIVE_CHANNELS, type PauseInput } from '../domain/proactive/types';
import {
  ackHotspotUpdate, investigationOutcomeUpdate, investigationUsageSignal, pauseProactiveUpdate, planCycleUpdate,
  proactiveStatusQuery, proactiveSuppressionsQuery, resumeProactiveUpdate, unackHotspotUpdate,
} from './proactive-messages';

const MAX_HISTORY_EVENTS = 2000;
const nowIso = () => new Date(Date.now()).toISOString();

/** Refusal types the client maps to 404 / 400 (runtime/proactive.ts PROACTIVE_REFUSALS). */
function refuse(r: Resolution): void {
  if (!r.ok) throw ApplicationFailure.nonRetryable(r.error, r.notFound ? 'ProactiveNotFound' : 'ProactiveInvalid');
}

function checkOperator(p: PauseInput): void {
  if (!p || typeof p.operator !== 'string' || !p.operator.trim()) throw ApplicationFailure.nonRetryable('operator is required', 'ProactiveInvalid');
  if (!(PROACTIVE_CHANNELS as readonly string[]).includes(p.channel)) throw ApplicationFailure.nonRetryable(`channel must be one of ${PROACTIVE_CHANNELS.join(', ')}`, 'ProactiveInvalid');
}

export async function proactiveStateWorkflow(initial?: ProactiveState): Promise<void> {
  let state: ProactiveState = initial ?? initialProactiveState(nowIso());

  setHandler(ackHotspotUpdate, (a) => {
    const r = ackError(state, a);
    return applyAck(state, a, r.ok ? r.fingerprint : '', nowIso());
  }, {
    validator: (a) => {
      checkOperator(a);
      refuse(ackError(state, a));
    },
    description: 'Mute a hotspot: {fingerprint | ackId (prefix), reason, ttlHours, operator, channel}',
  });
  setHandler(unackHotspotUpdate, (u) => {
    const r = unackError(state, u, nowIso());
    return applyUnack(state, r.ok ? r.fingerprint : '');
  }, {
    validator: (u) => {
      checkOperator(u);
      refuse(unackError(state, u, nowIso()));
    },
    description: 'Remove a suppression: {fingerprint | ackId (prefix), operator, channel, reason?}',
  });
  setHandler(pauseProactiveUpdate, (p) => {
    state.paused ??= { operator: p.operator.trim(), channel: p.channel, at: nowIso(), ...(p.reason ? { reason: p.reason.slice(0, 500) } : {}) };
    return statusOf(state, nowIso());
  }, { validator: checkOperator, description: 'Pause scheduled cycles: {operator, channel, reason?}' });
  setHandler(resumeProactiveUpdate, () => {
    delete state.paused;
    return statusOf(state, nowIso());
  }, { validator: checkOperator, description: 'Resume scheduled cycles: {operator, channel}' });

  setHandler(planCycleUpdate, (input) => {
    const r = planCycle(state, input, nowIso());
    state = r.state;
    return r.plan;
  }, {
    validator: (input) => {
      if (!input?.cycleId || !input.settings || !Array.isArray(input.scan?.hotspots) || !Array.isArray(input.scan?.rules)) {
        throw ApplicationFailure.nonRetryable('expected {cycleId, trigger, settings, scan: {hotspots, rules}}', 'ProactiveInvalid');
      }
    },
  });
  setHandler(investigationOutcomeUpdate, (o) => recordInvestigationOutcome(state, o), {
    validator: (o) => {
      if (!o?.cycleId || !o.fingerprint) throw ApplicationFailure.nonRetryable('expected {cycleId, fingerprint, workflowId | error}', 'ProactiveInvalid');
    },
  });
  setHandler(investigationUsageSignal, (u) => {
    if (u && typeof u.investigationWorkflowId === 'string') chargeUsage(state, u, nowIso());
  });
  setHandler(proactiveStatusQuery, () => statusOf(state, nowIso()));
  setHandler(proactiveSuppressionsQuery, () => statusOf(state, nowIso()).suppressions);

  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > MAX_HISTORY_EVENTS);
  await condition(allHandlersFinished);
  await continueAsNew<typeof proactiveStateWorkflow>(state);
}
