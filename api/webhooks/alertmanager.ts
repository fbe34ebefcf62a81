// POST / (mounted at /webhook/alertmanager): Alertmanager webhook v4. Each alert becomes or feeds the investigation
// workflow `alert/<fingerprint>`. Strict: wrong content type 415, oversized 413, malformed or unknown fields 400
// (Alertmanager does not retry 4xx, which is right: the same body would fail again); Temporal down → 503 (retried).
import { Router } from 'express';
import { alertmanagerPayloadSchema, normaliseAlertmanager } from '../../domain/alert-payloads';
import {
  authenticate, deliverAll, express, requireContentType, webhookErrorHandler, WebhookError, zodDetails, type WebhookDeps,
} from './common';

export function createAlertmanagerRouter(deps: WebhookDeps): Router {
  const router = Router();
  router.post(
    '/',
    authenticate(deps.authorize),
    requireContentType(['application/json']),
    express.json({ limit: deps.config.api.maxBodyBytes, strict: true, type: 'application/json' }),
    async (req, res, next) => {
      try {
        const parsed = alertmanagerPayloadSchema.safeParse(req.body);
        if (!parsed.success) {
          const details = zodDetails(parsed.error.issues);
          throw new WebhookError(400, `invalid Alertmanager payload: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
        }
        const alerts = normaliseAlertmanager(parsed.data, { ipLabels: deps.config.detection.alerts.ipLabels, receivedAt: new Date().toISOString() });
        const deliveries = await deliverAll(deps.client, deps.config, alerts);
        res.status(200).json({ accepted: deliveries.length, truncatedAlerts: parsed.data.truncatedAlerts, deliveries });
      } catch (err) {
        next(err);
      }
    },
  );
  router.all('/', (req, _res, next) => next(new WebhookError(405, `method ${req.method} not allowed: POST an Alertmanager webhook payload`)));
  router.use(webhookErrorHandler);
  return router;
}
