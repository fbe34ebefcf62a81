// One HTTP(S) request with a hard timeout and TLS verification on by default (optional private CA).
// Node's http/https directly, because fetch cannot take a per-request CA without an extra dispatcher package.
import http from 'node:http';
import https from 'node:https';

export interface HttpTarget {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  timeoutMs: number;
  verifyTls: boolean;
  /** PEM of the CA that signed the firewall's certificate (caFile contents). */
  ca?: string;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export class HttpTransportError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = 'HttpTransportError';
  }
}

export function httpRequest(
  target: HttpTarget,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    const opts: https.RequestOptions = {
      host: target.host,
      port: target.port,
      method,
      path,
      headers: body === undefined ? headers : { ...headers, 'Content-Length': String(Buffer.byteLength(body)) },
      agent: false,
    };
    if (target.scheme === 'https') {
      opts.rejectUnauthorized = target.verifyTls;
      if (target.ca) opts.ca = target.ca;
    }
    const mod = target.scheme === 'https' ? https : http;
    let settled = false;
    const finish = (err: Error | undefined, res?: HttpResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(res!);
    };
    const req = mod.request(opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish(undefined, { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => finish(new HttpTransportError(`${method} ${path}: ${e.message}`)));
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(new HttpTransportError(`${method} ${path}: timed out after ${target.timeoutMs} ms`, 'ETIMEDOUT'));
    }, target.timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish(new HttpTransportError(`${method} ${path}: ${e.code ?? e.message}`, e.code)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}
