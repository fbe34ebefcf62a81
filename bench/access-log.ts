// Throughput of the file source's secrets-scan detector: generates a 1,000,000-line Traefik JSON access log in a temp
// dir, then in one process measures (1) a baseline — the same file follower with a bare JSON.parse per line — and
// (2) the full file source (follow + parse + client IP + path normalisation + windows + scoring + state write).
// Prints lines/s, the ratio, peak RSS per phase and what was detected.   Run: npx tsx bench/access-log.ts [lines]
import { mkdtemp, rm, open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { configSchema } from '../domain/config';
import { readAppendedLines } from '../activities/detection/file-follower';
import { scanTraefikFile } from '../activities/detection/file-source';
import type { Finding } from '../domain/detection/detector';

const LINES = Number(process.argv[2] ?? 1_000_000);
const T0 = Date.parse('2026-11-22T00:00:00Z');
const UAS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0', 'kube-probe/1.31',
];
const PAGES = ['/', '/products', '/products/espresso-grinder', '/cart', '/static/app.4f2c1.js', '/api/v1/products?page=2', '/login', '/search?q=kettle'];
const PROBES = ['/.env', '/.git/config', '/.git/HEAD', '/wp-config.php', '/config.xml', '/api/v1/secrets', '/backup.zip', '/db.sql', '/.aws/credentials', '/%2e%65nv', '/static/../.npmrc'];

/** Deterministic pseudo-random numbers (xorshift) so runs are comparable. */
let seed = 0x9e3779b9;
const rnd = () => {
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
  return (seed >>> 0) / 0x100000000;
};

function line(i: number): string {
  // ~200 requests/s: 1,000,000 lines span ~83 minutes, so windows open and close as in a live log.
  const t = T0 + Math.floor(i * 5 + rnd() * 5);
  const scan = i % 1000 < 12 && Math.floor(i / 1000) % 25 === 0; // a scan burst every 25,000 lines
  const client = scan ? `45.155.205.${(Math.floor(i / 25_000) % 200) + 1}` : `81.2.${Math.floor(rnd() * 200)}.${Math.floor(rnd() * 250) + 1}`;
  const path = scan ? PROBES[i % PROBES.length] : PAGES[Math.floor(rnd() * PAGES.length)];
  const status = scan ? 404 : path === '/login' && rnd() < 0.3 ? 401 : rnd() < 0.03 ? 404 : 200;
  const ts = new Date(t).toISOString();
  return JSON.stringify({
    ClientAddr: `${client}:${40000 + (i % 20000)}`, ClientHost: rnd() < 0.2 ? `${client}, 10.42.0.1` : client, ClientPort: String(40000 + (i % 20000)),
    ClientUsername: '-', DownstreamContentSize: 1000 + (i % 5000), DownstreamStatus: status, Duration: 100000 + (i % 900000),
    OriginContentSize: 1000 + (i % 5000), OriginDuration: 90000, OriginStatus: status, Overhead: 10000, RequestAddr: 'shop.example.com',
    RequestContentSize: 0, RequestCount: i + 1, RequestHost: 'shop.example.com', RequestMethod: 'GET', RequestPath: path, RequestPort: '-',
    RequestProtocol: 'HTTP/2.0', RequestScheme: 'https', RetryAttempts: 0, RouterName: 'shop@kubernetescrd', ServiceAddr: '10.42.1.23:8080',
    ServiceName: 'shop-web-80@kubernetes', StartLocal: ts, StartUTC: ts, entryPointName: 'websecure', level: 'info', msg: '',
    'request_User-Agent': scan ? 'Mozilla/5.0 Nuclei - Open-source project (github.com/projectdiscovery/nuclei)' : UAS[i % UAS.length], time: ts,
  });
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

async function main() {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'palisade-bench-'));
  const file = path.join(dir, 'access.log');
  try {
    const gen = await measure(async () => {
      const fh = await open(file, 'w');
      let buf: string[] = [];
      let bytes = 0;
      for (let i = 0; i < LINES; i++) {
        buf.push(line(i));
        if (buf.length === 10_000) {
          const s = buf.join('\n') + '\n';
          bytes += Buffer.byteLength(s);
          await fh.write(s);
          buf = [];
        }
      }
      if (buf.length) {
        const s = buf.join('\n') + '\n';
        bytes += Buffer.byteLength(s);
        await fh.write(s);
      }
      await fh.close();
      return bytes;
    });
    console.log(`generated ${LINES.toLocaleString('en')} lines, ${(gen.result / 1e6).toFixed(0)} MB in ${gen.seconds.toFixed(1)} s`);
    if (global.gc) global.gc();

    const baseline = await measure(async () => {
      let parsed = 0;
      await readAppendedLines(file, undefined, (l) => { JSON.parse(l); parsed++; }, { maxBytes: Number.MAX_SAFE_INTEGER, maxLineBytes: 64 * 1024 });
      return parsed;
    });
    if (global.gc) global.gc();

    const config = configSchema.parse({});
    const findings: Finding[] = [];
    const detector = await measure(() => scanTraefikFile({
      file, dataDir: path.join(dir, 'data'), detector: config.detection.detector, clientField: 'ClientHost',
      maxBytesPerRun: Number.MAX_SAFE_INTEGER, maxLineBytes: 64 * 1024, now: () => T0 + 24 * 3_600_000,
    }, async (f) => void findings.push(...f)));

    const bRate = baseline.result / baseline.seconds;
    const dRate = detector.result.stats.records / detector.seconds;
    console.log(`baseline  (follow + JSON.parse):          ${Math.round(bRate).toLocaleString('en')} lines/s  ${baseline.seconds.toFixed(2)} s  peak RSS ${baseline.peakRssMb.toFixed(0)} MB`);
    console.log(`detector  (follow + parse + detect + state): ${Math.round(dRate).toLocaleString('en')} lines/s  ${detector.seconds.toFixed(2)} s  peak RSS ${detector.peakRssMb.toFixed(0)} MB`);
    console.log(`ratio detector/baseline: ${(dRate / bRate).toFixed(2)}`);
    console.log(`records ${detector.result.stats.records.toLocaleString('en')}, malformed ${detector.result.stats.malformed}, findings ${findings.length} (distinct IPs ${new Set(findings.map((f) => f.tally.ip)).size}), open windows left ${detector.result.stats.openWindows}`);
    console.log(`node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), loadavg ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
