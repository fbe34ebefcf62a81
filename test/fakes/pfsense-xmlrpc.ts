// Wire-compatible fake of pfSense's /xmlrpc.php (PEAR XML_RPC2, method prefix "pfsense."): HTTP Basic auth checked
// per call (fault -1 on failure, HTTP 200), calls serialised like pfSense's lock('xmlrpc'), pfsense.exec_php eval'd
// by the real php CLI against the pfSense stub (test/fakes/pfsense-ssh/php) over files in `stateDir`, and
// pfsense.filter_configure refused as on >= 2.5 (private method). `prependOutput` reproduces boxes that print PHP
// warnings before the XML envelope.
import { spawn } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import { closeNow, listenOnLoopback } from './loopback-server';

/* eslint-disable @typescript-eslint/no-require-imports */
const Serializer = require('xmlrpc/lib/serializer') as {
  serializeMethodResponse(v: unknown): string;
  serializeFault(f: { faultCode: number; faultString: string }): string;
};
const Deserializer = require('xmlrpc/lib/deserializer') as new () => {
  deserializeMethodCall(stream: NodeJS.ReadableStream, cb: (err: Error | null, method: string, params: unknown[]) => void): void;
};
/* eslint-enable @typescript-eslint/no-require-imports */

export const EXEC_PHP_HARNESS = path.join(__dirname, 'pfsense-ssh', 'php', 'exec-php.php');

export interface FakePfXmlRpcOptions {
  username: string;
  password: string;
  /** Directory holding config.json (see pfsense-stub.php). */
  stateDir: string;
  /** User allowed to log in but without the xmlrpc privilege (fault -2). */
  unprivilegedUser?: { username: string; password: string };
}

class Fault extends Error {
  constructor(readonly faultCode: number, readonly faultString: string) {
    super(faultString);
  }
}

export class FakePfXmlRpc {
  prependOutput = '';
  readonly calls: string[] = [];
  private server: http.Server | undefined;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: FakePfXmlRpcOptions) {}

  async start(): Promise<number> {
    this.server = http.createServer((req, res) => {
      if (req.method !== 'POST' || req.url !== '/xmlrpc.php') {
        res.writeHead(404).end('Not Found');
        return;
      }
      new Deserializer().deserializeMethodCall(req, (err, method, params) => {
        if (err) {
          res.writeHead(400, { 'Content-Type': 'text/plain' }).end('bad request');
          return;
        }
        const run = this.lock.then(() => this.dispatch(req, method, params ?? []));
        this.lock = run.catch(() => undefined);
        run.then(
          (value) => this.reply(res, Serializer.serializeMethodResponse(value)),
          (e: unknown) => {
            if (e instanceof Fault) this.reply(res, Serializer.serializeFault({ faultCode: e.faultCode, faultString: e.faultString }));
            else res.writeHead(500, { 'Content-Type': 'text/html' }).end(`<b>Fatal error</b>: ${(e as Error).message}`);
          },
        );
      });
    });
    return listenOnLoopback(this.server);
  }

  async close() {
    const s = this.server;
    this.server = undefined;
    if (s) await closeNow(s);
  }

  private reply(res: http.ServerResponse, xml: string) {
    const body = this.prependOutput + xml;
    res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) }).end(body);
  }

  private async dispatch(req: http.IncomingMessage, method: string, params: unknown[]): Promise<unknown> {
    this.calls.push(method);
    const m = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
    const [user, ...rest] = m ? Buffer.from(m[1], 'base64').toString('utf8').split(':') : [''];
    const pass = rest.join(':');
    const priv = this.opts.unprivilegedUser;
    if (priv && user === priv.username && pass === priv.password) throw new Fault(-2, 'Authentication failed: not enough privileges');
    if (user !== this.opts.username || pass !== this.opts.password) throw new Fault(-1, 'Authentication failed: Invalid username or password');
    switch (method) {
      case 'pfsense.host_firmware_version':
        return { firmware: { version: '2.7.2-RELEASE' }, kernel: { version: '14.0' }, base: { version: '2.7.2-RELEASE' }, platform: 'pfSense', config_version: '23.3' };
      case 'pfsense.exec_php':
        if (typeof params[0] !== 'string') throw new Fault(-32602, 'server error. invalid method parameters');
        return this.execPhp(params[0]);
      default:
        // Includes pfsense.filter_configure, private since 2.5.0.
        throw new Fault(-32601, 'server error. requested method not found');
    }
  }

  private execPhp(code: string): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const child = spawn('/usr/bin/php', ['-n', EXEC_PHP_HARNESS], { env: { PATH: process.env.PATH, PFSENSE_FAKE_DIR: this.opts.stateDir } });
      let out = '';
      let errOut = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (errOut += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => {
        const last = out.trim().split('\n').pop() ?? '';
        try {
          if (code !== 0) throw new Error(`php exited ${code}: ${(errOut || out).slice(0, 300)}`);
          resolve((JSON.parse(last) as { r: unknown }).r);
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      });
      child.stdin.end(code);
    });
  }
}
