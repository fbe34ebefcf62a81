// The state of one threat case and everything that talks to it from outside: sightings, operator decisions and
// hold actions (updates with synchronous validators, and their signal twins), the state query. The lifecycle
// steps (deciding.ts, block-saga.ts, watch.ts) work on this object.
import {
  ApplicationFailure, condition, log, proxyLocalActivities, setHandler, upsertSearchAttributes, workflowInfo
} from '@temporalio/workflow';
import type { SearchAttributePair } from '@temporalio/common';
import type { NotifyActivities } from '../../activities/notify';
import type { PolicyConfig } from '../../domain/config';
import { emptyEvidence, mergeSighting } from '../../domain/evidence';
import { outcomeNotification } from '../../domain/notifications';
import { checkHoldAction, checkHumanDecision, holdActionConflict, decisionConflict } from '../../domain/operator-input';
import { SA } from '../../domain/search-attributes';
import type {
  BlockRecord, DecideResult, EnforcementStep, HoldAction, ThreatCarry, ThreatState, ThreatWorkflowInput,
} from '../../domain/threat-state';
import type {
  BlockRequest, HumanDecision, IndexedThreatStatus, Notification, RecordedHumanDecision, Sighting, ThreatOutcome, ThreatStatus,
} from '../../domain/types';
import { decideSignal, decideUpdate, holdSignal, holdUpdate, sightingSignal, stateQuery } from '../messages';
import { metricsSink } from '../metrics-sink';
import { LOCAL_ACTIVITY_OPTIONS } from '../retry-policies';

const notifyActs = proxyLocalActivities<NotifyActivities>(LOCAL_ACTIVITY_OPTIONS.notify);

export const HOUR_MS = 3_600_000;
export const nowIso = () => new Date().toISOString();

export class ThreatCase {
  policy: PolicyConfig;
  readonly carry: ThreatCarry;
  readonly state: ThreatState;
  /** Sightings that arrive while the run is idle (before the first one, or after the outcome). */
  readonly inbox: Sighting[] = [];
  humanDecision?: RecordedHumanDecision;
  /** Set by every accepted hold action; the hold loop re-evaluates its timer when it flips. */
  holdChanged = false;

  constructor(readonly input: ThreatWorkflowInput) {
    this.policy = input.policy;
    this.carry = input.carry ?? { priorBlocks: 0, cycle: 1, pendingSightings: [] };
    this.state = this.carry.resumeHold ?? {
      workflowId: workflowInfo().workflowId,
      ip: input.ip,
      cycle: this.carry.cycle,
      status: 'screening',
      priorBlocks: this.carry.priorBlocks,
      evidence: emptyEvidence(input.ip, nowIso()),
      mode: this.policy.mode,
      dryRun: this.policy.dryRun,
      enforcement: [],
      holdActions: [],
      timeline: [],
      previous: this.carry.lastCase,
    };
    this.registerHandlers();
  }

  // ---- messages -------------------------------------------------------------------------------------------

  private registerHandlers() {
    setHandler(sightingSignal, (s) => this.onSighting(s));
    setHandler(stateQuery, () => this.state);
    setHandler(decideUpdate, (d) => this.applyHumanDecision(d), {
      validator: (d) => rejectIf(this.decisionProblem(d)),
      description: 'Approve or reject a pending block: {"decision":"approve","approver":"alice","channel":"temporal-ui","comment":"..."}',
    });
    setHandler(decideSignal, (d) => {
      const problem = this.decisionProblem(d);
      if (problem) this.note('decision signal ignored', problem);
      else this.applyHumanDecision(d);
    }, { description: 'Signal twin of the decide update (same JSON).' });
    setHandler(holdUpdate, (a) => this.applyHoldAction(a), {
      validator: (a) => rejectIf(this.holdProblem(a)),
      description: 'Change a held block: {"action":"extend","hours":24,"by":"alice","channel":"temporal-ui"}, or "release" / "make_permanent".',
    });
    setHandler(holdSignal, (a) => {
      const problem = this.holdProblem(a);
      if (problem) this.note('hold signal ignored', problem);
      else this.applyHoldAction(a);
    }, { description: 'Signal twin of the hold update (same JSON).' });
  }

  /** Validators run before their handler and see every decision already accepted, so a second one is refused. */
  private decisionProblem(d: unknown): string | undefined {
    return checkHumanDecision(d, this.state.status, this.policy, this.state.review?.case) ?? decisionConflict(this.humanDecision);
  }

  private holdProblem(a: unknown): string | undefined {
    return checkHoldAction(a, this.state.status, this.policy) ?? holdActionConflict(a as HoldAction, this.state.holdActions, this.state.block);
  }

  private onSighting(s: Sighting) {
    if (!isSighting(s)) {
      this.note('sighting ignored', 'malformed sighting payload');
      return;
    }
    if (this.state.outcome || this.state.status === 'watching' || this.state.evidence.sightingCount === 0) {
      this.inbox.push(s);
    } else {
      // The case is open: duplicates merge into the evidence; they never re-notify or re-propose.
      this.state.evidence = mergeSighting(this.state.evidence, s);
    }
  }

  /** The one code path every approval channel ends in (update or signal; API, Discord, CLI, UI, links). */
  private applyHumanDecision(d: HumanDecision): DecideResult {
    const decision: RecordedHumanDecision = { ...d, approver: d.approver.trim(), decidedAt: nowIso() };
    this.humanDecision = decision;
    if (this.state.review) this.state.review.decision = decision;
    this.note(`${d.decision === 'approve' ? 'approved' : 'rejected'} by ${decision.approver} via ${d.channel}`, d.comment);
    metricsSink.humanDecision('threat', d.decision, d.channel);
    return { accepted: true, status: this.state.status, decision };
  }

