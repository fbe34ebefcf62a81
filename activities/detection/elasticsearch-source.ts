// The Elasticsearch source: one server-side aggregation per run over [watermark, now), per client IP and window.
//
// Overlap without double counting: windows younger than ingestLagSeconds are re-queried on later runs (documents
// arrive late), so each run's range overlaps the previous one. A window is reported at most once: the cursor keeps
// the (window, IP) pairs already reported until the watermark passes them, and the watermark only advances over
// windows that are final (ended more than ingestLagSeconds ago).
//
// Why a JSON file under dataDir rather than workflow state: each scheduled run is a fresh, short workflow (so that
// Schedules, overlap SKIP and the UI work as designed); carrying state between runs would need one ever-running
// workflow with continue-as-new. The cursor is small, local to the worker that reads the logs, written atomically
// under a lock, and losing it only means one re-scan of `initialLookbackMinutes` (duplicates merge in threat/<ip>).
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Client as EsClient } from '@elastic/elasticsearch';
import type { DetectionConfig, DetectorConfig, EsFieldMapping } from '../../domain/config/detection';
import type { SecretRef } from '../../domain/config';
import { assessTally } from '../../domain/detection/scoring';
import { createWindowClassifier, type Finding } from '../../domain/detection/detector';
import { parseCidrs } from '../../domain/detection/client-ip';
import { buildScanSearch, resolveMapping, talliesFromAggregations } from '../../domain/detection/es-aggregation';
import { readJsonState, withStateLock, writeJsonState } from './state-file';

export const ES_SOURCE_ID = 'elasticsearch';

type EsConfig = DetectionConfig['elasticsearch'];

export async function createEsClient(cfg: EsConfig, readSecret: (ref: SecretRef | undefined) => Promise<string | undefined>): Promise<EsClient> {
  if (!cfg.node) throw new Error('detection.elasticsearch.node is not set');
  const apiKey = await readSecret(cfg.apiKey);
  const password = await readSecret(cfg.password);
  const auth = apiKey ? { apiKey } : cfg.username && password ? { username: cfg.username, password } : undefined;
  const ca = cfg.tls.caFile ? await fs.readFile(cfg.tls.caFile, 'utf8') : undefined;
  // Required here, not at the top: only deployments with an Elasticsearch source should pay for the client's memory.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Client } = require('@elastic/elasticsearch') as typeof import('@elastic/elasticsearch');
  return new Client({
    node: cfg.node,
    ...(auth ? { auth } : {}),
    tls: { rejectUnauthorized: cfg.tls.rejectUnauthorized, ...(ca ? { ca } : {}) },
    // 9.x has no default request timeout.
    requestTimeout: cfg.requestTimeoutSeconds * 1000,
    maxRetries: 1,
  });
}

interface EsCursor {
  version: 1;
  /** Windows starting before this (epoch ms) are final and never queried again. */
  watermarkMs: number;
  /** `<windowStartMs>|<ip>` → sensitive hits when reported. */
  reported: Record<string, number>;
}

export interface EsScanOptions {
  es: EsClient;
  config: EsConfig;
  detector: DetectorConfig;
  dataDir: string;
  now: () => number;
}

export interface EsScanStats {
  index: string;
  fields: string;
  from: string;
  to: string;
  ipBuckets: number;
  windowsEvaluated: number;
  alreadyReported: number;
  unclassifiedDocs: number;
  watermark: string;
  tookMs?: number;
}

export const esStatePath = (dataDir: string, cfg: EsConfig) =>
  path.join(dataDir, 'detection', `es-${createHash('sha256').update(JSON.stringify([cfg.node, cfg.index, cfg.fields, cfg.fieldOverrides])).digest('hex').slice(0, 16)}.json`);

export const mappingOf = (cfg: EsConfig): EsFieldMapping => resolveMapping(cfg.fields, cfg.fieldOverrides);

export async function scanElasticsearch(
  o: EsScanOptions, deliver: (findings: Finding[]) => Promise<void>,
): Promise<{ findings: Finding[]; stats: EsScanStats }> {
  const statePath = esStatePath(o.dataDir, o.config);
  return withStateLock(statePath, async () => {
    const windowMs = o.detector.windowSeconds * 1000;
    const now = o.now();
    const prev = await readJsonState<EsCursor>(statePath);
    const cursor: EsCursor = prev?.version === 1
      ? prev
      : { version: 1, watermarkMs: Math.floor((now - o.config.initialLookbackMinutes * 60_000) / windowMs) * windowMs, reported: {} };
    const from = new Date(cursor.watermarkMs).toISOString();
    const to = new Date(now).toISOString();
    const mapping = mappingOf(o.config);
    const body = buildScanSearch({
      mapping, detector: o.detector, from, to, maxIpBuckets: o.config.maxIpBuckets, maxPathBuckets: o.config.maxPathBuckets,
    });
    const res = await o.es.search({ index: o.config.index, ...body, allow_no_indices: true, ignore_unavailable: true });
    const classifier = createWindowClassifier(o.detector);
    const summary = talliesFromAggregations(res.aggregations as Record<string, any> | undefined, o.detector.windowSeconds, classifier, parseCidrs(o.detector.trustedProxies));
    const findings: Finding[] = [];
    let alreadyReported = 0;
    const reported = { ...cursor.reported };
    for (const t of summary.tallies) {
      const key = `${t.windowStartMs}|${t.ip}`;
      if (key in reported) {
        alreadyReported++;
        continue;
      }
      const assessment = assessTally(t, o.detector);
      if (!assessment.triggered) continue;
      t.reported = true;
      reported[key] = t.sensitiveHits;
      findings.push({ tally: t, assessment });
    }
    await deliver(findings);
    const watermarkMs = Math.max(cursor.watermarkMs, Math.floor((now - o.config.ingestLagSeconds * 1000) / windowMs) * windowMs);
    for (const key of Object.keys(reported)) if (Number(key.slice(0, key.indexOf('|'))) < watermarkMs) delete reported[key];
    await writeJsonState(statePath, { version: 1, watermarkMs, reported } satisfies EsCursor);
    const ipBuckets = ['direct', 'forwarded'].reduce((n, s) => n + ((res.aggregations as any)?.[s]?.by_ip?.buckets?.length ?? 0), 0);
    return {
      findings,
      stats: {
        index: o.config.index, fields: o.config.fields, from, to, ipBuckets, windowsEvaluated: summary.tallies.length,
        alreadyReported, unclassifiedDocs: summary.unclassifiedDocs, watermark: new Date(watermarkMs).toISOString(), tookMs: res.took,
      },
    };
  });
}
