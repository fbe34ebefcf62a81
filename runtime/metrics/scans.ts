// Metrics of the scheduled scans (activities/detection): every run by source and outcome, the time of the last
// success per source (the liveness signal of a source), and the configured interval so a rule can say "stale".
import client from 'prom-client';
import { once } from './registry';

export const SCAN_OUTCOMES = ['ok', 'failed', 'skipped'] as const;
export type ScanOutcome = (typeof SCAN_OUTCOMES)[number];

export const scans = once('palisade_scans_total', () => new client.Counter({
  name: 'palisade_scans_total',
  help: 'Scan and poll runs (one per activity attempt), by source and outcome (ok / failed / skipped: source not configured).',
  labelNames: ['source', 'outcome'] as const,
}));

export const lastSuccessfulScan = once('palisade_last_successful_scan_timestamp_seconds', () => new client.Gauge({
  name: 'palisade_last_successful_scan_timestamp_seconds',
  help: 'Unix time of the last successful scan, per source (the liveness signal of each source).',
  labelNames: ['source'] as const,
}));

export const scanInterval = once('palisade_scan_interval_seconds', () => new client.Gauge({
  name: 'palisade_scan_interval_seconds',
  help: 'Configured interval between scheduled scans, per source (a source is stale when its last success is older than a few intervals).',
  labelNames: ['source'] as const,
}));

export function recordScan(source: string, outcome: ScanOutcome, at: Date = new Date()): void {
  scans.inc({ source, outcome });
  if (outcome === 'ok') lastSuccessfulScan.set({ source }, at.getTime() / 1000);
}

/** Runs one scan: a throw is a failed run (and rethrown); `classify` names the source and outcome of a result. */
export async function countedScan<T>(fallbackSource: string, fn: () => Promise<T>, classify: (r: T) => { source: string; outcome: ScanOutcome }): Promise<T> {
  let r: T;
  try {
    r = await fn();
  } catch (err) {
    recordScan(fallbackSource, 'failed');
    throw err;
  }
  const c = classify(r);
  recordScan(c.source, c.outcome);
  return r;
}
