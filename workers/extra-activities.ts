// Activities of the detection, alert and reconciliation parts, registered on the main queue. One LLM client is
// shared by the scan follow-ups and the alert diagnoses.
import { createAlertActivities } from '../activities/alerts';
import { createDetectionActivities } from '../activities/detection';
import { createLlmClient } from '../activities/llm';
import { createReconcileActivities } from '../activities/reconcile';
import { createProactiveActivities } from '../activities/proactive';
import { readSecret } from '../runtime/secrets';
import type { WorkerDeps } from './index';

export async function extraActivities(deps: WorkerDeps) {
  const { client, config } = deps;
  const llm = config.llm.provider !== 'none' ? await createLlmClient(config.llm, readSecret) : undefined;
  return {
    ...createDetectionActivities({ client, config, llm }),
    ...createAlertActivities({ client, config, llm: llm ?? null }),
    ...createReconcileActivities({ client }),
    ...createProactiveActivities({ client, config }),
  };
}
