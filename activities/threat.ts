// The threat workflow's deciding steps. They run as *local* activities inside one workflow task, so each costs one
// history event (a marker holding its result) instead of six, and all of them together one billable action. Their
// results are the audit trail of the decision: the screening verdict, the intel summary and the policy's
// assessment (evaluateThreat), the proposal with the exact prompt and raw answer (proposeAction), the policy's
// decision with every reason and the governor's verdict (decideThreat). Because the workflow replays these results
// instead of re-running the policy, a change to domain/policy.ts never makes an old history non-deterministic.
//
// Intel and proposals default to the sighting data and the rule-based proposer; the worker passes the real intel
// providers (activities/intel) and swaps in the LLM proposer (activities/proposal) when they are configured.
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { AllowlistEntry, PolicyConfig } from '../domain/config';
import { intelFromEvidence } from '../domain/intel-from-evidence';
import { assessThreat, decide, effectiveSettings, screenTarget, type Assessment, type ThreatFacts } from '../domain/policy';
import { settlePrefixTarget } from '../domain/prefix-case';
import { proposeByRules } from '../domain/rule-proposer';
import type { EnrichInput, GovernorVerdict, MergedEvidence, PolicyDecision, Proposal, ProposeInput, ThreatIntel } from '../domain/types';
import { recordGovernorVerdict, recordPolicyDecision } from '../runtime/metrics';
import { ALLOWLIST_WORKFLOW_ID, allowlistQuery, GOVERNOR_WORKFLOW_ID } from '../workflows/messages';
import { GovernorClient } from './governor-client';

export interface ThreatActivityDeps {
  client: Client;
  /** Task queue of the governor workflow (its own queue, so its tasks never wait behind a burst of threats). */
  governorTaskQueue: string;
  /** Tests isolate the (global) governor and allowlist per test. */
  governorWorkflowId?: string;
  allowlistWorkflowId?: string;
  /** The worker's current policy; when given, every new cycle picks up configuration changes. */
  currentPolicy?: () => PolicyConfig;
  /** The configured intel providers; without them intel is derived from the sightings alone. */
  enrich?: (input: EnrichInput) => Promise<ThreatIntel>;
  /** One governor client per worker process (shared with other activity sets in the process). */
  governor?: GovernorClient;
}

export interface EvaluateInput {
  ip: string;
  evidence: MergedEvidence;
  /** The policy the run started with; the current one replaces it when the worker knows it. */
  policy: PolicyConfig;
  priorBlocks: number;
}

/** The first recorded step of a case: everything the policy knows before a proposer is asked. */
export interface Evaluation {
  policy: PolicyConfig;
  /** Runtime allowlist entries (CLI/API) in force at screening time. */
  allowlist: AllowlistEntry[];
  screening: { blockable: true; target: string } | { blockable: false; reason: string };
  /** Absent when screening already said never-block: protected addresses cost no lookups. */
  intel?: ThreatIntel;
  assessment?: Assessment;
  evaluatedAt: string;
}

export interface DecideThreatInput {
  facts: ThreatFacts;
  proposal: Proposal;
  /** Idempotency key of the governor reservation: `<workflowId>#<cycle>`. */
  governorKey: string;
  /** The case subject (an IPv6 prefix for a prefix case) and the configured enforcer: a prefix case's block target. */
  subject?: string;
  enforcer?: string;
}

export interface DecisionRecord {
  decision: PolicyDecision;
  /** Present when the decision was auto-eligible and the governor was asked. */
  governor?: GovernorVerdict;
  decidedAt: string;
}

export interface HumanActionInput {
  governorKey: string;
  ip: string;
  cap: number;
  windowMinutes: number;
}

