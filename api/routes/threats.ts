// Control API over threats: list, show, decide, hold, bulk decide. Every write goes through runtime/operator-actions.
import { Router } from 'express';
import { z } from 'zod';
import { threatUiLink } from '../../domain/temporal-ui';
import { bulkDecide, getThreat, listThreats, submitDecision, submitHoldAction } from '../../runtime/operator-actions';
import type { ApiDeps } from '../deps';
import { validate } from '../errors';
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
    const results = await bulkDecide(client, {
      decision: b.decision, approver: b.approver, channel: b.channel, comment: b.comment, durationHours: b.durationHours,
    }, b.ips, opts);
    const accepted = results.filter((r) => r.ok).length;
    logger.info({ decision: b.decision, approver: b.approver, channel: b.channel, accepted, refused: results.length - accepted }, 'bulk decision');
    res.json({ accepted, refused: results.length - accepted, results });
  });

  return router;
}
