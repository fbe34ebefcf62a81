// POST / (mounted at /webhook/icinga): Icinga 2 notifications as JSON (schema in docs/icinga.md, produced by
// scripts/icinga-notify.sh). Tolerant where shell-built payloads usually go wrong: text/plain content type, raw
// newlines inside strings, alias key spellings, empty macros. Still strict about unknown keys and required fields.
import { Router } from 'express';
import { canonicaliseIcingaKeys, icingaPayloadSchema, normaliseIcinga, parseLenientJson } from '../../domain/alert-payloads';
import {
  authenticate, deliverAll, express, requireContentType, webhookErrorHandler, WebhookError, zodDetails, type WebhookDeps,
} from './common';

export function createIcingaRouter(deps: WebhookDeps): Router {
  const router = Router();
  router.post(
    '/',
    authenticate(deps.authorize),
    requireContentType(['application/json', 'text/plain']),
    express.text({ limit: deps.config.api.maxBodyBytes, type: ['application/json', 'text/plain'] }),
    async (req, res, next) => {
      try {
        const text = typeof req.body === 'string' ? req.body : '';
        if (!text.trim()) throw new WebhookError(400, 'empty body: expected an Icinga notification JSON object');
        let raw: unknown;
        try {
          raw = parseLenientJson(text);
        } catch {
          throw new WebhookError(400, 'request body is not valid JSON (even allowing raw newlines in strings)');
        }
        if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new WebhookError(400, 'expected one JSON object per notification');
        const parsed = icingaPayloadSchema.safeParse(canonicaliseIcingaKeys(raw as Record<string, unknown>));
        if (!parsed.success) {
          const details = zodDetails(parsed.error.issues);
          throw new WebhookError(400, `invalid Icinga notification: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
        }
        const alert = normaliseIcinga(parsed.data, { ipLabels: deps.config.detection.alerts.ipLabels, receivedAt: new Date().toISOString() });
        const [delivery] = await deliverAll(deps.client, deps.config, [alert]);
        res.status(200).json({ accepted: 1, deliveries: [delivery] });
      } catch (err) {
        next(err);
      }
    },
  );
  router.all('/', (req, _res, next) => next(new WebhookError(405, `method ${req.method} not allowed: POST an Icinga notification`)));
  router.use(webhookErrorHandler);
  return router;
}