  private applyHoldAction(a: HoldAction): BlockRecord | undefined {
    const block = this.state.block!;
    this.state.holdActions.push({ ...a, at: nowIso() });
    if (a.action === 'extend' && !block.permanent) {
      const base = Math.max(Date.parse(block.expiresAt ?? nowIso()), Date.now());
      block.expiresAt = new Date(base + a.hours! * HOUR_MS).toISOString();
      block.durationHours += a.hours!;
    } else if (a.action === 'make_permanent') {
      block.permanent = true;
      block.expiresAt = undefined;
    }
    this.note(`${a.action.replace('_', ' ')} by ${a.by} via ${a.channel}`, a.action === 'extend' ? `+${a.hours} h${a.reason ? `: ${a.reason}` : ''}` : a.reason);
    this.holdChanged = true;
    return block;
  }

  get released(): boolean {
    return this.state.holdActions.some((a) => a.action === 'release');
  }

  // ---- status, search attributes, notes -------------------------------------------------------------------

  /** Where the case is, for the state query only: costs nothing in the history. */
  setStatus(status: ThreatStatus) {
    this.state.status = status;
  }

  /**
   * A status operators filter on (pending review, blocked, closed): the state and one search-attribute upsert with
   * everything a visibility query needs at that point. IP, source and mode were set when the workflow started.
   */
  index(status: IndexedThreatStatus, extra: SearchAttributePair[] = []) {
    this.state.status = status;
    upsertSearchAttributes([{ key: SA.status, value: status }, ...extra]);
  }

  note(event: string, detail?: string) {
    this.state.timeline.push({ at: nowIso(), event, detail: detail?.slice(0, 1000) });
    if (this.state.timeline.length > 200) this.state.timeline.splice(0, this.state.timeline.length - 200);
    log.info(`${this.input.ip}: ${event}`, { detail });
  }

  step(step: EnforcementStep['step'], r: Omit<EnforcementStep, 'step'>) {
    this.state.enforcement.push({ step, ...r });
    this.note(`${step}: ${r.ok ? 'ok' : 'failed'}`, r.detail);
  }

  failedStep(err: unknown): Omit<EnforcementStep, 'step'> {
    return { enforcer: this.state.block?.enforcer ?? this.input.enforcer, ok: false, simulated: Boolean(this.state.block?.dryRun), detail: errorMessage(err), at: nowIso() };
  }

  /** Notifications run as local activities: inside the workflow task that decided to send them. */
  async notify(n: Notification) {
    try {
      await notifyActs.notify(n);
    } catch (err) {
      this.note('notification failed', errorMessage(err));
    }
  }

  // ---- opening and closing a case -------------------------------------------------------------------------

  /** Waits for the first sighting (a fresh run may start from a signal that is still on its way), merges them. */
  async open(): Promise<void> {
    for (const s of this.carry.pendingSightings) this.state.evidence = mergeSighting(this.state.evidence, s);
    if (this.state.evidence.sightingCount === 0) await condition(() => this.inbox.length > 0);
    for (const s of this.inbox.splice(0)) this.state.evidence = mergeSighting(this.state.evidence, s);
    this.note(`case ${this.state.cycle} opened`, `${this.state.evidence.sightingCount} sighting(s) from ${this.state.evidence.sources.join(', ')}`);
  }

  /** The outcome of this case. The run stays open afterwards (watch.ts) to remember the IP. */
  async close(outcome: ThreatOutcome, reasons: string[]): Promise<void> {
    this.state.outcome = outcome;
    this.note(`outcome: ${outcome}`, reasons.join('; '));
    metricsSink.caseOutcome(outcome);
    this.index('closed', [{ key: SA.outcome, value: outcome }, { key: SA.outcomeAt, value: new Date() }, ...(this.state.score !== undefined ? [{ key: SA.score, value: this.state.score }] : [])]);
    // A block that ran its course is routine; everything else needs an operator's attention.
    if (outcome !== 'expired' || this.policy.notify?.expired) await this.notify(outcomeNotification(this.state, outcome, reasons));
  }

  // ---- identities -----------------------------------------------------------------------------------------

  historyTooLong(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || (this.input.maxHistoryEvents !== undefined && info.historyLength > this.input.maxHistoryEvents);
  }

  /** The governor's idempotency key: one reservation per case. */
  governorKey() {
    return `${this.state.workflowId}#${this.state.cycle}`;
  }

  blockRequest(): BlockRequest {
    const b = this.state.block!;
    return {
      blockId: b.blockId, ip: b.address ?? this.input.ip, target: b.target, direction: this.state.evidence.direction,
      reason: `palisade ${this.state.decision?.kind ?? 'block'} case ${this.state.cycle}`, dryRun: b.dryRun, enforcer: b.enforcer,
      ...(b.written ? { written: b.written } : {}),
    };
  }
}

function rejectIf(problem: string | undefined) {
  if (problem) throw ApplicationFailure.nonRetryable(problem, 'InvalidOperatorInput');
}

function isSighting(s: unknown): s is Sighting {
  if (typeof s !== 'object' || s === null) return false;
  const x = s as Sighting;
  return typeof x.source === 'string' && typeof x.score === 'number' && (x.direction === 'inbound' || x.direction === 'outbound')
    && typeof x.observedAt === 'string' && typeof x.evidence === 'object' && x.evidence !== null;
}

/** The innermost message of an activity failure chain (the firewall's words, not Temporal's wrapper). */
export function errorMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && (e as { cause?: unknown }).cause instanceof Error) e = (e as { cause?: unknown }).cause;
  return e instanceof Error ? e.message : String(err);
}
