// The proactive loop's vocabulary, shared by the workflows (cycle and durable state), the activities, the API, the
// CLI, Discord and the review page. Closed lists are declared once here; the types derive from them.

export const PROACTIVE_MODES = ['off', 'shadow', 'on'] as const;
/** off: no cycles; shadow: scan and report, never investigate; on: also investigate within the budgets. */
export type ProactiveMode = (typeof PROACTIVE_MODES)[number];

export const HOTSPOT_SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type HotspotSeverity = (typeof HOTSPOT_SEVERITIES)[number];

/** What the gate decided for one hotspot in one cycle; every verdict carries a `why`. */
export const HOTSPOT_VERDICTS = ['investigated', 'reported', 'muted', 'over_budget', 'cooling_down', 'below_floor'] as const;
export type HotspotVerdict = (typeof HOTSPOT_VERDICTS)[number];

/** The rule name of Icinga soft-state hotspots. */
export const ICINGA_RULE = 'icinga-soft-state';

export const HOTSPOT_SOURCES = ['prometheus', 'icinga'] as const;
export type HotspotSource = (typeof HOTSPOT_SOURCES)[number];

/** Channels an operator acts through (the same list as approvals, so audit entries read alike). */
export const PROACTIVE_CHANNELS = ['api', 'review-page', 'discord', 'cli', 'temporal-ui', 'test'] as const;
export type ProactiveChannel = (typeof PROACTIVE_CHANNELS)[number];

/** Shortest prefix of a fingerprint accepted as an ack id (like a short git hash). */
export const MIN_ACK_ID_LENGTH = 4;
/** Length of the ack id shown in digests and on the review page. */
export const ACK_ID_LENGTH = 7;

export interface ProbeProposal {
  name: string;
  query: string;
  heavy: boolean;
}

/** One finding of a scanner: a precursor of an incident, identified by a stable fingerprint. */
export interface Hotspot {
  /** 16 hex digits: hash of source, rule and the identifying labels (stable across cycles). */
  fingerprint: string;
  /** The first ACK_ID_LENGTH digits of the fingerprint; any unambiguous prefix of MIN_ACK_ID_LENGTH+ works. */
  ackId: string;
  source: HotspotSource;
  /** Rule name (Prometheus rule pack) or `icinga-soft-state`. */
  rule: string;
  severity: HotspotSeverity;
  /** One line: which object, what is wrong (sanitised, capped). */
  title: string;
  /** The rule's short explanation of why this is a precursor. */
  explanation: string;
  /** Identifying labels of the series (or Icinga host/service), sanitised and capped. */
  labels: Record<string, string>;
  /** The query's value for the series, or the Icinga check output. */
  value: string;
  /** The PromQL that found it (Prometheus hotspots). */
  query?: string;
  /** Follow-up probes the rule defines; heavy ones run only when proactive.heavyProbes is enabled. */
  probes: ProbeProposal[];
}

/** How one rule (or the Icinga scanner) fared in a cycle. A failed rule never prunes its suppressions. */
export interface RuleScan {
  rule: string;
  source: HotspotSource;
  status: 'ok' | 'error' | 'skipped';
  findings: number;
  error?: string;
}

/** A proactive alert investigation Temporal still runs (visibility, read by the scan): `alert/proactive-<fingerprint>`. */
export interface OpenInvestigation {
  fingerprint: string;
  workflowId: string;
  /** The hotspot's rule (the investigation's memo name): its resolution waits for a working scan of this rule. */
  rule: string;
  since: string;
}

export interface ScanResult {
  at: string;
  hotspots: Hotspot[];
  rules: RuleScan[];
  /**
   * The proactive investigations still open, when the scan could list them (absent in cycles recorded before it, or
   * when visibility failed: then nothing is taken as open and nothing is resolved).
   */
  openInvestigations?: OpenInvestigation[];
  /** Why the open investigations could not be listed this cycle. */
  openInvestigationsError?: string;
}

export interface ProactiveBudgets {
  investigationsPerCycle: number;
  investigationsPerDay: number;
  usdPerDay: number;
}

/** The gate's settings, from configuration (carried in each cycle's input, so the history shows what applied). */
export interface ProactiveSettings {
  mode: ProactiveMode;
  severityFloor: HotspotSeverity;
  budgets: ProactiveBudgets;
  cooldownHours: number;
  heavyProbes: boolean;
}

export type CycleTrigger =
  | { kind: 'schedule' }
  | { kind: 'run-once'; operator: string; channel: ProactiveChannel };

export interface ProactiveCycleInput {
  settings: ProactiveSettings;
  trigger: CycleTrigger;
}

export interface HotspotDecision {
  fingerprint: string;
  ackId: string;
  rule: string;
  source: HotspotSource;
  severity: HotspotSeverity;
  title: string;
  score: number;
  verdict: HotspotVerdict;
  why: string;
  /** Probes that run with the investigation (investigated hotspots only). */
  probesRun: string[];
  /** Heavy probes proposed to the operator but not run (proactive.heavyProbes is off). */
  probesProposed: string[];
  /** The open investigation that already covers this hotspot (verdict reported, no budget spent). */
  investigationWorkflowId?: string;
}

/** An open proactive investigation whose hotspot a working scan no longer finds: the cycle resolves it. */
export interface InvestigationToResolve {
  fingerprint: string;
  ackId: string;
  rule: string;
  workflowId: string;
  why: string;
}

