// Control API over threats: list, show, decide, hold, bulk decide. Every write goes through runtime/operator-actions.
import { Router } from 'express';
import { z } from 'zod';
import { checkFilterShape, checkFilterSource, checkFilterStatus, type BulkFilter } from '../../domain/bulk-selection';
import { threatUiLink } from '../../domain/temporal-ui';
import { decideInBulk, type BulkSelection } from '../../runtime/bulk-decisions';
import { getThreat, listThreats, submitDecision, submitHoldAction } from '../../runtime/operator-actions';
import type { ApiDeps } from '../deps';
import { ApiError, validate } from '../errors';
import { bulkDecisionBody, decisionBody, holdBody } from '../schemas';

const listQuery = z.object({
  status: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(5000).optional(),
});

export function createThreatsRouter({ config, client, logger, operatorTimeoutMs }: Pick<ApiDeps, 'config' | 'client' | 'logger' | 'operatorTimeoutMs'>): Router {
  const router = Router();
  const opts = { timeoutMs: operatorTimeoutMs };

  router.get('/threats', async (req, res) => {
    const q = validate(listQuery, req.query, 'query');
    const threats = await listThreats(client, { status: q.status || undefined, limit: q.limit });
    res.json({ threats });
  });

  router.get('/threats/:ip', async (req, res) => {
    const threat = await getThreat(client, req.params.ip);
    // The review page links each threat to its workflow page in the Temporal UI (history, queries, updates).
    res.json({ ...threat, links: { temporalUi: threatUiLink(config.temporal, threat.execution.workflowId) } });
  });

  router.post('/threats/:ip/decision', async (req, res) => {
    const b = validate(decisionBody, req.body);
    const result = await submitDecision(client, req.params.ip, {
      decision: b.decision, approver: b.approver, channel: b.channel, comment: b.comment, durationHours: b.durationHours,
      ...(b.case !== undefined ? { case: b.case } : {}),
    }, opts);
    logger.info({ ip: req.params.ip, decision: b.decision, approver: b.approver, channel: b.channel, case: b.case }, 'human decision recorded');
    res.json(result);
  });

  router.post('/threats/:ip/hold', async (req, res) => {
    const b = validate(holdBody, req.body);
    const block = await submitHoldAction(client, req.params.ip, {
      action: b.action, by: b.approver, channel: b.channel, hours: b.hours, reason: b.reason,
    }, opts);
    logger.info({ ip: req.params.ip, action: b.action, by: b.approver, channel: b.channel }, 'hold action recorded');
    res.json({ block: block ?? null });
  });

  router.post('/decisions/bulk', async (req, res) => {
    const b = validate(bulkDecisionBody, req.body);
    const selection: BulkSelection = b.filter
      ? { kind: 'filter', filter: bulkFilterOf(b.filter), expectedCount: b.expectedCount! }
      : { kind: 'list', targets: b.ips!, expectedCount: b.expectedCount };
    const outcome = await decideInBulk(client, {
      decision: b.decision, approver: b.approver, channel: b.channel, comment: b.comment, durationHours: b.durationHours,
    }, selection, opts);
    logger.info({ decision: b.decision, approver: b.approver, channel: b.channel, matched: outcome.matched, accepted: outcome.accepted, refused: outcome.refused, filter: outcome.filter }, 'bulk decision');
    res.json(outcome);
  });

  return router;
}

/** The request's filter as a domain filter; each refusal is a 400 naming the field. */
function bulkFilterOf(f: { all?: true; status?: string; source?: string; minScore?: number }): BulkFilter {
  const fail = (path: string, message: string) => new ApiError(400, `invalid request body: filter.${path}: ${message}`, [{ path: `filter.${path}`, message }]);
  const out: BulkFilter = {};
  if (f.all) out.all = true;
  if (f.status !== undefined) {
    const s = checkFilterStatus(f.status);
    if (!s.ok) throw fail('status', s.reason);
    out.status = s.value;
  }
  if (f.source !== undefined) {
    const s = checkFilterSource(f.source);
    if (!s.ok) throw fail('source', s.reason);
    out.source = s.value;
  }
  if (f.minScore !== undefined) out.minScore = f.minScore;
  const shape = checkFilterShape(out);
  if (!shape.ok) throw fail('all', shape.reason);
  return shape.value;
}
