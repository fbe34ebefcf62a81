// The one way sources report an IP: signalWithStart on `threat/<normalised ip>`. A running workflow for the IP
// receives the sighting (USE_EXISTING); otherwise one starts. Duplicates merge; nothing is kept in process memory.
import type { Client } from '@temporalio/client';
import type { PalisadeConfig } from '../domain/config';
import { clampScore } from '../domain/evidence';
import { normaliseIp } from '../domain/ip';
import { SA } from '../domain/search-attributes';
import type { ThreatWorkflowInput } from '../domain/threat-state';
import type { Sighting } from '../domain/types';
import { sightingSignal, THREAT_WORKFLOW_TYPE, threatWorkflowId } from '../workflows/messages';

export class SightingRejected extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SightingRejected';
  }
}

export function threatInput(config: PalisadeConfig, ip: string): ThreatWorkflowInput {
  return { ip, policy: config.policy, enforcer: config.enforcement.enforcer, enforceTaskQueue: config.temporal.enforceTaskQueue };
}

export async function submitSighting(client: Client, config: PalisadeConfig, ip: string, sighting: Sighting): Promise<{ workflowId: string; ip: string }> {
  const parsed = normaliseIp(ip);
  if (!parsed.ok) throw new SightingRejected(`invalid IP "${String(ip).slice(0, 64)}": ${parsed.reason}`);
  const workflowId = threatWorkflowId(parsed.ip);
  await client.workflow.signalWithStart(THREAT_WORKFLOW_TYPE, {
    workflowId,
    taskQueue: config.temporal.taskQueue,
    args: [threatInput(config, parsed.ip)],
    signal: sightingSignal,
    signalArgs: [{ ...sighting, score: clampScore(sighting.score) }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: SA.ip, value: parsed.ip },
      { key: SA.status, value: 'screening' },
      { key: SA.source, value: sighting.source },
      { key: SA.mode, value: config.policy.mode },
    ],
  });
  return { workflowId, ip: parsed.ip };
}
