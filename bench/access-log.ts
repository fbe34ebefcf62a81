// Throughput of the file source with every detector on, for Traefik JSON and Common Log Format: generates the same
// 1,000,000 requests in both formats in a temp dir, then in one process measures per format (1) a baseline — the
// same file follower with a bare JSON.parse (JSON) or a split on spaces (CLF) per line — and (2) the full file
// source (follow + parse + client IP + path classification + all behaviours' buckets + scoring + state write).
// Prints a table of lines/s, the ratio to the baseline, peak RSS per phase and what was detected; `--json` prints
// one JSON line instead.   Run: npm run bench:access-log -- [lines] [--json]
import { mkdtemp, rm, open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { configSchema } from '../domain/config';
import { readAppendedLines } from '../activities/detection/file-follower';
import { scanTraefikFile } from '../activities/detection/file-source';
import type { BehaviourFinding } from '../domain/detection/engine';
import type { AccessLogFormat } from '../domain/config/detection';

const args = process.argv.slice(2);
const JSON_OUT = args.includes('--json');
const LINES = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const T0 = Date.parse('2026-11-22T00:00:00Z');
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0', 'kube-probe/1.31',
];
const PAGES = ['/', '/products', '/products/espresso-grinder', '/cart', '/static/app.4f2c1.js', '/api/v1/products?page=2', '/login', '/search?q=kettle'];
const PROBES = ['/.env', '/.git/config', '/.git/HEAD', '/wp-config.php', '/config.xml', '/api/v1/secrets', '/backup.zip', '/db.sql', '/.aws/credentials', '/%2e%65nv',
  '/static/../.npmrc', '/index.php?page=../../../../etc/passwd', '/wp-login.php', '/phpmyadmin/', '/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php'];

/** Deterministic pseudo-random numbers (xorshift) so runs are comparable. */
let seed = 0x9e3779b9;
const rnd = () => {
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
};

interface Req { t: number; client: string; host: string; path: string; status: number; ua: string; i: number }

function request(i: number): Req {
  // ~200 requests/s: 1,000,000 lines span ~83 minutes, so buckets fill and drain as in a live log.
  const t = T0 + Math.floor(i * 5 + rnd() * 5);
  const scan = i % 1000 < 12 && Math.floor(i / 1000) % 25 === 0; // a scan burst every 25,000 lines
  const client = scan ? `45.155.205.${(Math.floor(i / 25_000) % 200) + 1}` : `81.2.${Math.floor(rnd() * 200)}.${Math.floor(rnd() * 250) + 1}`;
  const path = scan ? PROBES[i % PROBES.length] : PAGES[Math.floor(rnd() * PAGES.length)];
  const status = scan ? 404 : path === '/login' && rnd() < 0.3 ? 401 : rnd() < 0.03 ? 404 : 200;
  const host = rnd() < 0.2 ? `${client}, 10.42.0.1` : client;
  const ua = scan ? 'Mozilla/5.0 Nuclei - Open-source project (github.com/projectdiscovery/nuclei)' : UAS[i % UAS.length];
  return { t, client, host, path, status, ua, i };
}

