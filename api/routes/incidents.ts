// Control API over incidents (alert investigations): list, show, decide. The decision goes through
// runtime/operator-actions like every threat decision; it is recorded, never executed.
import { Router } from 'express';
import { z } from 'zod';
import { ALERT_DECISIONS } from '../../domain/alerts';
import { threatUiLink } from '../../domain/temporal-ui';
import { getIncident, listIncidents } from '../../runtime/incidents';
import { submitIncidentDecision } from '../../runtime/operator-actions';
import type { ApiDeps } from '../deps';
import { validate } from '../errors';
import { apiChannel, approverField } from '../schemas';

const listQuery = z.strictObject({
  status: z.string().max(40).optional(),
  limit: z.coerce.number().int().min(1).max(5000).optional(),
});

export const incidentDecisionBody = z.strictObject({
  decision: z.enum(ALERT_DECISIONS),
  approver: approverField,
  comment: z.string().trim().max(2000).optional(),
  channel: apiChannel,
});

export function createIncidentsRouter({ config, client, logger, operatorTimeoutMs }: Pick<ApiDeps, 'config' | 'client' | 'logger' | 'operatorTimeoutMs'>): Router {
  const router = Router();

  router.get('/incidents', async (req, res) => {
    const q = validate(listQuery, req.query, 'query');
    res.json({ incidents: await listIncidents(client, { status: q.status || undefined, limit: q.limit }) });
  });

  router.get('/incidents/:id', async (req, res) => {
    const incident = await getIncident(client, req.params.id);
    res.json({ ...incident, links: { temporalUi: threatUiLink(config.temporal, incident.execution.workflowId) } });
  });

  router.post('/incidents/:id/decision', async (req, res) => {
    const b = validate(incidentDecisionBody, req.body);
    const result = await submitIncidentDecision(client, req.params.id, {
      decision: b.decision, approver: b.approver, channel: b.channel, ...(b.comment ? { comment: b.comment } : {}),
    }, { timeoutMs: operatorTimeoutMs });
    logger.info({ incident: result.id, decision: b.decision, approver: b.approver, channel: b.channel }, 'incident decision recorded');
    res.json(result);
  });

  return router;
}
