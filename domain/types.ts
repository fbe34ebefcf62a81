// Plain-JSON types shared by workflows, activities, the API and the CLI.
// Everything here crosses a Temporal payload boundary, so: no classes, Maps, Sets or Dates (ISO strings instead).
import type { WrittenEntry } from './written-entry';

export type Direction = 'inbound' | 'outbound';
export type Mode = 'disabled' | 'review' | 'auto';

/** Evidence a source attaches to a sighting. Every string in here is untrusted attacker-influenced data. */
export interface Evidence {
  /** One-line human summary, e.g. "62 requests to sensitive paths in 60 s". */
  summary?: string;
  requestCount?: number;
  /** Distinct sensitive paths hit (sample, capped). */
  paths?: string[];
  /** Distinct user agents seen (sample, capped). */
  userAgents?: string[];
  /** HTTP status → count. */
  statusCounts?: Record<string, number>;
  windowStart?: string;
  windowEnd?: string;
  /** Free text from a feed (narrative) or alert annotation. */
  narrative?: string;
  /** Anything else a source wants to keep (flat, JSON-safe). */
  extra?: Record<string, string | number | boolean>;
}

/** One observation of a suspicious IP by one source. */
export interface Sighting {
  /** Source id, e.g. "intel-feed", "traefik-file", "elasticsearch", "manual", "alertmanager". */
  source: string;
  /** 0..100 score computed by Palisade (never taken from an external caller as-is). */
  score: number;
  direction: Direction;
  /** ISO timestamp of the observation. */
  observedAt: string;
  /** A feed's reputation: some intel source lists the address as known-bad. */
  knownBad?: boolean;
  /** Palisade's own observation: one of its detectors saw this address attack (a behaviour reached its trigger
   *  level). A separate fact from knownBad; either satisfies policy.thresholds.requireKnownBad. */
  observedAttack?: boolean;
  likelyFalsePositive?: boolean;
  evidence: Evidence;
  /** The host address seen, when the case groups several (an IPv6 prefix case); set by submitSighting. */
  address?: string;
}

/** Merged view over all sightings of one IP in one cycle. */
export interface MergedEvidence {
  ip: string;
  sightingCount: number;
  firstSeen: string;
  lastSeen: string;
  sources: string[];
  maxScore: number;
  direction: Direction;
  knownBad: boolean;
  /** Optional: evidence merged before detectors reported observations separately lacks it (read as false). */
  observedAttack?: boolean;
  likelyFalsePositive: boolean;
  requestCount: number;
  paths: string[];
  userAgents: string[];
  statusCounts: Record<string, number>;
  narratives: string[];
  /** The most recent sightings, newest last (capped). */
  recent: Sighting[];
  /** A prefix case: the distinct host addresses seen, first seen first (capped at MAX_CASE_ADDRESSES). */
  addresses?: string[];
  /** A prefix case: the address of the latest sighting (the one the case decides on and blocks below the count). */
  latestAddress?: string;
}

export type ProviderStatus = 'ok' | 'miss' | 'error' | 'skipped' | 'budget_exhausted';

export interface ProviderResult {
  provider: string;
  status: ProviderStatus;
  detail?: string;
  cached?: boolean;
}

export interface ThreatIntel {
  ip: string;
  /** Composite 0..100 score. */
  compositeScore: number;
  knownBad: boolean;
  likelyFalsePositive: boolean;
  /** How much of the configured intel answered: high = all, medium = some, low = none (sighting data only). */
  confidence: 'high' | 'medium' | 'low';
  org?: string;
  asn?: string;
  country?: string;
  abuseScore?: number;
  abuseReports?: number;
  otxPulses?: number;
  greynoise?: { classification: 'benign' | 'malicious' | 'unknown'; noise: boolean; riot: boolean; name?: string };
  isTor?: boolean;
  usageType?: string;
  narrative?: string;
  /** Recent traffic baseline (Prometheus), when configured. */
  baseline?: { requestsPerHour?: number; bytesPerHour?: number; query?: string };
  providers: ProviderResult[];
  notes: string[];
}

export type ProposalAction = 'block' | 'no_action';

export interface LlmCall {
  provider: string;
  model: string;
  /** Exact prompt text the model saw (system + user), recorded for audit. */
  prompt: string;
  /** Raw model text, truncated for history size. */
  rawResponse: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  /** Why the answer was not used, when it was not. */
  failure?: string;
}

export interface Proposal {
  action: ProposalAction;
  /** What the proposer wants blocked; policy re-derives the target from the workflow's IP regardless. */
  target: string;
  durationHours: number;
  reason: string;
  /** 0..1 */
  confidence: number;
  recommendPermanent: boolean;
  notes?: string;
  origin: 'llm' | 'rules';
  llm?: LlmCall;
  /**
   * Set when no usable proposal came back (LLM network error, timeout, refusal, empty, malformed or fenced JSON,
   * schema violation, missing key, or the proposal activity itself failing). The policy never reads such a proposal
   * as "no action": it applies `policy.onProposalFailure` (domain/proposal-vetting.ts).
   */
  failure?: string;
}

export const DECISION_KINDS = ['record', 'skip_never_block', 'review', 'auto'] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];

export interface PolicyDecision {
  kind: DecisionKind;
  /** Human-readable reasons, in the order they were applied. */
  reasons: string[];
  /** Set when the decision leads to (or may lead to) a block. Always the workflow's own IP as /32 or /128. */
  block?: { target: string; durationHours: number; recommendPermanent: boolean };
  dryRun: boolean;
}

