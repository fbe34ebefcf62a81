// Messages of the alert investigation workflow (`alert/<fingerprint>`), shared by the workflow, webhooks, API, CLI.
// The Temporal UI can send the same messages: the decideAlert update has a signal twin with the same effect.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AlertDecisionInput, AlertInvestigationState, NormalisedAlert, RecordedAlertDecision } from '../domain/alerts';

/** Every notification for the fingerprint (first, repeats, notes, resolution); signalWithStart delivers the first. */
export const alertNotificationSignal = defineSignal<[NormalisedAlert]>('alertNotification');

export const decideAlertUpdate = defineUpdate<RecordedAlertDecision, [AlertDecisionInput]>('decideAlert');
export const decideAlertSignal = defineSignal<[AlertDecisionInput]>('decideAlertSignal');

export const alertStateQuery = defineQuery<AlertInvestigationState>('alertState');

export const ALERT_WORKFLOW_TYPE = 'alertInvestigationWorkflow';
export { alertWorkflowId } from '../domain/alerts';
