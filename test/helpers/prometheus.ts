// A real Prometheus (Debian's `prometheus` package, scripts/system-packages.txt) scraping a tiny exporter the test
// runs: per-client request counters that the test bumps as "traffic". Loopback only; everything stops in stop().
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { closeNow, listenOnLoopback } from '../fakes/loopback-server';

export interface TrafficExporter {
  url: string;
  /** Adds n requests of `client` to traefik_requests_by_client_total. */
  hit(client: string, n?: number): void;
  close(): Promise<void>;
}

export async function startTrafficExporter(): Promise<TrafficExporter> {
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') return void res.writeHead(404).end();
    const lines = ['# HELP traefik_requests_by_client_total Requests by client address.', '# TYPE traefik_requests_by_client_total counter'];
    for (const [client, n] of counts) lines.push(`traefik_requests_by_client_total{client="${client}"} ${n}`);
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(`${lines.join('\n')}\n`);
  });
  const port = await listenOnLoopback(server);
  return {
    url: `127.0.0.1:${port}`,
    hit: (client, n = 1) => void counts.set(client, (counts.get(client) ?? 0) + n),
    close: () => closeNow(server),
  };
}

const freePort = () => new Promise<number>((resolve, reject) => {
  const s = net.createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => {
    const { port } = s.address() as net.AddressInfo;
    s.close(() => resolve(port));
  });
});

export interface RealPrometheus {
  url: string;
  /** Resolves once Prometheus has scraped the target at least once. */
  waitForScrape(query: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startPrometheus(target: string, scrapeSeconds = 1): Promise<RealPrometheus> {
  return startPrometheusJobs([{ name: 'traffic', target }], scrapeSeconds);
}

/** A real Prometheus scraping several jobs (each one target, with its own metrics path). */
export async function startPrometheusJobs(jobs: { name: string; target: string; metricsPath?: string }[], scrapeSeconds = 1): Promise<RealPrometheus> {
  const dir = mkdtempSync(path.join(tmpdir(), 'palisade-prometheus-'));
  writeFileSync(path.join(dir, 'prometheus.yml'), [
    'global:', `  scrape_interval: ${scrapeSeconds}s`, `  evaluation_interval: ${scrapeSeconds}s`, 'scrape_configs:',
    ...jobs.flatMap((j) => [
      `  - job_name: ${j.name}`, ...(j.metricsPath ? [`    metrics_path: ${j.metricsPath}`] : []), '    static_configs:', `      - targets: ["${j.target}"]`,
    ]),
    '',
  ].join('\n'));
  const port = await freePort();
  const child: ChildProcess = spawn('prometheus', [
    `--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`,
    `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited ${child.exitCode}: ${stderr}`);
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready after 30 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    async waitForScrape(query, timeoutMs = 20_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const body = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`).then((r) => r.json()) as { data?: { result?: unknown[] } };
        if ((body.data?.result?.length ?? 0) > 0) return;
        if (Date.now() > end) throw new Error(`no series for ${query} after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    stop,
  };
}