export interface Suppression {
  fingerprint: string;
  ackId: string;
  rule: string;
  title: string;
  reason: string;
  operator: string;
  channel: ProactiveChannel;
  at: string;
  /** The ack ends at this time even if the hotspot keeps firing (ttlHours). */
  expiresAt: string;
}

export interface Cooldown {
  fingerprint: string;
  until: string;
  /** What started it: the investigation (and its failure, when it failed). */
  reason: string;
}

export interface LedgerCharge {
  at: string;
  cycleId: string;
  investigationWorkflowId: string;
  fingerprint: string;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  model: string;
}

/** Spending of one UTC day. */
export interface BudgetLedger {
  day: string;
  investigations: number;
  costUsd: number;
  /** The latest charges of the day (capped). */
  charges: LedgerCharge[];
}

export interface PauseInfo {
  operator: string;
  channel: ProactiveChannel;
  at: string;
  reason?: string;
}

export interface ProactiveInvestigation {
  cycleId: string;
  fingerprint: string;
  ackId: string;
  title: string;
  at: string;
  /** alert/<fingerprint> when opened. */
  workflowId?: string;
  /**
   * planned by the gate → opened (or failed) by the cycle → charged when its LLM usage arrives → resolved when the
   * hotspot stops firing. merged: the investigation was already open, nothing new was investigated (not charged).
   */
  status: 'planned' | 'opened' | 'failed' | 'charged' | 'merged' | 'resolved';
  error?: string;
  costUsd?: number;
  /** When and why the loop resolved it (status resolved). */
  resolvedAt?: string;
  resolvedWhy?: string;
}

export interface CycleRecord {
  cycleId: string;
  at: string;
  trigger: CycleTrigger;
  mode: ProactiveMode;
  decisions: HotspotDecision[];
  rules: RuleScan[];
  /** Suppressions removed by this cycle, and why (stopped firing, expired). */
  pruned: { fingerprint: string; ackId: string; why: string }[];
  /** Open investigations this cycle resolves, and why (absent in cycles recorded before resolution existed). */
  resolve?: InvestigationToResolve[];
}

/** The result of planning one cycle: the verdicts, recorded in the cycle's history. */
export interface CyclePlan extends CycleRecord {
  /** Budget left after this cycle's reservations. */
  left: { investigationsToday: number; usdToday: number };
  paused?: PauseInfo;
}

/** Everything the review page's Proactive panel, `palisade proactive status` and the metrics need. */
export interface ProactiveStatus {
  paused?: PauseInfo;
  settings?: ProactiveSettings;
  ledger: BudgetLedger;
  left?: { investigationsToday: number; usdToday: number };
  suppressions: Suppression[];
  cooldowns: Cooldown[];
  lastCycle?: CycleRecord;
  investigations: ProactiveInvestigation[];
  cycles: number;
}

// ----- Message inputs (validated by the state workflow's synchronous validators) -----

export interface AckInput {
  /** Exactly one of fingerprint or ackId. */
  fingerprint?: string;
  ackId?: string;
  reason: string;
  /** Hours until the ack lapses even if the hotspot keeps firing (clients fill in proactive.ackTtlHours). */
  ttlHours: number;
  operator: string;
  channel: ProactiveChannel;
}

export interface UnackInput {
  fingerprint?: string;
  ackId?: string;
  operator: string;
  channel: ProactiveChannel;
  reason?: string;
}

export interface PauseInput {
  operator: string;
  channel: ProactiveChannel;
  reason?: string;
}

export interface PlanCycleInput {
  cycleId: string;
  trigger: CycleTrigger;
  settings: ProactiveSettings;
  scan: ScanResult;
}

export interface InvestigationOutcomeInput {
  cycleId: string;
  fingerprint: string;
  workflowId?: string;
  error?: string;
  /** The investigation was already running: the hotspot was merged into it, nothing new investigated (refunded). */
  merged?: boolean;
}

/** What the cycle did with an investigation it resolved (recorded in the cycle's history). */
export interface ResolveOutcome {
  fingerprint: string;
  workflowId: string;
  /** signalled = the investigation received the resolution; no_open_investigation = it had already ended. */
  action?: 'signalled' | 'no_open_investigation';
  error?: string;
}

/** Sent by a proactive alert investigation once its diagnosis is recorded: the LLM usage actually spent. */
export interface InvestigationUsage {
  investigationWorkflowId: string;
  fingerprint: string;
  cycleId: string;
  promptTokens: number;
  completionTokens: number;
  costUsd: number;
  model: string;
  /** The diagnosis status; no_diagnosis = the investigation failed (the cooldown stays). */
  diagnosis: 'diagnosed' | 'no_diagnosis';
}

export interface ProactiveCycleResult {
  cycleId: string;
  skipped?: string;
  hotspots: number;
  verdicts: Partial<Record<HotspotVerdict, number>>;
  investigations: { fingerprint: string; workflowId?: string; error?: string; merged?: boolean }[];
  /** Investigations resolved because their hotspot stopped firing. */
  resolved?: ResolveOutcome[];
  digest: 'sent' | 'nothing to report' | 'failed';
}

export const PROACTIVE_STATE_WORKFLOW_ID = 'palisade-proactive';
export const PROACTIVE_STATE_WORKFLOW_TYPE = 'proactiveStateWorkflow';
export const PROACTIVE_CYCLE_WORKFLOW_TYPE = 'proactiveCycleWorkflow';
export const PROACTIVE_SCHEDULE_ID = 'palisade-proactive-cycle';