function jsonLine(r: Req): string {
  const ts = new Date(r.t).toISOString();
  const i = r.i;
  return JSON.stringify({
    ClientAddr: `${r.client}:${40000 + (i % 20000)}`, ClientHost: r.host, ClientPort: String(40000 + (i % 20000)),
    ClientUsername: '-', DownstreamContentSize: 1000 + (i % 5000), DownstreamStatus: r.status, Duration: 100000 + (i % 900000),
    OriginContentSize: 1000 + (i % 5000), OriginDuration: 90000, OriginStatus: r.status, Overhead: 10000, RequestAddr: 'shop.example.com',
    RequestContentSize: 0, RequestCount: i + 1, RequestHost: 'shop.example.com', RequestMethod: 'GET', RequestPath: r.path, RequestPort: '-',
    RequestProtocol: 'HTTP/2.0', RequestScheme: 'https', RetryAttempts: 0, RouterName: 'shop@kubernetescrd', ServiceAddr: '10.42.1.23:8080',
    ServiceName: 'shop-web-80@kubernetes', StartLocal: ts, StartUTC: ts, entryPointName: 'websecure', level: 'info', msg: '',
    'request_User-Agent': r.ua, time: ts,
  });
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** Traefik's Common Log Format (logger_formatters.go), ClientHost possibly an X-Forwarded-For list. */
function clfLine(r: Req): string {
  const d = new Date(r.t);
  const ts = `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
  return `${r.host} - - [${ts}] "GET ${r.path} HTTP/2.0" ${r.status} ${1000 + (r.i % 5000)} "-" "${r.ua}" ${r.i + 1} "shop@kubernetescrd" "http://10.42.1.23:8080" ${r.i % 900}ms`;
}

/** Peak RSS during fn, sampled every 20 ms (process-wide maxRSS only ever grows, so it cannot separate phases). */
async function measure<T>(fn: () => Promise<T>): Promise<{ result: T; seconds: number; peakRssMb: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  const start = process.hrtime.bigint();
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, seconds: Number(process.hrtime.bigint() - start) / 1e9, peakRssMb: peak / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}

async function writeFile(file: string, reqs: Req[], fmt: (r: Req) => string): Promise<number> {
  const fh = await open(file, 'w');
  let bytes = 0;
  for (let i = 0; i < reqs.length; i += 10_000) {
    const s = reqs.slice(i, i + 10_000).map(fmt).join('\n') + '\n';
    bytes += Buffer.byteLength(s);
    await fh.write(s);
  }
  await fh.close();
  return bytes;
}

interface FormatResult {
  format: AccessLogFormat;
  baseline: string;
  mb: number;
  baselineLinesPerSec: number;
  detectorLinesPerSec: number;
  ratio: number;
  baselinePeakRssMb: number;
  detectorPeakRssMb: number;
  records: number;
  malformed: number;
  findings: number;
  findingIps: number;
  behaviours: Record<string, number>;
  trackedClientsLeft: number;
}

async function benchFormat(dir: string, format: 'traefik-json' | 'traefik-clf', reqs: Req[]): Promise<FormatResult> {
  const file = path.join(dir, `access-${format}.log`);
  const bytes = await writeFile(file, reqs, format === 'traefik-json' ? jsonLine : clfLine);
  if (global.gc) global.gc();
  const baseline = await measure(async () => {
    let parsed = 0;
    const perLine = format === 'traefik-json' ? (l: string) => JSON.parse(l) as unknown : (l: string) => l.split(' ');
    await readAppendedLines(file, undefined, (l) => { perLine(l); parsed++; }, { maxBytes: Number.MAX_SAFE_INTEGER, maxLineBytes: 64 * 1024 });
    return parsed;
  });
  if (global.gc) global.gc();
  const config = configSchema.parse({});
  const findings: BehaviourFinding[] = [];
  const detector = await measure(() => scanTraefikFile({
    file, dataDir: path.join(dir, `data-${format}`), detector: config.detection.detector, clientField: 'ClientHost', format,
    maxBytesPerRun: Number.MAX_SAFE_INTEGER, maxLineBytes: 64 * 1024,
  }, async (f) => void findings.push(...f)));
  const bRate = baseline.result / baseline.seconds;
  const dRate = detector.result.stats.records / detector.seconds;
  const behaviours: Record<string, number> = {};
  for (const f of findings) behaviours[f.behaviour] = (behaviours[f.behaviour] ?? 0) + 1;
  return {
    format, baseline: format === 'traefik-json' ? 'follow + JSON.parse' : 'follow + split on spaces', mb: Math.round(bytes / 1e6),
    baselineLinesPerSec: Math.round(bRate), detectorLinesPerSec: Math.round(dRate), ratio: Math.round((dRate / bRate) * 100) / 100,
    baselinePeakRssMb: Math.round(baseline.peakRssMb), detectorPeakRssMb: Math.round(detector.peakRssMb),
    records: detector.result.stats.records, malformed: detector.result.stats.malformed, findings: findings.length,
    findingIps: new Set(findings.map((f) => f.ip)).size, behaviours, trackedClientsLeft: detector.result.stats.trackedClients,
  };
}

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'palisade-bench-'));
  try {
    const reqs = Array.from({ length: LINES }, (_, i) => request(i));
    const results: FormatResult[] = [];
    for (const format of ['traefik-json', 'traefik-clf'] as const) results.push(await benchFormat(dir, format, reqs));
    const env = { node: process.version, cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? '?', loadavg: os.loadavg().map((l) => Math.round(l * 10) / 10) };
    if (JSON_OUT) {
      process.stdout.write(`${JSON.stringify({ bench: 'access-log', lines: LINES, results, env })}\n`);
      return;
    }
    const n = (x: number) => x.toLocaleString('en');
    console.log(`${n(LINES)} requests per format, every detector on (default configuration)`);
    console.log('format        baseline                   baseline lines/s  detector lines/s  ratio  peak RSS base/det  findings (IPs)');
    for (const r of results) {
      console.log(`${r.format.padEnd(13)} ${r.baseline.padEnd(26)} ${n(r.baselineLinesPerSec).padStart(16)}  ${n(r.detectorLinesPerSec).padStart(16)}  ${r.ratio.toFixed(2).padStart(5)}  ${`${r.baselinePeakRssMb}/${r.detectorPeakRssMb} MB`.padStart(17)}  ${r.findings} (${r.findingIps})`);
    }
    for (const r of results) console.log(`${r.format}: ${r.mb} MB, records ${n(r.records)}, malformed ${r.malformed}, behaviours ${JSON.stringify(r.behaviours)}, clients tracked at the end ${r.trackedClientsLeft}`);
    console.log(`node ${env.node}, ${env.cpus} CPUs (${env.cpu}), loadavg ${env.loadavg.join(' ')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
