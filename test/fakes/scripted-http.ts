// A tiny real HTTP server on 127.0.0.1 for wire-compatible fakes: records every request, lets a test queue faults
// (status + headers + body, e.g. 429 with Retry-After) ahead of the normal routing, and can hang or drop a
// connection to produce timeouts and network errors.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  raw: string;
  body: any;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
}

/** 'hang' never answers (a timeout for the client); 'destroy' drops the TCP connection (a network error). */
export type Outcome = Reply | 'hang' | 'destroy';

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  /** Replies used, in order, before the normal routing (one per request). */
  faults: Outcome[];
  close(): Promise<void>;
}

export async function startScriptedServer(route: (req: RecordedRequest) => Outcome | Promise<Outcome>): Promise<ScriptedServer> {
  const sockets = new Set<Socket>();
  const requests: RecordedRequest[] = [];
  const faults: Outcome[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: any;
        try {
          body = raw ? JSON.parse(raw) : undefined;
        } catch {
          body = undefined;
        }
        const u = new URL(req.url ?? '/', 'http://127.0.0.1');
        const rec: RecordedRequest = { method: req.method ?? 'GET', path: u.pathname, query: u.searchParams, headers: req.headers, raw, body };
        requests.push(rec);
        const out = faults.length ? faults.shift()! : await route(rec);
        if (out === 'hang') return;
        if (out === 'destroy') {
          req.socket.destroy();
          return;
        }
        const payload = out.json !== undefined ? JSON.stringify(out.json) : (out.text ?? '');
        res.writeHead(out.status, {
          'content-type': out.json !== undefined ? 'application/json' : 'text/plain; charset=utf-8',
          'content-length': Buffer.byteLength(payload),
          ...(out.headers ?? {}),
        });
        res.end(payload);
      })();
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