export function createThreatActivities(deps: ThreatActivityDeps) {
  const governor = deps.governor ?? new GovernorClient(deps.client, deps.governorTaskQueue, deps.governorWorkflowId ?? GOVERNOR_WORKFLOW_ID);
  const enrich = deps.enrich ?? (async (input: EnrichInput) => intelFromEvidence(input));

  async function runtimeAllowlist(): Promise<AllowlistEntry[]> {
    const handle = deps.client.workflow.getHandle(deps.allowlistWorkflowId ?? ALLOWLIST_WORKFLOW_ID);
    try {
      // Only a running allowlist has entries; a query to a closed one would wait for a worker replay.
      if ((await handle.describe()).status.name === 'RUNNING') return await handle.query(allowlistQuery);
      return [];
    } catch (err) {
      // No allowlist workflow yet means no runtime entries; anything else must not be mistaken for "empty".
      if (err instanceof WorkflowNotFoundError) return [];
      throw err;
    }
  }

  return {
    /** Screen (never-block first, before any intel is spent), enrich, and assess whether to ask a proposer. */
    async evaluateThreat(input: EvaluateInput): Promise<Evaluation> {
      const policy = deps.currentPolicy?.() ?? input.policy;
      const allowlist = await runtimeAllowlist();
      const now = new Date().toISOString();
      const screen = screenTarget(input.ip, policy, allowlist, now);
      if (!screen.blockable) {
        recordPolicyDecision('skip_never_block');
        return { policy, allowlist, screening: screen, evaluatedAt: now };
      }
      let intel: ThreatIntel;
      try {
        intel = await enrich({ ip: input.ip, evidence: input.evidence });
      } catch (err) {
        // Intel degrades, it never blocks the case: fall back to what the sightings say, and say so.
        intel = intelFromEvidence({ ip: input.ip, evidence: input.evidence });
        intel.notes.push(`intel lookup failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      const assessment = assessThreat({ ip: input.ip, evidence: input.evidence, intel, policy, allowlist, priorBlocks: input.priorBlocks, now });
      // A case that ends here (below the analyse bar, never-block) is decided by this step; the rest by decideThreat.
      if (assessment.kind !== 'analyse') recordPolicyDecision(assessment.kind);
      return { policy, allowlist, screening: { blockable: true, target: screen.target }, intel, assessment, evaluatedAt: now };
    },

    async proposeAction(input: ProposeInput): Promise<Proposal> {
      return proposeByRules(input);
    },

    /** The policy's decision; an auto-eligible one asks the rate governor and is decided again with its verdict. */
    async decideThreat(input: DecideThreatInput): Promise<DecisionRecord> {
      const facts = { ...input.facts, now: new Date().toISOString() };
      // A prefix case: widened to the prefix (review only, past the count) or the latest /128, with the reason.
      const settle = (d: PolicyDecision) => (input.subject === undefined ? d : settlePrefixTarget(d, {
        subject: input.subject, evidence: facts.evidence, policy: facts.policy, allowlist: facts.allowlist, now: facts.now,
        mode: effectiveSettings(facts.policy, facts.evidence.sources[0], facts.evidence.direction).mode, enforcer: input.enforcer ?? 'simulated',
      }));
      const tentative = settle(decide({ ...facts, proposal: input.proposal }));
      if (tentative.kind !== 'auto') {
        recordPolicyDecision(tentative.kind);
        return { decision: tentative, decidedAt: facts.now };
      }
      const g = facts.policy.governor;
      const limits = { cap: g.maxUnattendedActions, windowMinutes: g.windowMinutes };
      let verdict: GovernorVerdict;
      try {
        verdict = await governor.request({ kind: 'auto', request: { key: input.governorKey, ip: facts.ip, ...limits } });
      } catch (err) {
        // No answer from the governor: the safe side is a human.
        verdict = { granted: false, used: limits.cap, ...limits, unavailable: err instanceof Error ? err.message : String(err) };
      }
      recordGovernorVerdict('auto', verdict);
      const decision = settle(decide({ ...facts, proposal: input.proposal, governor: verdict }));
      recordPolicyDecision(decision.kind);
      return { decision, governor: verdict, decidedAt: new Date().toISOString() };
    },

    /** Human approvals are never refused by the governor, but they are counted. */
    async countHumanApproval(input: HumanActionInput): Promise<GovernorVerdict> {
      const verdict = await governor.request({ kind: 'human', request: { key: input.governorKey, ip: input.ip, cap: input.cap, windowMinutes: input.windowMinutes } });
      recordGovernorVerdict('human', verdict);
      return verdict;
    },
  };
}

export type ThreatActivities = ReturnType<typeof createThreatActivities>;
