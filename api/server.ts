// The HTTP API: health and metrics, the authenticated control API, manual sightings, signed approval links, the
// review page (static files in api/public) and the alert webhooks. Loopback by default (api.host).
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import http from 'node:http';
import express, { type RequestHandler } from 'express';
import type { Client } from '@temporalio/client';
import type { Logger } from 'pino';
import type { PalisadeConfig } from '../domain/config';
import { collectProcessMetrics, httpRequests, registerProactiveGauges, registerVisibilityGauges } from '../runtime/metrics';
import { getProactiveStatus } from '../runtime/proactive';
import { UsedLinkStore, usedLinksFile } from '../runtime/signed-links';
import { bearerAuthorizer, requireToken } from './auth';
import { LoginBackoff } from './login-backoff';
import type { ApiDeps } from './deps';
import { apiNotFound, errorHandler, requireJson } from './errors';
import { createAllowlistRouter } from './routes/allowlist';
import { cachedLiveChecks, liveChecks, type LiveReport } from '../runtime/live-checks';
import { createHealthRouter } from './routes/health';
import { createIncidentsRouter } from './routes/incidents';
import { createApproveRouter, createLinksRouter } from './routes/links';
import { createProactiveRouter } from './routes/proactive';
import { createSightingsRouter } from './routes/sightings';
import { createThreatsRouter } from './routes/threats';
import type { ApiSecrets } from './secrets';
import { createAlertmanagerRouter } from './webhooks/alertmanager';
import { createIcingaRouter } from './webhooks/icinga';

export interface ApiServerOptions {
  config: PalisadeConfig;
  client: Client;
  logger: Logger;
  secrets: ApiSecrets;
  /** Defaults to <dataDir>/approval-links-used.json. */
  usedLinks?: UsedLinkStore;
  /** How long an operator action waits for a worker before answering 503 (default 30 s). */
  operatorTimeoutMs?: number;
  /** The live preconditions reported by /health (default: computed from config, at most once a minute). */
  liveChecks?: () => Promise<LiveReport>;
}

export interface RunningApiServer {
  server: http.Server;
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  close(): Promise<void>;
}

export interface ApiServer {
  app: express.Express;
  listen(opts?: { host?: string; port?: number }): Promise<RunningApiServer>;
}

export const PUBLIC_DIR = path.join(__dirname, 'public');

const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    // Approval tokens are in URLs: never leak them through Referer.
    'Referrer-Policy': 'no-referrer',
    'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    'Cache-Control': 'no-store',
  });
  next();
};

const countRequests: RequestHandler = (req, res, next) => {
  res.on('finish', () => {
    const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : res.statusCode === 404 ? 'unmatched' : req.baseUrl || 'static';
    httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
  });
  next();
};

export function createApiServer(opts: ApiServerOptions): ApiServer {
  const { config, client, logger, secrets } = opts;
  const usedLinks = opts.usedLinks ?? new UsedLinkStore(usedLinksFile(config.dataDir));
  const deps: ApiDeps = { config, client, logger, secrets, usedLinks, operatorTimeoutMs: opts.operatorTimeoutMs };
  collectProcessMetrics();
  registerVisibilityGauges(client, { reviewTimeoutHours: config.policy.review.timeoutHours });
  registerProactiveGauges(() => client.withDeadline(Date.now() + 3000, () => getProactiveStatus(client, config)));

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(securityHeaders, countRequests);

  app.use(createHealthRouter({ client, secrets, liveChecks: opts.liveChecks ?? cachedLiveChecks(() => liveChecks(config, logger)) }));

  const json = express.json({ limit: config.api.maxBodyBytes, strict: true });
  // One backoff for every bearer-token check: a client guessing tokens waits, whichever endpoint it tries.
  const backoff = new LoginBackoff();
  const controlAuth = requireToken('control', [secrets.controlToken], backoff);
  const ingestAuth = requireToken('ingest', [secrets.ingestToken, secrets.controlToken], backoff);

  // Ingest: manual sightings (ingest or control token).
  app.use('/api', (req, res, next) => (req.path === '/sightings' ? ingestAuth(req, res, next) : next()));
  // Control API: everything else under /api. Authenticate before parsing a body.
  app.use('/api', (req, res, next) => (req.path === '/sightings' ? next() : controlAuth(req, res, next)));
  app.use('/api', requireJson, json);
  app.use('/api', createSightingsRouter(deps));
  app.use('/api', createThreatsRouter(deps));
  app.use('/api', createIncidentsRouter(deps));
  app.use('/api', createAllowlistRouter(deps));
  app.use('/api', createLinksRouter(deps));
  app.use('/api', createProactiveRouter(deps));
  app.use('/api', apiNotFound);

  // Alert webhooks (ingest or control token); each router parses and validates its own body.
  const webhookDeps = { client, config, authorize: bearerAuthorizer('ingest', [secrets.ingestToken, secrets.controlToken], backoff) };
  app.use('/webhook/alertmanager', createAlertmanagerRouter(webhookDeps));
  app.use('/webhook/icinga', createIcingaRouter(webhookDeps));
  app.use('/webhook', apiNotFound);

  // Signed links: the token in the URL is the credential.
  app.use(createApproveRouter(deps));

  // Review page (no build step). Without it, the signed-link pages still get their stylesheet.
  if (config.api.serveReviewPage) app.use(express.static(PUBLIC_DIR, { index: 'index.html', fallthrough: true, maxAge: 0 }));
  else app.get('/style.css', (_req, res) => res.sendFile(path.join(PUBLIC_DIR, 'style.css')));
  app.use(apiNotFound);
  app.use(errorHandler(logger));

  return {
    app,
    listen: ({ host = config.api.host, port = config.api.port } = {}) =>
      new Promise<RunningApiServer>((resolve, reject) => {
        const server = http.createServer(app);
        server.headersTimeout = 20_000;
        server.requestTimeout = 60_000;
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const addr = server.address() as AddressInfo;
          const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          const url = `http://${hostPart}:${addr.port}`;
          logger.info({ url }, 'API listening');
          resolve({
            server,
            url,
            close: () => new Promise<void>((res, rej) => {
              server.close((err) => (err ? rej(err) : res()));
              server.closeAllConnections();
            }),
          });
        });
      }),
  };
}
