// Metrics of threat cases, set on the main worker: outcomes and recorded human decisions on threats and incidents
// (through the workflows' metrics sink, workers/sinks.ts), the policy's decisions and the rate governor's state (in the deciding local
// activities, activities/threat.ts).
import client from 'prom-client';
import type { GovernorVerdict, ThreatOutcome } from '../../domain/types';
import { once } from './registry';

export const threatOutcomes = once('palisade_threat_outcomes_total', () => new client.Counter({
  name: 'palisade_threat_outcomes_total',
  help: 'Threat cases ended, by outcome (counted when the workflow records the outcome; never on replay).',
  labelNames: ['outcome'] as const,
}));

export const decisionsRecorded = once('palisade_human_decisions_recorded_total', () => new client.Counter({
  name: 'palisade_human_decisions_recorded_total',
  help: 'Human decisions recorded by the workflows, by subject (threat / incident), decision and channel (every channel, the Temporal UI included).',
  labelNames: ['subject', 'decision', 'channel'] as const,
}));

export const policyDecisions = once('palisade_policy_decisions_total', () => new client.Counter({
  name: 'palisade_policy_decisions_total',
  help: 'Policy decisions, by kind (record / skip_never_block / review / auto).',
  labelNames: ['kind'] as const,
}));

export const governorUsed = once('palisade_governor_used', () => new client.Gauge({
  name: 'palisade_governor_used',
  help: 'Actions counted in the rate governor window at its last verdict seen by this worker.',
}));
export const governorCap = once('palisade_governor_cap', () => new client.Gauge({
  name: 'palisade_governor_cap',
  help: 'Rate governor cap (unattended actions per window) at its last verdict seen by this worker.',
}));
export const governorVerdicts = once('palisade_governor_verdicts_total', () => new client.Counter({
  name: 'palisade_governor_verdicts_total',
  help: 'Rate governor verdicts, by kind (auto / human) and result (granted / denied / unavailable).',
  labelNames: ['kind', 'result'] as const,
}));

export const recordThreatOutcome = (outcome: ThreatOutcome) => threatOutcomes.inc({ outcome });
export const recordHumanDecision = (subject: string, decision: string, channel: string) => decisionsRecorded.inc({ subject, decision, channel });
export const recordPolicyDecision = (kind: string) => policyDecisions.inc({ kind });

/** A verdict of the governor; an unavailable governor says nothing about the window, so the gauges keep their value. */
export function recordGovernorVerdict(kind: 'auto' | 'human', v: Pick<GovernorVerdict, 'granted' | 'used' | 'cap' | 'unavailable'>): void {
  if (v.unavailable !== undefined) {
    governorVerdicts.inc({ kind, result: 'unavailable' });
    return;
  }
  governorVerdicts.inc({ kind, result: v.granted ? 'granted' : 'denied' });
  governorUsed.set(v.used);
  governorCap.set(v.cap);
}
