// Liveness and metrics. /health answers 503 when Temporal does not answer: without it nothing can be decided.
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import { metricsContentType, renderMetrics } from '../../runtime/metrics';
import type { ApiSecrets } from '../secrets';

export function createHealthRouter({ client, secrets }: { client: Client; secrets: ApiSecrets }): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    const surfaces = {
      controlApi: secrets.controlToken ? 'enabled' : 'disabled (no control token)',
      ingestApi: secrets.ingestToken || secrets.controlToken ? 'enabled' : 'disabled (no token)',
      signedLinks: secrets.linkSigningKey ? 'enabled' : 'disabled (no signing key)',
    };
    try {
      const info = await client.withDeadline(Date.now() + 3000, () => client.workflowService.getSystemInfo({}));
      res.json({ status: 'ok', temporal: { reachable: true, serverVersion: info.serverVersion || undefined, namespace: client.options.namespace }, ...surfaces });
    } catch (err) {
      res.status(503).json({ status: 'unavailable', temporal: { reachable: false, error: err instanceof Error ? err.message.slice(0, 200) : 'unreachable' }, ...surfaces });
    }
  });
  router.get('/metrics', async (_req, res) => {
    res.type(metricsContentType()).send(await renderMetrics());
  });
  return router;
}
