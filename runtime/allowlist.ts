// Client side of the runtime allowlist workflow (`palisade-allowlist`).
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { AllowlistEntry, PalisadeConfig } from '../domain/config';
import { protectedCidrProblem } from '../domain/never-block';
import { addAllowlistUpdate, ALLOWLIST_WORKFLOW_ID, allowlistQuery, removeAllowlistUpdate } from '../workflows/messages';

async function handle(client: Client, config: Pick<PalisadeConfig, 'temporal'>) {
  return client.workflow.start('allowlistWorkflow', {
    workflowId: ALLOWLIST_WORKFLOW_ID,
    taskQueue: config.temporal.taskQueue,
    args: [[]],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/** An allowlist entry refused before anything is sent (the config's width rule for never-block lists). */
export class AllowlistEntryRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AllowlistEntryRefused';
  }
}

/** Adds an entry; an entry wider than the config accepts (0.0.0.0/0, ::/0, ...) is refused, nothing sent. */
export async function addAllowlistEntry(client: Client, config: Pick<PalisadeConfig, 'temporal'>, entry: AllowlistEntry, by: string): Promise<AllowlistEntry[]> {
  const problem = protectedCidrProblem(entry.cidr);
  if (problem) throw new AllowlistEntryRefused(`refused: ${problem}`);
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
