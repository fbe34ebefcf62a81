// The worker side of workflows/metrics-sink.ts. Sink functions run after the workflow activation that called them,
// outside the sandbox, and are skipped on replay (callDuringReplay false), so a replayed history counts nothing.
// Every worker that runs Palisade's workflows registers these (createWorkers, the test harness, the replay gate).
import type { InjectedSinks } from '@temporalio/worker';
import { recordHumanDecision, recordThreatOutcome } from '../runtime/metrics';
import type { PalisadeSinks } from '../workflows/metrics-sink';

export const palisadeSinks: InjectedSinks<PalisadeSinks> = {
  metrics: {
    caseOutcome: { fn: (_info, outcome) => recordThreatOutcome(outcome), callDuringReplay: false },
    humanDecision: { fn: (_info, subject, decision, channel) => recordHumanDecision(subject, decision, channel), callDuringReplay: false },
  },
};
