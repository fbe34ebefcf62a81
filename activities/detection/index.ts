// Scan activities: the access-log scan (Elasticsearch when configured, else the local Traefik JSON file, else the
// shipped sample) and the threat-intel feed poll. Both hand their findings to threat/<ip> through submitSighting.
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Client as EsClient } from '@elastic/elasticsearch';
import type { PalisadeConfig } from '../../domain/config';
import { findingToSighting, type Finding } from '../../domain/detection/detector';
import { readSecret as defaultReadSecret } from '../../runtime/secrets';
import { submitSighting, SightingRejected } from '../../runtime/sightings';
import { pollIntelFeedFromConfig } from '../intel/feed';
import { resolveLlmClient } from '../llm';
import type { LlmClient } from '../llm/types';
import { createEsClient, ES_SOURCE_ID, mappingOf, scanElasticsearch, type EsScanStats } from './elasticsearch-source';
import { FILE_SOURCE_ID, scanTraefikFile, type FileScanStats } from './file-source';
import { runFollowUp, type FollowUpReport } from './follow-up';

export const SAMPLE_ACCESS_LOG = path.resolve(__dirname, '../../config/samples/traefik-access.log');

export interface DetectionActivityDeps {
  client: Client;
  config: PalisadeConfig;
  /** Injected for tests or shared by the worker; otherwise built from config.llm when follow-ups are enabled. */
  llm?: LlmClient;
  /** Injected for tests; otherwise built from config.detection.elasticsearch. */
  es?: EsClient;
  now?: () => number;
  readSecret?: typeof defaultReadSecret;
}

export interface SubmittedSighting {
  ip: string;
  score: number;
  sensitiveHits: number;
  windowStart: string;
  workflowId?: string;
  rejected?: string;
}

export interface AccessLogScanSummary {
  source: typeof ES_SOURCE_ID | typeof FILE_SOURCE_ID | 'none';
  note?: string;
  file?: FileScanStats;
  elasticsearch?: EsScanStats;
  sightings: SubmittedSighting[];
  followUps: FollowUpReport[];
}

export interface IntelFeedPollSummary {
  listed: number;
  reportAvailable: boolean;
  notes: string[];
  sightings: { ip: string; score: number; workflowId?: string; rejected?: string }[];
}

/** Which access-log source runs, from config (ES wins; then a configured file; then the shipped sample). */
export function accessLogSource(config: PalisadeConfig): { kind: 'elasticsearch' } | { kind: 'file'; file: string; sample: boolean } | { kind: 'none'; reason: string } {
  const d = config.detection;
  if (d.elasticsearch.enabled) return { kind: 'elasticsearch' };
  if (d.accessLog.file) return { kind: 'file', file: d.accessLog.file, sample: false };
  if (d.accessLog.useSampleWhenUnconfigured) return { kind: 'file', file: SAMPLE_ACCESS_LOG, sample: true };
  return { kind: 'none', reason: 'no Elasticsearch, no access-log file and the sample is disabled' };
}

