// The threat workflow's input and queryable state: plain JSON, shared by the workflow, API, CLI and review page.
import type { PolicyConfig } from './config';
import type { ClosedCase } from './cycle';
import type { BlockLevels, EffectBaseline, EffectCheck, NextStep, VerificationLevel } from './verification';
import type { WrittenEntry } from './written-entry';
import type {
  EnforcementResult, GovernorVerdict, HumanDecision, MergedEvidence, PolicyDecision, Proposal,
  RecordedHumanDecision, Sighting, ThreatIntel, ThreatOutcome, ThreatStatus, ApprovalChannel,
} from './types';

/** What carries over from one cycle (one run) of an IP's workflow to the next, across continue-as-new. */
export interface ThreatCarry {
  /** Blocks of this IP that were enforced in earlier cycles (drives the duration ladder). */
  priorBlocks: number;
  cycle: number;
  /** The previous case of this IP, if any (drives the reopen cooldown). */
  lastCase?: ClosedCase;
  /** Sightings that reopened the case; they start the next cycle. */
  pendingSightings: Sighting[];
  /** Set when a run continued-as-new in the middle of holding a block: the next run resumes the hold. */
  resumeHold?: ThreatState;
}

export interface ThreatWorkflowInput {
  ip: string;
  /** Non-secret policy snapshot taken when the workflow (or its current run) started. */
  policy: PolicyConfig;
  /** Which enforcer blocks go to, and the queue its worker listens on. */
  enforcer: string;
  enforceTaskQueue: string;
  carry?: ThreatCarry;
  /** Tests only: continue-as-new once history exceeds this many events. */
  maxHistoryEvents?: number;
}

export type HoldActionKind = 'extend' | 'release' | 'make_permanent';

export interface HoldAction {
  action: HoldActionKind;
  by: string;
  channel: ApprovalChannel;
  /** For extend: hours added to the current expiry. */
  hours?: number;
  reason?: string;
}

export interface RecordedHoldAction extends HoldAction {
  at: string;
}

export interface BlockRecord {
  blockId: string;
  target: string;
  durationHours: number;
  permanent: boolean;
  dryRun: boolean;
  enforcer: string;
  appliedAt?: string;
  expiresAt?: string;
  liftedAt?: string;
  /** The host the block is about when the workflow is a prefix case (its latest address when decided). */
  address?: string;
  /** What apply reported it wrote: removal and its check work on exactly this. */
  written?: WrittenEntry[];
}

export interface EnforcementStep extends EnforcementResult {
  step: 'apply' | 'verify' | 'remove' | 'verify_removal' | 'rollback';
}

/** The block's verification: the levels after apply, the effect check and what was done with it (issue 13). */
export interface VerificationRecord {
  levels: BlockLevels;
  level: VerificationLevel;
  /** When the block was applied: the effect counts the IP's traffic after it. */
  since: string;
  baseline?: EffectBaseline;
  effect?: EffectCheck;
  /** The step taken after the last check, with its reason. */
  next?: { step: NextStep; reason: string };
  /** Opened when the block is ineffective (policy onIneffective: review): the evidence for an operator. */
  review?: { openedAt: string; reason: string; evidence: string[] };
  /** An inconclusive result is re-checked once at this time (policy recheckInconclusiveMinutes). */
  recheckAt?: string;
  rechecked?: boolean;
}

export interface TimelineEntry {
  at: string;
  event: string;
  detail?: string;
}

export interface ThreatState {
  workflowId: string;
  ip: string;
  cycle: number;
  status: ThreatStatus;
  outcome?: ThreatOutcome;
  priorBlocks: number;
  evidence: MergedEvidence;
  mode: PolicyConfig['mode'];
  dryRun: boolean;
  /** The score the policy acted on (own detectors and intel), once assessed. */
  score?: number;
  intel?: ThreatIntel;
  proposal?: Proposal;
  decision?: PolicyDecision;
  governor?: GovernorVerdict;
  review?: {
    requestedAt: string;
    deadline: string;
    escalated: boolean;
    /** The case reference issued when this review opened (`<cycle>-<nonce>`); links and buttons embed it. */
    case?: string;
    decision?: RecordedHumanDecision;
  };
  block?: BlockRecord;
  verification?: VerificationRecord;
  enforcement: EnforcementStep[];
  holdActions: RecordedHoldAction[];
  timeline: TimelineEntry[];
  /** The previous case of this IP (from the run before this one). */
  previous?: ClosedCase;
  /** After the outcome: the workflow stays open to remember the IP and merge late sightings. */
  watch?: { since: string; until: string; sightings: number; lastSeen?: string; maxScore: number };
}

/** What a run returns when the IP has been quiet long enough to be forgotten. */
export interface ThreatRunResult {
  ip: string;
  cycle: number;
  outcome?: ThreatOutcome;
  priorBlocks: number;
}

export type DecideInput = HumanDecision;
export interface DecideResult {
  accepted: true;
  status: ThreatStatus;
  decision: RecordedHumanDecision;
}
