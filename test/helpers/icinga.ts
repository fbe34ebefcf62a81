// A real Icinga 2 daemon (Debian's icinga2 package) for tests: its own config, data and TLS certificates in a temp
// directory, the REST API on a free loopback port, passive services the test sets through the API as a feeder
// ApiUser (process-check-result, schedule-downtime). The scanner under test uses a query-only ApiUser.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freeLoopbackPort } from './temporal-env';

export interface RealIcinga {
  url: string;
  caFile: string;
  /** The query-only user the scanner uses (permissions: objects/query/Service). */
  username: string;
  password: string;
  /** A passive check result for host!service (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN). */
  feed(host: string, service: string, exitStatus: number, output: string): Promise<void>;
  downtime(host: string, service: string): Promise<void>;
  stop(): Promise<void>;
}

export interface IcingaService { host: string; name: string; maxCheckAttempts: number }

const NODE = 'palisade-test';
const FEEDER = { user: 'feeder', password: 'feeder-pw' };

function openssl(args: string[], cwd: string) {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
}

export async function startIcinga(services: IcingaService[]): Promise<RealIcinga> {
  if (spawnSync('icinga2', ['--version']).error) throw new Error('icinga2 not found: apt-get install icinga2 (scripts/system-packages.txt)');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'palisade-icinga-'));
  for (const d of ['etc', 'data/certs', 'log', 'cache', 'spool', 'run']) mkdirSync(path.join(dir, d), { recursive: true });
  const certs = path.join(dir, 'data/certs');
  // The API's certificate, signed by a test CA, valid for 127.0.0.1 (the scanner verifies it against the CA).
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=Palisade test CA'], certs);
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${NODE}.key`, '-out', 'node.csr', '-subj', `/CN=${NODE}`], certs);
  writeFileSync(path.join(certs, 'san.ext'), `subjectAltName=IP:127.0.0.1,DNS:${NODE}\n`);
  openssl(['x509', '-req', '-in', 'node.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${NODE}.crt`, '-days', '2', '-extfile', 'san.ext'], certs);

  const port = await freeLoopbackPort();
  const password = `query-${Math.random().toString(36).slice(2)}`;
  const hosts = [...new Set(services.map((s) => s.host))];
  writeFileSync(path.join(dir, 'etc/icinga2.conf'), [
    'include <itl>',
    'object IcingaApplication "app" { }',
    `object ApiListener "api" { bind_host = "127.0.0.1"; bind_port = ${port}; accept_commands = true; accept_config = false }`,
    'object Endpoint NodeName { }',
    'object Zone ZoneName { endpoints = [ NodeName ] }',
    `object ApiUser "palisade" { password = "${password}"; permissions = [ "objects/query/Service" ] }`,
    `object ApiUser "${FEEDER.user}" { password = "${FEEDER.password}"; permissions = [ "*" ] }`,
    ...hosts.map((h) => `object Host "${h}" { check_command = "dummy"; enable_active_checks = false }`),
    ...services.map((s) => `object Service "${s.name}" { host_name = "${s.host}"; check_command = "dummy"; enable_active_checks = false; max_check_attempts = ${s.maxCheckAttempts} }`),
    '',
  ].join('\n'));
  const defines = { ConfigDir: 'etc', DataDir: 'data', LogDir: 'log', CacheDir: 'cache', SpoolDir: 'spool', InitRunDir: 'run' };
  const args = ['daemon', '-c', path.join(dir, 'etc/icinga2.conf'), '-DNodeName=' + NODE, '-DZoneName=' + NODE,
    ...Object.entries(defines).map(([k, v]) => `-D${k}=${path.join(dir, v)}`),
    ...(process.getuid?.() === 0 ? ['-DRunAsUser=root', '-DRunAsGroup=root'] : [])];
  // Its own process group: icinga2 forks helpers, and stop() ends the whole group it started.
  const child: ChildProcess = spawn('icinga2', args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  const keep = (d: Buffer) => { out = (out + d.toString()).slice(-4000); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const url = `https://127.0.0.1:${port}`;
  const ca = readFileSync(path.join(certs, 'ca.crt'));

  const call = (method: string, p: string, body?: unknown) => new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = https.request(`${url}${p}`, {
      method, ca, timeout: 5000,
      headers: { accept: 'application/json', 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${FEEDER.user}:${FEEDER.password}`).toString('base64')}` },
    }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => { text += c.toString(); });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      const exited = new Promise((r) => child.once('exit', r));
      process.kill(-child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`icinga2 exited with ${child.exitCode}: ${out}`);
    const r = await call('GET', '/v1/status/ApiListener').catch(() => undefined);
    if (r?.status === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`icinga2 API not ready after 30 s: ${out}`);
    }
    await new Promise((r2) => setTimeout(r2, 200));
  }

  const filter = (host: string, service: string) => `host.name=="${host}" && service.name=="${service}"`;
  const action = async (name: string, body: Record<string, unknown>) => {
    const r = await call('POST', `/v1/actions/${name}`, body);
    if (r.status !== 200) throw new Error(`icinga2 ${name}: ${r.status} ${r.text}`);
  };
  return {
    url, caFile: path.join(certs, 'ca.crt'), username: 'palisade', password,
    feed: (host, service, exitStatus, output) => action('process-check-result', { type: 'Service', filter: filter(host, service), exit_status: exitStatus, plugin_output: output }),
    downtime: (host, service) => {
      const now = Math.floor(Date.now() / 1000);
      return action('schedule-downtime', { type: 'Service', filter: filter(host, service), author: 'test', comment: 'maintenance', start_time: now - 60, end_time: now + 3600, fixed: true });
    },
    stop,
  };
}
