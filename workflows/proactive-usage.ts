// Called by the alert investigation workflow when the proactive loop opened it: reports the LLM usage the diagnosis
// recorded to the proactive state workflow, which charges it to the day's money budget. Workflow code only.
import { getExternalWorkflowHandle, log } from '@temporalio/workflow';
import type { AlertDiagnosis, AlertOrigin } from '../domain/alerts';
import { investigationUsageSignal } from './proactive-messages';

export async function reportProactiveUsage(origin: AlertOrigin, investigationWorkflowId: string, diagnosis: AlertDiagnosis): Promise<void> {
  try {
    await getExternalWorkflowHandle(origin.stateWorkflowId).signal(investigationUsageSignal, {
      investigationWorkflowId, fingerprint: origin.hotspotFingerprint, cycleId: origin.cycleId,
      promptTokens: diagnosis.llm?.promptTokens ?? 0, completionTokens: diagnosis.llm?.completionTokens ?? 0,
      costUsd: diagnosis.llm?.costUsd ?? 0, model: diagnosis.llm?.model ?? 'none', diagnosis: diagnosis.status,
    });
  } catch (err) {
    // The investigation stands; only the charge is lost (the state workflow may have been reset).
    log.warn('could not report LLM usage to the proactive loop', { error: err instanceof Error ? err.message : String(err) });
  }
}
