// The proactive loop's control API: status, suppressions, ack/unack, pause/resume, run-once. Every call goes through
// runtime/proactive.ts (the one code path the CLI and Discord use too), which validates the request and records it in
// the `palisade-proactive` workflow's history; its OperatorActionErrors become 400/404/409/503 in api/errors.ts.
import { Router, type Request } from 'express';
import { z } from 'zod';
import { threatUiLink } from '../../domain/temporal-ui';
import {
  ackHotspot, getProactiveStatus, listSuppressions, pauseProactive, resumeProactive, runProactiveOnce, unackHotspot,
} from '../../runtime/proactive';
import type { ApiDeps } from '../deps';
import { validate } from '../errors';
import { apiChannel, approverField } from '../schemas';

/**
 * Who acts. The review page sends the name its session signed in with; an API client may name the person. Without a
 * name the control token is the identity, and that is what the history records.
 */
export const TOKEN_OPERATOR = 'control-token holder';

// The actor fields are taken here; the rest of the body is the action's, checked by runtime/proactive's strict schemas
// (so an unknown field, a missing reason or an out-of-range ttlHours are refused there, with the same words for every
// channel).
const actor = z.looseObject({ approver: approverField.optional(), channel: apiChannel });
const runOnceBody = z.strictObject({ approver: approverField.optional(), channel: apiChannel, wait: z.boolean().default(false) });

function split(req: Request): { operator: string; channel: 'api' | 'review-page'; rest: Record<string, unknown> } {
  const { approver, channel, ...rest } = validate(actor, req.body ?? {});
  return { operator: approver ?? TOKEN_OPERATOR, channel, rest };
}

export function createProactiveRouter({ client, config, logger }: Pick<ApiDeps, 'client' | 'config' | 'logger'>): Router {
  const router = Router();
  // Links to the incidents the loop opened (their Temporal UI pages), when a UI is known.
  const uiLink = (workflowId: string) => threatUiLink(config.temporal, workflowId);

  router.get('/proactive/status', async (_req, res) => {
    const status = await getProactiveStatus(client, config);
    const links: Record<string, string> = {};
    const ids = [...status.investigations.map((i) => i.workflowId), ...(status.lastCycle?.decisions ?? []).map((d) => d.investigationWorkflowId)];
    for (const id of ids) {
      const url = id ? uiLink(id) : undefined;
      if (id && url) links[id] = url;
    }
    res.json({ ...status, links: { incidents: links } });
  });

  router.get('/proactive/suppressions', async (_req, res) => {
    res.json({ suppressions: await listSuppressions(client) });
  });

  router.post('/proactive/ack', async (req, res) => {
    const { operator, channel, rest } = split(req);
    const suppression = await ackHotspot(client, config, { ...rest, operator, channel } as Parameters<typeof ackHotspot>[2]);
    logger.info({ fingerprint: suppression.fingerprint, by: operator, channel, expiresAt: suppression.expiresAt }, 'proactive hotspot acked');
    res.json({ suppression });
  });

  router.post('/proactive/unack', async (req, res) => {
    const { operator, channel, rest } = split(req);
    const removed = await unackHotspot(client, config, { ...rest, operator, channel } as Parameters<typeof unackHotspot>[2]);
    logger.info({ fingerprint: removed.fingerprint, by: operator, channel }, 'proactive suppression removed');
    res.json({ removed });
  });

  for (const [path, act, verb] of [['/proactive/pause', pauseProactive, 'paused'], ['/proactive/resume', resumeProactive, 'resumed']] as const) {
    router.post(path, async (req, res) => {
      const { operator, channel, rest } = split(req);
      const status = await act(client, config, { ...rest, operator, channel } as Parameters<typeof act>[2]);
      logger.info({ by: operator, channel }, `proactive loop ${verb}`);
      res.json({ paused: status.paused ?? null, status });
    });
  }

  router.post('/proactive/run-once', async (req, res) => {
    const b = validate(runOnceBody, req.body ?? {});
    const operator = b.approver ?? TOKEN_OPERATOR;
    const run = await runProactiveOnce(client, config, { operator, channel: b.channel }, { wait: b.wait });
    logger.info({ by: operator, channel: b.channel, workflowId: run.workflowId }, 'proactive cycle started on request');
    const url = uiLink(run.workflowId);
    res.status(b.wait ? 200 : 202).json({ ...run, ...(url ? { links: { temporalUi: url } } : {}) });
  });

  return router;
}