export function createDetectionActivities(deps: DetectionActivityDeps) {
  const { client, config } = deps;
  const now = deps.now ?? (() => Date.now());
  const readSecret = deps.readSecret ?? defaultReadSecret;
  let es = deps.es;
  let llm: LlmClient | undefined | null = deps.llm;

  const esClient = async () => (es ??= await createEsClient(config.detection.elasticsearch, readSecret));
  const llmClient = async (): Promise<LlmClient | undefined> => {
    if (llm === undefined) llm = (await resolveLlmClient(config.llm, readSecret)).client ?? null;
    return llm ?? undefined;
  };

  async function submitAll(findings: Finding[], source: string, extra: (f: Finding) => Record<string, string | number | boolean>): Promise<SubmittedSighting[]> {
    const out: SubmittedSighting[] = [];
    for (const f of findings) {
      const sighting = findingToSighting(f, source, config.detection.detector, extra(f));
      const base = { ip: f.tally.ip, score: sighting.score, sensitiveHits: f.tally.sensitiveHits, windowStart: sighting.evidence.windowStart! };
      try {
        const { workflowId } = await submitSighting(client, config, f.tally.ip, sighting);
        out.push({ ...base, workflowId });
      } catch (err) {
        // An address the threat workflow refuses outright is recorded, not retried; Temporal errors propagate.
        if (err instanceof SightingRejected) out.push({ ...base, rejected: err.message });
        else throw err;
      }
    }
    return out;
  }

  return {
    /** One access-log scan run (scheduled every detection.scanEveryMinutes). */
    async scanAccessLogs(): Promise<AccessLogScanSummary> {
      const src = accessLogSource(config);
      const d = config.detection;
      if (src.kind === 'none') return { source: 'none', note: src.reason, sightings: [], followUps: [] };
      if (src.kind === 'file') {
        let sightings: SubmittedSighting[] = [];
        const { stats } = await scanTraefikFile({
          file: src.file, dataDir: config.dataDir, detector: d.detector, clientField: d.accessLog.clientField,
          maxBytesPerRun: d.accessLog.maxBytesPerRun, maxLineBytes: d.accessLog.maxLineBytes, now,
        }, async (findings) => {
          sightings = await submitAll(findings, FILE_SOURCE_ID, (): Record<string, boolean> => (src.sample ? { sampleLog: true } : {}));
        });
        return { source: FILE_SOURCE_ID, ...(src.sample ? { note: `no source configured: scanned the shipped sample ${src.file}` } : {}), file: stats, sightings, followUps: [] };
      }
      const esc = await esClient();
      const followUps: FollowUpReport[] = [];
      let sightings: SubmittedSighting[] = [];
      const { stats } = await scanElasticsearch({ es: esc, config: d.elasticsearch, detector: d.detector, dataDir: config.dataDir, now }, async (findings) => {
        const fu = d.elasticsearch.llmFollowUp;
        const model = fu.enabled ? await llmClient() : undefined;
        if (model) {
          for (const f of [...findings].sort((a, b) => b.assessment.score - a.assessment.score).slice(0, fu.maxFindingsPerRun)) {
            followUps.push(await runFollowUp({
              llm: model, es: esc, index: d.elasticsearch.index, mapping: mappingOf(d.elasticsearch), finding: f,
              maxTurns: fu.maxTurns, maxResultSize: fu.maxResultSize, lookbackMinutes: fu.lookbackMinutes,
              timeoutMs: config.llm.timeoutSeconds * 1000, maxTokens: config.llm.maxTokens,
            }));
          }
        }
        sightings = await submitAll(findings, ES_SOURCE_ID, (f): Record<string, string | number> => {
          const r = followUps.find((x) => x.ip === f.tally.ip && x.windowStart === new Date(f.tally.windowStartMs).toISOString());
          return r ? { llmFollowUp: r.conclusion, llmFollowUpReason: r.reason.slice(0, 300), llmFollowUpQueries: r.turns.length } : {};
        });
      });
      return { source: ES_SOURCE_ID, elasticsearch: stats, sightings, followUps };
    },

    /** One threat-intel feed poll (scheduled every intel.feed.pollMinutes when intel.feed.enabled). */
    async pollThreatIntelFeed(): Promise<IntelFeedPollSummary> {
      const t = config.policy.thresholds;
      const result = await pollIntelFeedFromConfig(config.intel.feed, readSecret, { inbound: t.analyse, outbound: t.outbound, requireKnownBad: t.requireKnownBad });
      const sightings: IntelFeedPollSummary['sightings'] = [];
      for (const q of result.qualifying) {
        try {
          const { workflowId } = await submitSighting(client, config, q.ip, q.sighting);
          sightings.push({ ip: q.ip, score: q.sighting.score, workflowId });
        } catch (err) {
          if (err instanceof SightingRejected) sightings.push({ ip: q.ip, score: q.sighting.score, rejected: err.message });
          else throw err;
        }
      }
      return { listed: result.listed, reportAvailable: result.reportAvailable, notes: result.notes.slice(0, 50), sightings };
    },
  };
}

export type DetectionActivities = ReturnType<typeof createDetectionActivities>;
