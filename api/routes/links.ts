// Signed approval links: minted by an authenticated operator (POST /api/links), used by whoever holds the link
// (GET /approve/:token shows a confirmation page and records nothing; POST /approve/:token records the decision
// through the single operator-action path, channel 'signed-link'). A link decides a threat (bound to its pending
// case) or an incident (an alert investigation awaiting a decision).
import express, { Router, type Request, type Response } from 'express';
import { checkCaseBinding } from '../../domain/case-binding';
import { getIncident, requireUndecided } from '../../runtime/incidents';
import {
  getThreat, normaliseIncidentId, normaliseThreatIp, OperatorActionError, pendingCaseOf, requirePendingCase, submitOperatorDecision,
  type DecisionTarget, type IncidentDecision,
} from '../../runtime/operator-actions';
import type { HumanDecision } from '../../domain/types';
import {
  isIncidentToken, signApprovalLink, signIncidentLink, verifyApprovalLink, verifyIncidentLink,
  type IncidentLinkVerification, type LinkVerification,
} from '../../runtime/signed-links';
import { signedLinkUses } from '../../runtime/metrics';
import type { ApiDeps } from '../deps';
import { ApiError, OPERATOR_ERROR_STATUS, validate } from '../errors';
import { renderConfirm, renderIncidentConfirm, renderResult } from '../pages';
import { incidentLinkBody, linkBody, linkConfirmBody } from '../schemas';

const REFUSAL_STATUS = { malformed: 400, bad_signature: 403, expired: 410 } as const;

function requireKey(deps: Pick<ApiDeps, 'secrets'>): string {
  const key = deps.secrets.linkSigningKey;
  if (!key) throw new ApiError(503, 'signed approval links are disabled: no link signing key is configured');
  return key;
}

/** POST /api/links (mounted behind the control-token check). */
export function createLinksRouter(deps: Pick<ApiDeps, 'client' | 'config' | 'logger' | 'secrets'>): Router {
  const router = Router();
  router.post('/links', async (req, res) => {
    const key = requireKey(deps);
    if (req.body && typeof req.body === 'object' && 'incident' in req.body) return void res.status(201).json(await mintIncidentLink(key, req.body));
    const b = validate(linkBody, req.body);
    const ip = normaliseThreatIp(b.ip);
    // 404 when there is no such threat, 409 when no review is pending: a link is bound to the case pending now.
    const pending = requirePendingCase(await getThreat(deps.client, ip));
    if (b.case !== undefined && b.case !== pending) throw new OperatorActionError('invalid_state', `case ${b.case} is not the review pending for ${ip} (${pending})`);
    const { token, claims } = signApprovalLink(key, { ip, case: pending, decision: b.decision, approver: b.approver, durationHours: b.durationHours }, {
      ttlSeconds: b.ttlSeconds ?? deps.config.api.signedLinkTtlSeconds,
    });
    const url = `${deps.config.api.publicUrl.replace(/\/+$/, '')}/approve/${token}`;
    deps.logger.info({ ip, case: pending, decision: b.decision, approver: b.approver, expiresAt: claims.exp }, 'signed approval link minted');
    res.status(201).json({ url, token, ip, case: pending, decision: claims.decision, approver: claims.approver, expiresAt: new Date(claims.exp * 1000).toISOString() });
  });

  /** An incident link: only for an investigation that still awaits a decision (404 unknown, 409 decided or closed). */
  async function mintIncidentLink(key: string, body: unknown) {
    const b = validate(incidentLinkBody, body);
    const id = normaliseIncidentId(b.incident);
    requireUndecided(await getIncident(deps.client, id));
    const { token, claims } = signIncidentLink(key, { incident: id, decision: b.decision, approver: b.approver }, {
      ttlSeconds: b.ttlSeconds ?? deps.config.api.signedLinkTtlSeconds,
    });
    deps.logger.info({ incident: id, decision: b.decision, approver: b.approver, expiresAt: claims.exp }, 'signed incident link minted');
    return {
      url: `${deps.config.api.publicUrl.replace(/\/+$/, '')}/approve/${token}`, token, incident: id, decision: claims.decision,
      approver: claims.approver, expiresAt: new Date(claims.exp * 1000).toISOString(),
    };
  }
  return router;
}

