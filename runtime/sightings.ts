// The one way sources report an IP: signalWithStart on the case's workflow, `threat/<normalised ip>`, or for IPv6
// `threat/<prefix>` (policy.ipv6.groupPrefix, default /64: every address of one /64 is one case). A running workflow
// receives the sighting (USE_EXISTING); otherwise one starts. Duplicates merge; nothing is kept in process memory.
import type { Client } from '@temporalio/client';
import type { PalisadeConfig } from '../domain/config';
import { clampScore } from '../domain/evidence';
import { caseKeyOf } from '../domain/case-key';
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

/** The workflow id a sighting of `ip` goes to (undefined for an invalid address). */
export function caseWorkflowId(config: PalisadeConfig, ip: string): string | undefined {
  const key = caseKeyOf(ip, config.policy.ipv6.groupPrefix);
  return key.ok ? threatWorkflowId(key.subject) : undefined;
}

export async function submitSighting(client: Client, config: PalisadeConfig, ip: string, sighting: Sighting): Promise<{ workflowId: string; ip: string }> {
  const key = caseKeyOf(ip, config.policy.ipv6.groupPrefix);
  if (!key.ok) throw new SightingRejected(`invalid IP "${String(ip).slice(0, 64)}": ${key.reason}`);
  const workflowId = threatWorkflowId(key.subject);
  await client.workflow.signalWithStart(THREAT_WORKFLOW_TYPE, {
    workflowId,
    taskQueue: config.temporal.taskQueue,
    args: [threatInput(config, key.subject)],
    signal: sightingSignal,
    // A prefix case keeps which address each sighting saw (its distinct addresses drive the prefix block).
    signalArgs: [{ ...sighting, score: clampScore(sighting.score), ...(key.prefix ? { address: key.address } : {}) }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: SA.ip, value: key.subject },
      { key: SA.status, value: 'screening' },
      { key: SA.source, value: sighting.source },
      { key: SA.mode, value: config.policy.mode },
    ],
  });
  return { workflowId, ip: key.address };
}
