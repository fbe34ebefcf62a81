// Message definitions, defined once and shared by the workflow and every client (API, CLI, Discord, tests).
// The Temporal UI can send the same messages: each update has a signal twin with the same effect.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Sighting } from '../domain/types';
import type { DecideInput, DecideResult, HoldAction, ThreatState } from '../domain/threat-state';

export const sightingSignal = defineSignal<[Sighting]>('sighting');

export const decideUpdate = defineUpdate<DecideResult, [DecideInput]>('decide');
export const decideSignal = defineSignal<[DecideInput]>('decideSignal');

export const holdUpdate = defineUpdate<ThreatState['block'], [HoldAction]>('hold');
export const holdSignal = defineSignal<[HoldAction]>('holdSignal');

export const stateQuery = defineQuery<ThreatState>('state');

export const THREAT_WORKFLOW_TYPE = 'threatWorkflow';
export const threatWorkflowId = (normalisedIp: string) => `threat/${normalisedIp}`;

// --- rate governor (workflow id `palisade-governor`) ---
import type { GovernorVerdict } from '../domain/types';
import type { GovernorLimits, GovernorState } from '../domain/governor';

export const GOVERNOR_WORKFLOW_ID = 'palisade-governor';
export interface GovernorRequest extends GovernorLimits {
  /** Idempotency key: `<workflowId>#<cycle>`. */
  key: string;
  ip: string;
}
export const governorStateQuery = defineQuery<GovernorState>('governorState');
/** Many requests in one update: concurrent updates to one workflow invalidate each other's workflow tasks. */
export interface GovernorBatchItem {
  kind: 'auto' | 'human';
  request: GovernorRequest;
}
export const governorBatchUpdate = defineUpdate<GovernorVerdict[], [GovernorBatchItem[]]>('governorBatch');

// --- runtime allowlist (workflow id `palisade-allowlist`) ---
import type { AllowlistEntry } from '../domain/config';

export const ALLOWLIST_WORKFLOW_ID = 'palisade-allowlist';
export interface AllowlistChange {
  entry: AllowlistEntry;
  by: string;
}
export const addAllowlistUpdate = defineUpdate<AllowlistEntry[], [AllowlistChange]>('addAllowlistEntry');
export const removeAllowlistUpdate = defineUpdate<AllowlistEntry[], [{ cidr: string; by: string }]>('removeAllowlistEntry');
export const allowlistQuery = defineQuery<AllowlistEntry[]>('allowlist');
