// How a workflow reports a metric: through a sink, the SDK's way out of the workflow sandbox. A sink call is no
// command and leaves no history event; the worker runs it outside the sandbox, and never while replaying history
// (workers/sinks.ts), so a case is counted once however often its history is replayed. Used only for what no
// activity sees: the outcome of a case and a human decision arriving by any channel (the Temporal UI included), on a
// threat or an incident.
import { proxySinks, type Sinks } from '@temporalio/workflow';
import type { ThreatOutcome } from '../domain/types';

export interface PalisadeSinks extends Sinks {
  metrics: {
    caseOutcome(outcome: ThreatOutcome): void;
    /** `subject`: threat or incident (an alert investigation). */
    humanDecision(subject: 'threat' | 'incident', decision: string, channel: string): void;
  };
}

export const { metrics: metricsSink } = proxySinks<PalisadeSinks>();
