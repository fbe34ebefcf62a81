// GET /metrics for the worker roles, which have no HTTP API of their own (the API role serves the same registry on
// its port). Loopback by default (workers.metricsHost); nothing but /metrics is answered.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { metricsContentType, renderMetrics } from './registry';

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9464/metrics */
  url: string;
  close(): Promise<void>;
}

export function serveMetrics(host: string, port: number): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics is served here\n');
      return;
    }
    renderMetrics().then(
      (body) => res.writeHead(200, { 'content-type': metricsContentType() }).end(body),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`cannot serve worker metrics on ${host}:${port} (workers.metricsHost / workers.metricsPort): ${err.message}`)));
    server.listen(port, host, () => {
      const addr = server.address() as AddressInfo;
      const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
      resolve({
        url: `http://${hostPart}:${addr.port}/metrics`,
        close: () => new Promise<void>((res) => {
          server.close(() => res());
          server.closeAllConnections();
        }),
      });
    });
  });
}