/** Every channel an operator decision can arrive through; all of them end in the workflow's one decision path. */
export const APPROVAL_CHANNELS = ['api', 'review-page', 'discord', 'cli', 'temporal-ui', 'signed-link', 'test'] as const;
export type ApprovalChannel = (typeof APPROVAL_CHANNELS)[number];

/** The single shape every approval channel produces. */
export interface HumanDecision {
  decision: 'approve' | 'reject';
  approver: string;
  channel: ApprovalChannel;
  comment?: string;
  durationHours?: number;
  /**
   * The case the decision was made for (`<cycle>-<nonce>`, the pending review's `review.case`). Links and Discord
   * buttons always carry it; the review page, API and CLI send the case the operator looked at; the Temporal UI may
   * omit it. A mismatch is refused (domain/case-binding.ts).
   */
  case?: string;
}

export interface RecordedHumanDecision extends HumanDecision {
  decidedAt: string;
}

export interface BlockRequest {
  /** Stable id of this block: `<ip>#<cycle>`. Enforcers key idempotency on it. */
  blockId: string;
  ip: string;
  /** /32 or /128 CIDR of `ip`. */
  target: string;
  direction: Direction;
  reason: string;
  dryRun: boolean;
  /** Which enforcer(s) to use; empty = the configured default. */
  enforcer?: string;
  /** For verify and remove: what apply reported it wrote (its ownership record). Only these entries are removed. */
  written?: WrittenEntry[];
}

export interface EnforcementResult {
  enforcer: string;
  /** Which transport actually did it (e.g. pfsense "rest"), when the enforcer has several. */
  transport?: string;
  ok: boolean;
  simulated: boolean;
  detail: string;
  at: string;
  /** apply: exactly which object, field and entry this block wrote (kept in the workflow state for removal). */
  written?: WrittenEntry[];
}

export interface BlockEntry {
  blockId?: string;
  target: string;
  /** True when Palisade created the entry (carries our marker); others are never touched. */
  ownedByPalisade: boolean;
  detail?: string;
  /** Where an owned entry lives, when the enforcer records it (passed back to remove it from there only). */
  written?: WrittenEntry[];
}

/** Where a case is, as the `state` query reports it. */
export const THREAT_STATUSES = [
  'screening', 'enriching', 'proposing', 'deciding', 'pending_review', 'enforcing', 'verifying', 'blocked', 'lifting',
  'closed', 'watching',
] as const;
export type ThreatStatus = (typeof THREAT_STATUSES)[number];

/**
 * The statuses written to the PalisadeStatus search attribute: only the ones operators filter on (plus the value a
 * run starts with). Other statuses live only in the `state` query, so they cost no upsert.
 */
export const INDEXED_THREAT_STATUSES = ['screening', 'pending_review', 'blocked', 'closed'] as const satisfies readonly ThreatStatus[];
export type IndexedThreatStatus = (typeof INDEXED_THREAT_STATUSES)[number];

export const THREAT_OUTCOMES = ['recorded', 'skipped_never_block', 'rejected', 'review_expired', 'expired', 'released', 'failed'] as const;
export type ThreatOutcome = (typeof THREAT_OUTCOMES)[number];

export interface GovernorVerdict {
  granted: boolean;
  used: number;
  cap: number;
  windowMinutes: number;
  /** When the oldest counted action leaves the window (ISO), if the cap is reached. */
  nextSlotAt?: string;
  /** Answered by the worker's copy of the governor's last verdict (the window was known to be full), not by a call. */
  fromFullWindow?: boolean;
  /** The governor could not be reached; the request counts as refused (a human decides). */
  unavailable?: string;
}

/** Input of the `enrichThreat` activity. */
export interface EnrichInput {
  ip: string;
  evidence: MergedEvidence;
}

/** Bounds the proposer must stay inside (the policy clamps anyway). */
export interface ProposalBounds {
  minHours: number;
  maxHours: number;
  ladderHours: number[];
  repeatOffenderThreshold: number;
  /** The auto threshold in force: a first block below it is "borderline" (shorter). */
  autoThreshold?: number;
}

/** Input of the `proposeAction` activity. */
export interface ProposeInput {
  ip: string;
  evidence: MergedEvidence;
  intel: ThreatIntel;
  history: { priorBlocks: number; lastOutcome?: ThreatOutcome };
  bounds: ProposalBounds;
}

export const NOTIFICATION_KINDS = ['review_needed', 'review_escalated', 'auto_block', 'block_ineffective', 'outcome', 'alert_investigation', 'proactive_digest'] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** A notification the workflow asks to send (console/log, Discord webhook, ...). */
export interface Notification {
  kind: NotificationKind;
  workflowId: string;
  ip?: string;
  title: string;
  /** Plain text; untrusted parts already sanitised by the sender. */
  body: string;
  /** workflowId: the workflow a field is about (an incident), linked where the notifier knows a UI. */
  fields?: { name: string; value: string; workflowId?: string }[];
  outcome?: ThreatOutcome;
  /** Number of earlier blocks of this IP, for "3x blocked total". */
  blockCount?: number;
  /** For review requests: the case reference the review's buttons and links are bound to. */
  case?: string;
  /** For alert investigations awaiting a decision: the incident id (the alert fingerprint) its buttons decide. */
  incident?: string;
}
