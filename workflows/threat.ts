// One durable workflow per suspicious IP (`threat/<ip>`): the lifecycle of ../shared/design.md.
//
//   sighting(s) → screen → enrich → propose → decide → [review] → enforce → verify → hold → lift → verify removal
//
// One run is one case (cycle). After its outcome the run stays open to remember the IP and merge late sightings;
// a sighting that reopens the case continues-as-new into the next cycle, carrying the block count that drives the
// duration ladder. Decisions are pure functions from domain/; everything that touches the world is an activity.
import {
  ApplicationFailure, allHandlersFinished, condition, continueAsNew, log, proxyActivities, setHandler, sleep,
  upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow';
import type { EnforcementActivities } from '../activities/enforcement';
import type { NotifyActivities } from '../activities/notify';
import type { ThreatActivities } from '../activities/threat';
import type { PolicyConfig } from '../domain/config';
import { shouldReopen, watchHours, type ClosedCase } from '../domain/cycle';
import { emptyEvidence, mergeSighting } from '../domain/evidence';
import { intelFromEvidence } from '../domain/intel-from-evidence';
import { outcomeNotification, reviewNeeded } from '../domain/notifications';
import { checkHoldAction, checkHumanDecision } from '../domain/operator-input';
import { assessThreat, decide, screenTarget, type ThreatFacts } from '../domain/policy';
import { SA } from '../domain/search-attributes';
import type {
  BlockRecord, DecideResult, EnforcementStep, HoldAction, ThreatCarry, ThreatRunResult, ThreatState, ThreatWorkflowInput,
} from '../domain/threat-state';
import type { BlockRequest, HumanDecision, Notification, Proposal, Sighting, ThreatOutcome, ThreatStatus } from '../domain/types';
import { decideSignal, decideUpdate, holdSignal, holdUpdate, sightingSignal, stateQuery } from './messages';
import { ACTIVITY_OPTIONS } from './retry-policies';

const screening = proxyActivities<ThreatActivities>(ACTIVITY_OPTIONS.screening);
const intelActs = proxyActivities<ThreatActivities>(ACTIVITY_OPTIONS.intel);
const proposalActs = proxyActivities<ThreatActivities>(ACTIVITY_OPTIONS.proposal);
const governorActs = proxyActivities<ThreatActivities>(ACTIVITY_OPTIONS.governor);
const notifyActs = proxyActivities<NotifyActivities>(ACTIVITY_OPTIONS.notify);

const nowIso = () => new Date().toISOString();
const HOUR_MS = 3_600_000;

export async function threatWorkflow(input: ThreatWorkflowInput): Promise<ThreatRunResult> {
  return new ThreatCase(input).run();
}

class ThreatCase {
  private policy: PolicyConfig;
  private readonly carry: ThreatCarry;
  private readonly state: ThreatState;
  private readonly enforce: EnforcementActivities;
  /** Sightings that arrive while the run is idle (before the first one, or after the outcome). */
  private readonly inbox: Sighting[] = [];
  private humanDecision?: HumanDecision;
  private holdChanged = false;

  constructor(private readonly input: ThreatWorkflowInput) {
    this.policy = input.policy;
    this.carry = input.carry ?? { priorBlocks: 0, cycle: 1, pendingSightings: [] };
    this.enforce = proxyActivities<EnforcementActivities>({ ...ACTIVITY_OPTIONS.enforce, taskQueue: input.enforceTaskQueue });
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
      validator: (d) => this.rejectIf(checkHumanDecision(d, this.state.status, this.policy)),
      description: 'Approve or reject a pending block: {"decision":"approve","approver":"alice","channel":"temporal-ui","comment":"..."}',
    });
    setHandler(decideSignal, (d) => {
      const problem = checkHumanDecision(d, this.state.status, this.policy);
      if (problem) this.note('decision signal ignored', problem);
      else this.applyHumanDecision(d);
    }, { description: 'Signal twin of the decide update (same JSON).' });
    setHandler(holdUpdate, (a) => this.applyHoldAction(a), {
      validator: (a) => this.rejectIf(checkHoldAction(a, this.state.status, this.policy)),
      description: 'Change a held block: {"action":"extend","hours":24,"by":"alice","channel":"temporal-ui"}, or "release" / "make_permanent".',
    });
    setHandler(holdSignal, (a) => {
      const problem = checkHoldAction(a, this.state.status, this.policy);
      if (problem) this.note('hold signal ignored', problem);
      else this.applyHoldAction(a);
    }, { description: 'Signal twin of the hold update (same JSON).' });
  }

  private rejectIf(problem: string | undefined) {
    if (problem) throw ApplicationFailure.nonRetryable(problem, 'InvalidOperatorInput');
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
    const decision = { ...d, approver: d.approver.trim(), decidedAt: nowIso() };
    this.humanDecision = decision;
    if (this.state.review) this.state.review.decision = decision;
    this.note(`${d.decision === 'approve' ? 'approved' : 'rejected'} by ${decision.approver} via ${d.channel}`, d.comment);
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

  // ---- lifecycle ------------------------------------------------------------------------------------------

  async run(): Promise<ThreatRunResult> {
    if (this.carry.resumeHold) {
      this.note('resumed holding the block after continue-as-new');
      await this.holdAndLift(this.blockRequest());
      return this.watch();
    }
    for (const s of this.carry.pendingSightings) this.state.evidence = mergeSighting(this.state.evidence, s);
    if (this.state.evidence.sightingCount === 0) {
      await condition(() => this.inbox.length > 0);
    }
    for (const s of this.inbox.splice(0)) this.state.evidence = mergeSighting(this.state.evidence, s);
    this.note(`case ${this.state.cycle} opened`, `${this.state.evidence.sightingCount} sighting(s) from ${this.state.evidence.sources.join(', ')}`);
    await this.runCase();
    return this.watch();
  }

  private async runCase(): Promise<void> {
    const st = this.state;
    await this.setStatus('screening');
    const ctx = await screening.screeningContext();
    if (ctx.policy) this.policy = ctx.policy;
    st.mode = this.policy.mode;
    st.dryRun = this.policy.dryRun;
    const screen = screenTarget(this.input.ip, this.policy, ctx.allowlist, nowIso());
    if (!screen.blockable) return this.close('skipped_never_block', [screen.reason]);

    await this.setStatus('enriching');
    try {
      st.intel = await intelActs.enrichThreat({ ip: this.input.ip, evidence: st.evidence });
    } catch (err) {
      st.intel = intelFromEvidence({ ip: this.input.ip, evidence: st.evidence });
      st.intel.notes.push(`intel activity failed: ${errorMessage(err)}`);
    }
    const facts: ThreatFacts = {
      ip: this.input.ip, evidence: st.evidence, intel: st.intel, policy: this.policy, allowlist: ctx.allowlist,
      priorBlocks: st.priorBlocks, now: nowIso(),
    };
    const assessment = assessThreat(facts);
    st.mode = assessment.settings.mode;
    st.dryRun = assessment.settings.dryRun;
    upsertSearchAttributes([{ key: SA.score, value: assessment.score }, { key: SA.mode, value: st.mode }]);
    if (assessment.kind !== 'analyse') {
      st.decision = { kind: assessment.kind, reasons: assessment.reasons, dryRun: st.dryRun };
      return this.close(assessment.kind === 'record' ? 'recorded' : 'skipped_never_block', assessment.reasons);
    }

    await this.setStatus('proposing');
    st.proposal = await this.propose(assessment.settings.autoBar);
    await this.setStatus('deciding');
    let decision = decide({ ...facts, proposal: st.proposal });
    if (decision.kind === 'auto') {
      const limits = { cap: this.policy.governor.maxUnattendedActions, windowMinutes: this.policy.governor.windowMinutes };
      try {
        st.governor = await governorActs.reserveUnattendedSlot({ ...this.governorRequest(), ...limits });
      } catch (err) {
        // No answer from the governor: the safe side is a human.
        this.note('rate governor unavailable', errorMessage(err));
        st.governor = { granted: false, used: limits.cap, ...limits };
      }
      decision = decide({ ...facts, proposal: st.proposal, governor: st.governor });
    }
    st.decision = decision;
    this.note(`policy decided: ${decision.kind}`, decision.reasons.join('; '));
    if (decision.kind === 'record') return this.close('recorded', decision.reasons);
    if (decision.kind === 'skip_never_block') return this.close('skipped_never_block', decision.reasons);

    let durationHours = decision.block!.durationHours;
    if (decision.kind === 'review') {
      const human = await this.awaitReview();
      if (!human) return this.close('review_expired', ['no decision before the review deadline']);
      if (human.decision === 'reject') return this.close('rejected', [`rejected by ${human.approver} via ${human.channel}${human.comment ? `: ${human.comment}` : ''}`]);
      durationHours = human.durationHours ?? durationHours;
      // Human approvals are never blocked by the governor, but they are counted.
      try {
        st.governor = await governorActs.recordHumanAction({
          ...this.governorRequest(), cap: this.policy.governor.maxUnattendedActions, windowMinutes: this.policy.governor.windowMinutes,
        });
      } catch (err) {
        this.note('rate governor did not record the approval', errorMessage(err));
      }
    }
    st.block = {
      blockId: `${this.input.ip}#${st.cycle}`, target: decision.block!.target, durationHours, permanent: false,
      dryRun: st.dryRun, enforcer: st.dryRun ? 'simulated' : this.input.enforcer,
    };
    const req = this.blockRequest();
    if (!(await this.applyAndVerify(req))) return;
    await this.holdAndLift(req);
  }

  private async propose(autoThreshold: number): Promise<Proposal> {
    const st = this.state;
    const d = this.policy.durations;
    try {
      return await proposalActs.proposeAction({
        ip: this.input.ip, evidence: st.evidence, intel: st.intel!,
        history: { priorBlocks: st.priorBlocks, lastOutcome: st.previous?.outcome },
        bounds: { minHours: d.minHours, maxHours: d.maxHours, ladderHours: d.ladderHours, repeatOffenderThreshold: d.repeatOffenderThreshold, autoThreshold },
      });
    } catch (err) {
      return {
        action: 'no_action', target: this.input.ip, durationHours: 0, confidence: 0, recommendPermanent: false, origin: 'rules',
        reason: `proposal activity failed: ${errorMessage(err)}`,
      };
    }
  }

  private async awaitReview(): Promise<HumanDecision | undefined> {
    const r = this.policy.review;
    const deadline = (hours: number) => new Date(Date.now() + hours * HOUR_MS).toISOString();
    this.state.review = { requestedAt: nowIso(), deadline: deadline(r.timeoutHours), escalated: false };
    await this.setStatus('pending_review');
    await this.notify(reviewNeeded(this.state, false));
    if (await condition(() => this.humanDecision !== undefined, r.timeoutHours * HOUR_MS)) return this.humanDecision;
    if (r.onTimeout === 'escalate') {
      this.state.review.escalated = true;
      this.state.review.deadline = deadline(r.escalationTimeoutHours);
      this.note('review escalated', `no decision after ${r.timeoutHours} h`);
      await this.notify(reviewNeeded(this.state, true));
      if (await condition(() => this.humanDecision !== undefined, r.escalationTimeoutHours * HOUR_MS)) return this.humanDecision;
    }
    return undefined;
  }

  /** Saga: apply, wait for the firewall to settle, verify; compensate (remove) if it did not take. */
  private async applyAndVerify(req: BlockRequest): Promise<boolean> {
    await this.setStatus('enforcing');
    upsertSearchAttributes([{ key: SA.target, value: req.target }, { key: SA.enforcer, value: this.state.block!.enforcer }]);
    try {
      this.step('apply', await this.enforce.applyBlock(req));
    } catch (err) {
      this.step('apply', this.failedStep(err));
      await this.rollback(req);
      await this.close('failed', [`applying the block failed: ${errorMessage(err)}`]);
      return false;
    }
    if (this.policy.verifySettleSeconds > 0) await sleep(this.policy.verifySettleSeconds * 1000);
    await this.setStatus('verifying');
    let verified: { present: boolean; detail: string };
    try {
      verified = await this.enforce.verifyBlock(req);
    } catch (err) {
      verified = { present: false, detail: `verification failed: ${errorMessage(err)}` };
    }
    this.step('verify', { enforcer: this.state.block!.enforcer, ok: verified.present, simulated: req.dryRun, detail: verified.detail, at: nowIso() });
    if (!verified.present) {
      await this.rollback(req);
      await this.close('failed', [`the block did not take: ${verified.detail}; rolled back`]);
      return false;
    }
    const block = this.state.block!;
    block.appliedAt = nowIso();
    block.expiresAt = new Date(Date.now() + block.durationHours * HOUR_MS).toISOString();
    return true;
  }

  private async rollback(req: BlockRequest) {
    try {
      this.step('rollback', await this.enforce.removeBlock(req));
    } catch (err) {
      this.step('rollback', this.failedStep(err));
    }
  }

  private async holdAndLift(req: BlockRequest): Promise<void> {
    const block = this.state.block!;
    await this.setStatus('blocked');
    for (;;) {
      if (this.state.holdActions.some((a) => a.action === 'release')) break;
      const remaining = block.permanent ? undefined : Date.parse(block.expiresAt!) - Date.now();
      if (remaining !== undefined && remaining <= 0) break;
      if (this.historyTooLong()) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof threatWorkflow>({ ...this.input, policy: this.policy, carry: { ...this.carry, resumeHold: this.state } });
      }
      this.holdChanged = false;
      await condition(() => this.holdChanged || this.historyTooLong(), remaining);
    }
    const released = this.state.holdActions.some((a) => a.action === 'release');
    await this.setStatus('lifting');
    for (let attempt = 1; attempt <= 3; attempt++) {
      try {
        this.step('remove', await this.enforce.removeBlock(req));
        const v = await this.enforce.verifyBlock(req);
        this.step('verify_removal', { enforcer: block.enforcer, ok: !v.present, simulated: req.dryRun, detail: v.detail, at: nowIso() });
        if (!v.present) {
          block.liftedAt = nowIso();
          this.state.priorBlocks += 1;
          return this.close(released ? 'released' : 'expired', [released ? 'released by an operator' : `block expired after ${block.durationHours} h`]);
        }
      } catch (err) {
        this.step('remove', this.failedStep(err));
      }
      await sleep('1 minute');
    }
    // The entry is still there: the reconciler reports it as an orphan Palisade owns.
    this.state.priorBlocks += 1;
    await this.close('failed', ['lifting the block could not be verified after 3 attempts; the reconciler will report the entry']);
  }

  /** The outcome of this case. The run stays open afterwards (watch) to remember the IP. */
  private async close(outcome: ThreatOutcome, reasons: string[]): Promise<void> {
    this.state.outcome = outcome;
    this.note(`outcome: ${outcome}`, reasons.join('; '));
    upsertSearchAttributes([{ key: SA.outcome, value: outcome }, { key: SA.outcomeAt, value: new Date() }]);
    await this.setStatus('closed');
    await this.notify(outcomeNotification(this.state, outcome, reasons));
  }

  /** Idle until the IP is forgotten, or until a sighting reopens the case (continue-as-new into the next cycle). */
  private async watch(): Promise<ThreatRunResult> {
    const st = this.state;
    const closed: ClosedCase = { outcome: st.outcome!, closedAt: nowIso(), maxScore: Math.max(st.evidence.maxScore, st.intel?.compositeScore ?? 0) };
    const until = Date.now() + watchHours(st.priorBlocks, this.policy) * HOUR_MS;
    st.watch = { since: closed.closedAt, until: new Date(until).toISOString(), sightings: 0, maxScore: 0 };
    await this.setStatus('watching');
    const reopening: Sighting[] = [];
    for (;;) {
      while (this.inbox.length > 0 && reopening.length === 0) {
        const s = this.inbox.shift()!;
        const verdict = shouldReopen(closed, s, this.policy, nowIso());
        st.watch.sightings += 1;
        st.watch.lastSeen = s.observedAt;
        st.watch.maxScore = Math.max(st.watch.maxScore, s.score);
        if (verdict.reopen) {
          this.note('case reopened', verdict.reason);
          reopening.push(s, ...this.inbox.splice(0));
        }
      }
      if (reopening.length > 0 || Date.now() >= until) break;
      if (this.historyTooLong()) break;
      await condition(() => this.inbox.length > 0 || this.historyTooLong(), until - Date.now());
    }
    await condition(allHandlersFinished);
    if (reopening.length > 0 || this.historyTooLong()) {
      const reopen = reopening.length > 0;
      return continueAsNew<typeof threatWorkflow>({
        ...this.input,
        policy: this.policy,
        carry: {
          priorBlocks: st.priorBlocks,
          cycle: reopen ? st.cycle + 1 : st.cycle,
          lastCase: closed,
          pendingSightings: reopening,
        },
      });
    }
    return { ip: this.input.ip, cycle: st.cycle, outcome: st.outcome, priorBlocks: st.priorBlocks };
  }

  // ---- helpers --------------------------------------------------------------------------------------------

  private historyTooLong(): boolean {
    const info = workflowInfo();
    return info.continueAsNewSuggested || (this.input.maxHistoryEvents !== undefined && info.historyLength > this.input.maxHistoryEvents);
  }

  private governorRequest() {
    return { key: `${this.state.workflowId}#${this.state.cycle}`, ip: this.input.ip };
  }

  private blockRequest(): BlockRequest {
    const b = this.state.block!;
    return {
      blockId: b.blockId, ip: this.input.ip, target: b.target, direction: this.state.evidence.direction,
      reason: `palisade ${this.state.decision?.kind ?? 'block'} case ${this.state.cycle}`, dryRun: b.dryRun, enforcer: b.enforcer,
    };
  }

  private async setStatus(status: ThreatStatus) {
    this.state.status = status;
    upsertSearchAttributes([
      { key: SA.status, value: status },
      { key: SA.ip, value: this.input.ip },
      { key: SA.source, value: this.state.evidence.sources[0] ?? 'unknown' },
    ]);
  }

  private step(step: EnforcementStep['step'], r: Omit<EnforcementStep, 'step'>) {
    this.state.enforcement.push({ step, ...r });
    this.note(`${step}: ${r.ok ? 'ok' : 'failed'}`, r.detail);
  }

  private failedStep(err: unknown): Omit<EnforcementStep, 'step'> {
    return { enforcer: this.state.block?.enforcer ?? this.input.enforcer, ok: false, simulated: Boolean(this.state.block?.dryRun), detail: errorMessage(err), at: nowIso() };
  }

  private async notify(n: Notification) {
    try {
      await notifyActs.notify(n);
    } catch (err) {
      this.note('notification failed', errorMessage(err));
    }
  }

  private note(event: string, detail?: string) {
    this.state.timeline.push({ at: nowIso(), event, detail: detail?.slice(0, 1000) });
    if (this.state.timeline.length > 200) this.state.timeline.splice(0, this.state.timeline.length - 200);
    log.info(`${this.input.ip}: ${event}`, { detail });
  }
}

function isSighting(s: unknown): s is Sighting {
  if (typeof s !== 'object' || s === null) return false;
  const x = s as Sighting;
  return typeof x.source === 'string' && typeof x.score === 'number' && (x.direction === 'inbound' || x.direction === 'outbound')
    && typeof x.observedAt === 'string' && typeof x.evidence === 'object' && x.evidence !== null;
}

/** The innermost message of an activity failure chain (the firewall's words, not Temporal's wrapper). */
function errorMessage(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error && (e as { cause?: unknown }).cause instanceof Error) e = (e as { cause?: unknown }).cause;
  return e instanceof Error ? e.message : String(err);
}
