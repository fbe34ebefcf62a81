// Committed histories for the replay gate. With PALISADE_RECORD_HISTORIES=1, tests save the histories of the
// workflows they ran: threat histories to test/histories/<scenario>--<ip>.json (also read by the audit tests), every
// other workflow type to test/histories/workflows/<workflowType>--<scenario>.json.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';

export const HISTORIES_DIR = path.resolve(__dirname, '../histories');
export const WORKFLOW_HISTORIES_DIR = path.join(HISTORIES_DIR, 'workflows');

export const recordingHistories = () => process.env.PALISADE_RECORD_HISTORIES === '1';

/**
 * Saves a workflow's history under its type and the scenario name, when recording: the latest run as
 * `<scenario>`, earlier runs of a continue-as-new chain as `<scenario>-run<k>` (oldest first).
 */
export async function recordHistory(client: Client, workflowId: string, scenario: string): Promise<void> {
  if (!recordingHistories()) return;
  const runs = [];
  let runId: string | undefined;
  do {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.unshift(history);
    runId = history.events?.[0]?.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
  } while (runId);
  const type = runs[0].events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? 'unknown';
  const threat = workflowId.startsWith('threat/');
  const dir = threat ? HISTORIES_DIR : WORKFLOW_HISTORIES_DIR;
  await fs.mkdir(dir, { recursive: true });
  for (const [i, history] of runs.entries()) {
    const name = i === runs.length - 1 ? scenario : `${scenario}-run${i + 1}`;
    const file = threat ? `${name}--${workflowId.slice('threat/'.length).replace(/[^0-9a-f.]/gi, '_')}.json` : `${type}--${name}.json`;
    await fs.writeFile(path.join(dir, file), historyToJSON(history));
  }
}
