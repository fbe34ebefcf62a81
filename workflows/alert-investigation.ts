// One investigation per alert fingerprint: normalised alert in, read-only diagnostics, an LLM diagnostic proposal,
// then an operator decision, recorded. Repeats merge (signal-with-start), `resolved` ends it. Remediation execution
// is off: an approval is recorded as "execution_disabled". Operators decide through runtime/operator-actions (API,
// CLI, review page, Discord, signed links), which sends the decideAlert update.
import {
  ActivityFailure, ApplicationFailure, allHandlersFinished, condition, log, patched, proxyActivities,
  proxyLocalActivities, setHandler, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { AlertActivities } from '../activities/alerts';
import type { NotifyActivities } from '../activities/notify';
import { incidentReviewNeeded } from '../domain/incident-notifications';
import { ACTIVITY_OPTIONS, LOCAL_ACTIVITY_OPTIONS } from './retry-policies';
import {
  addTimeline, alertDecisionError, initialAlertState, mergeNotification, recordAlertDecision,
  type AlertDecisionInput, type AlertDiagnosis, type AlertInvestigationInput, type AlertInvestigationResult,
  type AlertInvestigationStatus,
} from '../domain/alerts';
import { SA } from '../domain/search-attributes';
import { alertNotificationSignal, alertStateQuery, decideAlertSignal, decideAlertUpdate } from './alert-messages';
import { metricsSink } from './metrics-sink';
import { reportProactiveUsage } from './proactive-usage';

const diagnosticsActs = proxyActivities<AlertActivities>(ACTIVITY_OPTIONS.alertDiagnostics);
const proposalActs = proxyActivities<AlertActivities>(ACTIVITY_OPTIONS.alertProposal);
const threatActs = proxyActivities<AlertActivities>(ACTIVITY_OPTIONS.alertHandoff);
const notifyActs = proxyLocalActivities<NotifyActivities>(LOCAL_ACTIVITY_OPTIONS.notify);

/**
 * Patch of 0.3 (issue 15, incidents control plane): the status search attribute follows a decision that arrived
 * during the investigation (the incident lists read it), and an investigation awaiting a decision notifies the
 * operators (the Discord incident message with its buttons). Histories of 0.2 replay without either.
 */
const INCIDENT_CONTROL_PLANE_PATCH = 'incident-control-plane';

const nowIso = () => new Date(Date.now()).toISOString();
const HOUR_MS = 3_600_000;

const failureText = (err: unknown) =>
  err instanceof ActivityFailure && err.cause ? err.cause.message : err instanceof Error ? err.message : String(err);

export async function alertInvestigationWorkflow(input: AlertInvestigationInput): Promise<AlertInvestigationResult> {
  const { workflowId } = workflowInfo();
  const state = initialAlertState(workflowId, input.fingerprint);
  const startedMs = Date.now();

  const setStatus = (status: AlertInvestigationStatus) => {
    state.status = status;
    upsertSearchAttributes([{ key: SA.status, value: status }]);
  };

  setHandler(alertNotificationSignal, (alert) => {
    if (alert.fingerprint !== input.fingerprint) {
      log.warn('notification for another fingerprint ignored', { got: alert.fingerprint });
      return;
    }
    const wasResolved = state.status === 'resolved';
    mergeNotification(state, alert, nowIso());
    if (!wasResolved && state.status === 'resolved') upsertSearchAttributes([{ key: SA.status, value: 'resolved' }]);
  });
  setHandler(alertStateQuery, () => state);
  const decide = (d: AlertDecisionInput) => {
    const recorded = recordAlertDecision(state, d, nowIso());
    metricsSink.humanDecision('incident', d.decision, d.channel);
    return recorded;
  };
  setHandler(decideAlertUpdate, decide, {
    validator: (d) => {
      const err = alertDecisionError(d, state);
      if (err) throw ApplicationFailure.nonRetryable(err, 'InvalidAlertDecision');
    },
    description: 'Record the operator decision: {decision: approve|reject|acknowledge, operator, channel, comment?}',
  });
  setHandler(decideAlertSignal, (d) => {
    const err = alertDecisionError(d, state);
    if (err) {
      addTimeline(state, nowIso(), 'decision refused', err);
      return;
    }
    decide(d);
  }, { description: 'Signal twin of decideAlert (for clients that can only signal); invalid decisions are recorded and ignored' });

  // The first notification arrives as the signal of signal-with-start, so first and repeat share one path.
  await condition(() => state.notifications > 0);
  const alert = state.alert!;
  let diagnosis: AlertDiagnosis | undefined;
  if (state.status !== 'resolved') {
    setStatus('investigating');
    try {
      state.diagnostics = await diagnosticsActs.runAlertDiagnostics(alert);
    } catch (err) {
      state.diagnostics = { prometheus: 'failed', reason: failureText(err).slice(0, 300), results: [] };
    }
    addTimeline(state, nowIso(), 'diagnostics', `${state.diagnostics.prometheus}: ${state.diagnostics.results.length} quer(ies)`);
    if (alert.attackerIp && input.settings.openThreatFromIpLabel) {
      try {
        state.threat = await threatActs.openThreatFromAlert({ alert, alertWorkflowId: workflowId });
      } catch (err) {
        state.threat = { ip: alert.attackerIp.slice(0, 64), rejected: `could not open the threat workflow: ${failureText(err).slice(0, 200)}` };
      }
      addTimeline(state, nowIso(), 'threat', state.threat.workflowId ?? state.threat.rejected);
    }
    try {
      diagnosis = await proposalActs.proposeAlertDiagnosis({ alert: state.alert!, diagnostics: state.diagnostics });
    } catch (err) {
      diagnosis = { status: 'no_diagnosis', summary: 'no diagnosis', likelyCauses: [], suggestedChecks: [], confidence: 0, reason: `diagnosis activity failed: ${failureText(err).slice(0, 300)}` };
    }
    state.diagnosis = diagnosis;
    addTimeline(state, nowIso(), diagnosis.status, diagnosis.status === 'diagnosed' ? diagnosis.summary : diagnosis.reason);
    // Only investigations the proactive loop opened carry an origin (none in histories before it): replay-safe.
    if (input.origin?.kind === 'proactive') await reportProactiveUsage(input.origin, workflowId, diagnosis);
    if (state.status === 'investigating') setStatus(state.decision ? 'decided' : 'awaiting_decision');
    else if (state.status === 'decided' && patched(INCIDENT_CONTROL_PLANE_PATCH)) setStatus('decided');
    if (state.status === 'awaiting_decision' && patched(INCIDENT_CONTROL_PLANE_PATCH)) {
      try {
        await notifyActs.notify(incidentReviewNeeded(state, input.settings.decisionTimeoutHours));
      } catch (err) {
        addTimeline(state, nowIso(), 'notification failed', failureText(err).slice(0, 300));
      }
    }
  }

  if (!state.decision && state.status !== 'resolved') {
    const decided = await condition(() => state.decision !== undefined || state.status === 'resolved', input.settings.decisionTimeoutHours * HOUR_MS);
    if (!decided) {
      state.decisionTimedOut = true;
      addTimeline(state, nowIso(), 'no decision', `no operator decision within ${input.settings.decisionTimeoutHours} h`);
    } else if (state.decision) setStatus('decided');
  }
  if (state.status !== 'resolved') {
    const remaining = Math.max(0, startedMs + input.settings.maxOpenHours * HOUR_MS - Date.now());
    const resolved = await condition(() => state.status === 'resolved', remaining);
    if (!resolved) {
      setStatus('expired');
      addTimeline(state, nowIso(), 'expired', `not resolved within ${input.settings.maxOpenHours} h`);
    }
  }
  await condition(allHandlersFinished);
  return {
    fingerprint: input.fingerprint,
    outcome: state.status === 'resolved' ? 'resolved' : 'expired',
    notifications: state.notifications,
    diagnosis: state.diagnosis?.status ?? 'none',
    ...(state.decision ? { decision: state.decision } : {}),
  };
}
