// `palisade detect`: the access-log detectors over a whole file or stdin, offline (no Temporal, no state), the way
// fail2ban-regex checks a filter. Every finding comes with what the policy would do under the current configuration.
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import type { PalisadeConfig } from '../domain/config';
import type { AccessLogFormat } from '../domain/config/detection';
import { parseCidrs } from '../domain/detection/client-ip';
import { AccessLogDetector } from '../domain/detection/engine';
import { behaviourFindingToSighting } from '../domain/detection/finding-sighting';
import { parseAccessLine } from '../domain/detection/line-format';
import { previewPolicy, type PolicyPreview } from '../domain/detection/policy-preview';

export interface OfflineFinding {
  ip: string;
  behaviour: string;
  score: number;
  confirmed: boolean;
  summary: string;
  reasons: string[];
  policy: PolicyPreview;
  samplePaths: string[];
  sampleUserAgents: string[];
  statusCounts: Record<string, number>;
  firstSeen: string;
  lastSeen: string;
}

export interface OfflineReport {
  format: AccessLogFormat;
  lines: { read: number; skipped: number; malformed: number; counted: number };
  malformedReasons: Record<string, number>;
  seconds: number;
  linesPerSecond: number;
  findings: OfflineFinding[];
}

/** Splits a byte stream into lines (\n or \r\n); lines over maxLineBytes are reported as over-long, not buffered. */
async function eachLine(stream: Readable, maxLineBytes: number, onLine: (line: string) => void, onOverlong: () => void): Promise<void> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overlong = false;
  const flush = (last: Buffer) => {
    if (overlong) {
      onOverlong();
    } else {
      const buf = pending.length ? Buffer.concat([...pending, last]) : last;
      let s = buf.toString('utf8');
      if (s.endsWith('\r')) s = s.slice(0, -1);
      onLine(s);
    }
    pending = [];
    pendingBytes = 0;
    overlong = false;
  };
  for await (const chunk of stream as AsyncIterable<Buffer | string>) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    let start = 0;
    for (let nl = b.indexOf(0x0a); nl >= 0; nl = b.indexOf(0x0a, start)) {
      if (!overlong && pendingBytes + (nl - start) > maxLineBytes) overlong = true;
      flush(b.subarray(start, nl));
      start = nl + 1;
    }
    if (start < b.length) {
      const rest = b.subarray(start);
      pendingBytes += rest.length;
      if (pendingBytes > maxLineBytes) {
        overlong = true;
        pending = [];
      } else {
        pending.push(Buffer.from(rest));
      }
    }
  }
  if (pendingBytes > 0 || overlong) flush(Buffer.alloc(0));
}

/** Opens the file first so an unreadable path fails before any output (ENOENT, EACCES, EISDIR). */
export async function openInput(file: string): Promise<Readable> {
  if (file === '-') return process.stdin;
  const stream = createReadStream(file);
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.once('readable', () => {
      stream.off('error', reject);
      resolve();
    });
  });
  return stream;
}

export async function detectOffline(input: Readable, config: PalisadeConfig, format: AccessLogFormat): Promise<OfflineReport> {
  const cfg = config.detection.detector;
  const detector = new AccessLogDetector(cfg);
  const opts = { format, clientField: config.detection.accessLog.clientField, trustedProxies: parseCidrs(cfg.trustedProxies) };
  const lines = { read: 0, skipped: 0, malformed: 0, counted: 0 };
  const malformedReasons: Record<string, number> = {};
  const bad = (reason: string) => {
    lines.malformed++;
    malformedReasons[reason] = (malformedReasons[reason] ?? 0) + 1;
  };
  const started = process.hrtime.bigint();
  await eachLine(input, config.detection.accessLog.maxLineBytes, (line) => {
    if (line.trim() === '') return;
    lines.read++;
    const r = parseAccessLine(line, opts, detector.wants);
    if (r.ok === 'skipped') {
      lines.skipped++;
      detector.skip();
    } else if (r.ok) {
      detector.add(r.record);
    } else {
      bad(r.reason);
    }
  }, () => {
    lines.read++;
    bad('line too long');
  });
  const findings = detector.collect();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  lines.counted = detector.stats.counted;
  // Per address, the policy sees every finding of that address merged, as the threat workflow would.
  const sightings = findings.map((f) => ({ f, s: behaviourFindingToSighting(f, 'traefik-file', cfg) }));
  const byIp = new Map<string, typeof sightings>();
  for (const x of sightings) byIp.set(x.f.ip, [...(byIp.get(x.f.ip) ?? []), x]);
  const out: OfflineFinding[] = [];
  for (const [ip, list] of byIp) {
    const last = list.reduce((m, x) => Math.max(m, x.f.tally.lastSeenMs), 0);
    const policy = previewPolicy(ip, list.map((x) => x.s), config.policy, new Date(last).toISOString());
    for (const { f, s } of list) {
      out.push({
        ip, behaviour: f.behaviour, score: f.score, confirmed: f.confirmed, summary: s.evidence.summary ?? '', reasons: f.reasons, policy,
        samplePaths: f.tally.paths.slice(0, 5), sampleUserAgents: f.tally.userAgents.slice(0, 2), statusCounts: f.tally.statusCounts,
        firstSeen: new Date(f.tally.firstSeenMs).toISOString(), lastSeen: new Date(f.tally.lastSeenMs).toISOString(),
      });
    }
  }
  out.sort((a, b) => b.score - a.score || (a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0));
  return { format, lines, malformedReasons, seconds, linesPerSecond: seconds > 0 ? Math.round(lines.read / seconds) : lines.read, findings: out };
}
