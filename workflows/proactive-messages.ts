// Messages of the durable proactive state workflow (`palisade-proactive`): acks (suppressions), pause/resume, the
// cycle's plan (the gate runs inside the state workflow so budget reservations are atomic), investigation outcomes
// and the LLM usage charged to the day's money budget. Defined once; the API, CLI, Discord, review page and the
// proactive activities all use these through runtime/proactive.ts.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  AckInput, CyclePlan, InvestigationOutcomeInput, InvestigationUsage, PauseInput, PlanCycleInput, ProactiveStatus,
  Suppression, UnackInput,
} from '../domain/proactive/types';

/** Mutes a hotspot (by full fingerprint or an unambiguous ack-id prefix) until it stops firing or ttlHours pass. */
export const ackHotspotUpdate = defineUpdate<Suppression, [AckInput]>('proactiveAck');
/** Removes a suppression (by fingerprint or ack-id prefix of a current suppression). */
export const unackHotspotUpdate = defineUpdate<Suppression, [UnackInput]>('proactiveUnack');
export const pauseProactiveUpdate = defineUpdate<ProactiveStatus, [PauseInput]>('proactivePause');
export const resumeProactiveUpdate = defineUpdate<ProactiveStatus, [PauseInput]>('proactiveResume');

/** From the cycle's activity: rank and gate the scan's hotspots against the durable ledger, cooldowns, suppressions. */
export const planCycleUpdate = defineUpdate<CyclePlan, [PlanCycleInput]>('proactivePlanCycle');
/** From the cycle's activity: the investigation was opened (workflow id) or could not be (error). */
export const investigationOutcomeUpdate = defineUpdate<void, [InvestigationOutcomeInput]>('proactiveInvestigationOutcome');
/** From a proactive alert investigation: the LLM usage it recorded, charged to the day's money budget. */
export const investigationUsageSignal = defineSignal<[InvestigationUsage]>('proactiveInvestigationUsage');

export const proactiveStatusQuery = defineQuery<ProactiveStatus>('proactiveStatus');
export const proactiveSuppressionsQuery = defineQuery<Suppression[]>('proactiveSuppressions');

export {
  PROACTIVE_CYCLE_WORKFLOW_TYPE, PROACTIVE_SCHEDULE_ID, PROACTIVE_STATE_WORKFLOW_ID, PROACTIVE_STATE_WORKFLOW_TYPE,
} from '../domain/proactive/types';