type CheckedLink =
  | { kind: 'threat'; v: Extract<LinkVerification, { ok: true }> }
  | { kind: 'incident'; v: Extract<IncidentLinkVerification, { ok: true }> };

const wantsHtml = (req: Request) => !req.is('application/json') && req.accepts(['html', 'json']) === 'html';

function refuse(req: Request, res: Response, status: number, message: string) {
  if (wantsHtml(req)) res.status(status).type('html').send(renderResult(false, 'Link refused', message));
  else res.status(status).json({ error: message });
}

/** GET/POST /approve/:token (public: the link itself is the credential). */
export function createApproveRouter(deps: Pick<ApiDeps, 'client' | 'logger' | 'secrets' | 'usedLinks' | 'config' | 'operatorTimeoutMs'>): Router {
  const router = Router();
  const limit = deps.config.api.maxBodyBytes;
  // Parsers only on the POST: this router is mounted at the root and must not parse bodies meant for other routes.
  const bodyParsers = [express.urlencoded({ extended: false, limit, parameterLimit: 10 }), express.json({ limit })];

  async function check(req: Request, res: Response): Promise<CheckedLink | undefined> {
    const key = deps.secrets.linkSigningKey;
    if (!key) {
      refuse(req, res, 503, 'signed approval links are disabled: no link signing key is configured');
      return undefined;
    }
    const token = String(req.params.token);
    const incident = isIncidentToken(token);
    const v = incident ? verifyIncidentLink(key, token) : verifyApprovalLink(key, token);
    if (!v.ok) {
      signedLinkUses.inc({ result: v.reason });
      refuse(req, res, REFUSAL_STATUS[v.reason], v.message);
      return undefined;
    }
    if (await deps.usedLinks.isUsed(v.fingerprint)) {
      signedLinkUses.inc({ result: 'reused' });
      refuse(req, res, 410, 'this approval link has already been used');
      return undefined;
    }
    return incident ? { kind: 'incident', v: v as Extract<IncidentLinkVerification, { ok: true }> } : { kind: 'threat', v: v as Extract<LinkVerification, { ok: true }> };
  }

  router.get('/approve/:token', async (req, res) => {
    const checked = await check(req, res);
    if (!checked) return;
    if (checked.kind === 'incident') return void res.type('html').send(await incidentConfirmPage(String(req.params.token), checked.v.claims));
    const c = checked.v.claims;
    let status: string | undefined;
    let score: number | undefined;
    let reasons: string[] | undefined;
    let proposal: string | undefined;
    let warning: string | undefined;
    try {
      const t = await getThreat(deps.client, c.ip);
      status = t.state?.status ?? t.execution.executionStatus.toLowerCase();
      // The same check the workflow makes when the button is pressed, shown before it is.
      if (t.state?.status === 'pending_review') warning = checkCaseBinding(c.case, pendingCaseOf(t), 'signed-link');
      score = t.state?.intel?.compositeScore ?? t.state?.evidence.maxScore;
      reasons = t.state?.decision?.reasons;
      if (t.state?.proposal) proposal = `${t.state.proposal.action} ${t.state.proposal.durationHours} h: ${t.state.proposal.reason}`;
    } catch (err) {
      status = err instanceof OperatorActionError && err.code === 'not_found' ? 'no open threat' : 'unknown (Temporal unavailable)';
    }
    res.type('html').send(renderConfirm({
      token: String(req.params.token), ip: c.ip, case: c.case, decision: c.decision, approver: c.approver, durationHours: c.durationHours,
      expiresAt: new Date(c.exp * 1000).toISOString(), status, score, reasons, proposal, warning,
    }));
  });

  async function incidentConfirmPage(token: string, c: Extract<IncidentLinkVerification, { ok: true }>['claims']) {
    let status: string | undefined;
    let alert: { name: string; severity: string; summary: string } | undefined;
    let diagnosis: string | undefined;
    let warning: string | undefined;
    try {
      const i = await getIncident(deps.client, c.incident);
      status = i.state?.status ?? i.execution.executionStatus.toLowerCase();
      if (i.state?.alert) alert = { name: i.state.alert.name, severity: i.state.alert.severity, summary: i.state.alert.summary };
      const d = i.state?.diagnosis;
      if (d) diagnosis = d.status === 'diagnosed' ? d.summary : `no diagnosis: ${d.reason ?? ''}`;
      // The same refusal the workflow will give when the button is pressed, shown before it is.
      if (i.state?.decision) warning = `this incident was already decided (${i.state.decision.decision} by ${i.state.decision.operator}): the link will be refused`;
    } catch (err) {
      status = err instanceof OperatorActionError && err.code === 'not_found' ? 'no such incident' : 'unknown (Temporal unavailable)';
    }
    return renderIncidentConfirm({ token, incident: c.incident, decision: c.decision, approver: c.approver, expiresAt: new Date(c.exp * 1000).toISOString(), status, alert, diagnosis, warning });
  }

  router.post('/approve/:token', ...bodyParsers, async (req, res) => {
    const checked = await check(req, res);
    if (!checked) return;
    const body = validate(linkConfirmBody, req.body ?? {});
    const { v } = checked;
    const c = v.claims;
    // Claim first: of two concurrent uses, exactly one proceeds.
    if (!(await deps.usedLinks.claim(v.fingerprint, c.exp))) {
      signedLinkUses.inc({ result: 'reused' });
      return refuse(req, res, 410, 'this approval link has already been used');
    }
    const comment = body.comment || undefined;
    let target: DecisionTarget;
    let decision: HumanDecision | IncidentDecision;
    if (checked.kind === 'threat') {
      const t = checked.v.claims;
      target = { kind: 'threat', ip: t.ip };
      decision = { decision: t.decision, approver: t.approver, channel: 'signed-link', comment, durationHours: t.durationHours, ...(t.case !== undefined ? { case: t.case } : {}) };
    } else {
      const i = checked.v.claims;
      target = { kind: 'incident', id: i.incident };
      decision = { decision: i.decision, approver: i.approver, channel: 'signed-link', ...(comment ? { comment } : {}) };
    }
    try {
      const r = await submitOperatorDecision(deps.client, target, decision, { updateId: `signed-link-${v.fingerprint.slice(0, 32)}`, timeoutMs: deps.operatorTimeoutMs });
      signedLinkUses.inc({ result: 'accepted' });
      const subject = r.kind === 'threat' ? r.ip : `incident ${r.id}`;
      deps.logger.info({ ...(r.kind === 'threat' ? { ip: r.ip } : { incident: r.id }), decision: c.decision, approver: c.approver, channel: 'signed-link' }, 'human decision recorded');
      if (wantsHtml(req)) {
        const verb = { approve: 'Approved', reject: 'Rejected', acknowledge: 'Acknowledged' }[c.decision];
        const after = r.kind === 'threat' ? `The threat is now ${r.result.status}.` : `The decision is recorded (execution: ${r.result.decision.execution}).`;
        res.type('html').send(renderResult(true, verb, `${verb} ${subject} as ${c.approver}. ${after}`));
      } else {
        res.json(r.result);
      }
    } catch (err) {
      const e = err instanceof OperatorActionError ? err : new OperatorActionError('unavailable', 'the decision could not be delivered');
      // Nothing was recorded (no case yet, the case not pending, Temporal unreachable): give the link back, so a
      // link clicked too early still works once its case is awaiting review.
      await deps.usedLinks.release(v.fingerprint);
      signedLinkUses.inc({ result: 'failed' });
      refuse(req, res, OPERATOR_ERROR_STATUS[e.code], e.message);
    }
  });

  return router;
}
