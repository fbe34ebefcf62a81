// Liveness and metrics. /health answers 503 when Temporal does not answer: without it nothing can be decided.
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { metricsContentType, renderMetrics } from '../../runtime/metrics';
import type { LiveReport } from '../../runtime/live-checks';
import type { ApiSecrets } from '../secrets';

export function createHealthRouter({ client, secrets, liveChecks }: { client: Client; secrets: ApiSecrets; liveChecks?: () => Promise<LiveReport> }): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    const surfaces = {
      controlApi: secrets.controlToken ? 'enabled' : 'disabled (no control token)',
      ingestApi: secrets.ingestToken || secrets.controlToken ? 'enabled' : 'disabled (no token)',
      signedLinks: secrets.linkSigningKey ? 'enabled' : 'disabled (no signing key)',
    };
    // Would a block take effect (a rule references the alias, a router uses the Middleware)? Reported, and shown as
    // "degraded": Palisade still runs and records, but the blocks it applies would be refused before apply.
    const live = liveChecks ? await liveChecks().catch((err: unknown) => ({ ok: false, error: (err as Error).message.slice(0, 200) })) : undefined;
    try {
      const info = await client.withDeadline(Date.now() + 3000, () => client.workflowService.getSystemInfo({}));
      res.json({
        status: live && !live.ok ? 'degraded' : 'ok',
        temporal: { reachable: true, serverVersion: info.serverVersion || undefined, namespace: client.options.namespace }, ...surfaces,
        ...(live ? { preconditions: live } : {}),
      });
    } catch (err) {
      res.status(503).json({ status: 'unavailable', temporal: { reachable: false, error: err instanceof Error ? err.message.slice(0, 200) : 'unreachable' }, ...surfaces });
    }
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metricsContentType()).send(await renderMetrics());
  });
  return router;
}
