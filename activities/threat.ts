// Activities the threat workflow calls on its own task queue (everything except enforcement).
// Intel and proposals default to the sighting data and the rule-based proposer; the worker swaps in the real
// providers (activities/intel, activities/proposal) when they are configured.
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { AllowlistEntry, PolicyConfig } from '../domain/config';
import { intelFromEvidence } from '../domain/intel-from-evidence';
import { proposeByRules } from '../domain/rule-proposer';
import type { EnrichInput, GovernorVerdict, Proposal, ProposeInput, ThreatIntel } from '../domain/types';
import { ALLOWLIST_WORKFLOW_ID, allowlistQuery, GOVERNOR_WORKFLOW_ID, type GovernorRequest } from '../workflows/messages';
import { GovernorClient } from './governor-client';

export interface ThreatActivityDeps {
  client: Client;
  /** Task queue the governor workflow runs on (the main queue). */
  taskQueue: string;
  /** Tests isolate the (global) governor and allowlist per test. */
  governorWorkflowId?: string;
  allowlistWorkflowId?: string;
  /** The worker's current policy; when given, every new cycle picks up configuration changes. */
  currentPolicy?: () => PolicyConfig;
}

export function createThreatActivities(deps: ThreatActivityDeps) {
  const governor = new GovernorClient(deps.client, deps.taskQueue, deps.governorWorkflowId ?? GOVERNOR_WORKFLOW_ID);

  return {
    /** Runtime allowlist entries and the current policy, read at the start of each cycle. */
    async screeningContext(): Promise<{ allowlist: AllowlistEntry[]; policy: PolicyConfig | null }> {
      let allowlist: AllowlistEntry[] = [];
      const handle = deps.client.workflow.getHandle(deps.allowlistWorkflowId ?? ALLOWLIST_WORKFLOW_ID);
      try {
        // Only a running allowlist has entries; a query to a closed one would wait for a worker replay.
        if ((await handle.describe()).status.name === 'RUNNING') allowlist = await handle.query(allowlistQuery);
      } catch (err) {
        // No allowlist workflow yet means no runtime entries; anything else must not be mistaken for "empty".
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      return { allowlist, policy: deps.currentPolicy?.() ?? null };
    },
    async enrichThreat(input: EnrichInput): Promise<ThreatIntel> {
      return intelFromEvidence(input);
    },
    async proposeAction(input: ProposeInput): Promise<Proposal> {
      return proposeByRules(input);
    },
    async reserveUnattendedSlot(req: GovernorRequest): Promise<GovernorVerdict> {
      return governor.request({ kind: 'auto', request: req });
    },
    async recordHumanAction(req: GovernorRequest): Promise<GovernorVerdict> {
      return governor.request({ kind: 'human', request: req });
    },
  };
}

export type ThreatActivities = ReturnType<typeof createThreatActivities>;
