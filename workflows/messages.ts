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
