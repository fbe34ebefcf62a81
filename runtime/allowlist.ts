// Client side of the runtime allowlist workflow (`palisade-allowlist`).
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { AllowlistEntry, PalisadeConfig } from '../domain/config';
import { addAllowlistUpdate, ALLOWLIST_WORKFLOW_ID, allowlistQuery, removeAllowlistUpdate } from '../workflows/messages';

async function handle(client: Client, config: Pick<PalisadeConfig, 'temporal'>) {
  return client.workflow.start('allowlistWorkflow', {
    workflowId: ALLOWLIST_WORKFLOW_ID,
    taskQueue: config.temporal.taskQueue,
    args: [[]],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

export async function addAllowlistEntry(client: Client, config: Pick<PalisadeConfig, 'temporal'>, entry: AllowlistEntry, by: string): Promise<AllowlistEntry[]> {
  return (await handle(client, config)).executeUpdate(addAllowlistUpdate, { args: [{ entry, by }] });
}

export async function removeAllowlistEntry(client: Client, config: Pick<PalisadeConfig, 'temporal'>, cidr: string, by: string): Promise<AllowlistEntry[]> {
  return (await handle(client, config)).executeUpdate(removeAllowlistUpdate, { args: [{ cidr, by }] });
}

export async function listAllowlist(client: Client): Promise<AllowlistEntry[]> {
  try {
    return await client.workflow.getHandle(ALLOWLIST_WORKFLOW_ID).query(allowlistQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return [];
    throw err;
  }
}
