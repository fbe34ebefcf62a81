// Scan activities: the access-log scan (Elasticsearch when configured, else the local Traefik access-log file, else the
// shipped sample) and the threat-intel feed poll. Both hand their findings to the threat workflows through
// submitSighting, within the per-run caps of detection.caps (domain/threat-caps.ts). Every run is counted by source and
// outcome, and a success sets the source's last-success time (runtime/metrics/scans.ts).
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type { Client as EsClient } from '@elastic/elasticsearch';
import type { PalisadeConfig } from '../../domain/config';
import { caseKeyOf } from '../../domain/case-key';
import { findingToSighting } from '../../domain/detection/detector';
import { findingsToSightings } from '../../domain/detection/finding-sighting';
import { capThreats } from '../../domain/threat-caps';
import type { Sighting } from '../../domain/types';
import { readSecret as defaultReadSecret } from '../../runtime/secrets';
import { countedScan, recordScan, scanInterval } from '../../runtime/metrics';
import { submitSighting, SightingRejected } from '../../runtime/sightings';
import { INTEL_FEED_SOURCE_ID, pollIntelFeedFromConfig } from '../intel/feed';
import { resolveLlmClient } from '../llm';
import type { LlmClient } from '../llm/types';
import { createEsClient, ES_SOURCE_ID, mappingOf, scanElasticsearch, type EsScanStats } from './elasticsearch-source';
import { CROWDSEC_SOURCE_ID, pollCrowdSec, type CrowdSecPollStats } from './crowdsec-source';
import { FILE_SOURCE_ID, scanTraefikFile, type FileScanStats } from './file-source';
import { runFollowUp, type FollowUpReport } from './follow-up';
import { heartbeating } from '../heartbeat';

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
  /** The behaviour that was seen (secrets-scan, probing, ...; the strongest when several). */
  behaviour: string;
  requests: number;
  windowStart: string;
  workflowId?: string;
  rejected?: string;
  /** Not submitted this run: which cap (detection.caps) left it out. */
  capped?: string;
}

/** Set when a cap of detection.caps bit in this run (the scan workflow records it in its history). */
export interface ScanCapReport {
  note: string;
  cappedSightings: number;
}

export interface AccessLogScanSummary {
  source: typeof ES_SOURCE_ID | typeof FILE_SOURCE_ID | 'none';
  note?: string;
  file?: FileScanStats;
  elasticsearch?: EsScanStats;
  sightings: SubmittedSighting[];
  followUps: FollowUpReport[];
  cap?: ScanCapReport;
}

export interface CrowdSecPollSummary {
  source: typeof CROWDSEC_SOURCE_ID;
  stats: CrowdSecPollStats;
  sightings: SubmittedSighting[];
  cap?: ScanCapReport;
}

export interface IntelFeedPollSummary {
  listed: number;
  reportAvailable: boolean;
  notes: string[];
  sightings: { ip: string; score: number; workflowId?: string; rejected?: string; capped?: string }[];
  cap?: ScanCapReport;
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
  for (const { source, seconds } of scheduledScanIntervals(config)) scanInterval.set({ source }, seconds);

  const esClient = async () => (es ??= await createEsClient(config.detection.elasticsearch, readSecret));
  const llmClient = async (): Promise<LlmClient | undefined> => {
    if (llm === undefined) llm = (await resolveLlmClient(config.llm, readSecret)).client ?? null;
    return llm ?? undefined;
  };

  /**
   * Submits through the caps of detection.caps: the strongest threats first, the rest recorded as capped. An address
   * the threat workflow refuses outright is recorded, not retried; Temporal errors propagate.
   */
  async function submitCapped<T extends { ip: string; score: number }>(
    items: Array<{ base: T; sighting: Sighting }>,
  ): Promise<{ out: Array<T & { workflowId?: string; rejected?: string; capped?: string }>; cap?: ScanCapReport }> {
    const out: Array<T & { workflowId?: string; rejected?: string; capped?: string }> = [];
    const candidates: Array<{ subject: string; address: string; score: number; base: T; sighting: Sighting }> = [];
    for (const it of items) {
      const key = caseKeyOf(it.base.ip, config.policy.ipv6.groupPrefix);
      if (!key.ok) out.push({ ...it.base, rejected: `invalid IP "${String(it.base.ip).slice(0, 64)}": ${key.reason}` });
      else candidates.push({ subject: key.subject, address: key.address, score: it.sighting.score, base: it.base, sighting: it.sighting });
    }
    const r = capThreats(candidates, config.detection.caps);
    for (const c of r.admitted) {
      try {
        const { workflowId } = await submitSighting(client, config, c.base.ip, c.sighting);
        out.push({ ...c.base, workflowId });
      } catch (err) {
        if (err instanceof SightingRejected) out.push({ ...c.base, rejected: err.message });
        else throw err;
      }
    }
    for (const c of r.capped) out.push({ ...c.item.base, capped: c.reason });
    return { out, ...(r.note ? { cap: { note: r.note, cappedSightings: r.capped.length } } : {}) };
  }

  async function submitAll(sightings: { ip: string; sighting: Sighting }[]): Promise<{ out: SubmittedSighting[]; cap?: ScanCapReport }> {
    return submitCapped(sightings.map(({ ip, sighting }) => {
      const e = sighting.evidence;
      return { base: { ip, score: sighting.score, behaviour: String(e.extra?.detector ?? 'unknown'), requests: e.requestCount ?? 0, windowStart: e.windowStart! }, sighting };
    }));
  }

  /** One access-log scan run: Elasticsearch, else the configured file, else the shipped sample. */
  async function scanAccessLogsOnce(src: ReturnType<typeof accessLogSource>): Promise<AccessLogScanSummary> {
    const d = config.detection;
    if (src.kind === 'none') return { source: 'none', note: src.reason, sightings: [], followUps: [] };
    if (src.kind === 'file') {
      let sightings: SubmittedSighting[] = [];
      let cap: ScanCapReport | undefined;
      const { stats } = await scanTraefikFile({
        file: src.file, dataDir: config.dataDir, detector: d.detector, clientField: d.accessLog.clientField, format: d.accessLog.format,
        maxBytesPerRun: d.accessLog.maxBytesPerRun, maxLineBytes: d.accessLog.maxLineBytes,
      }, async (findings) => {
        const extra: Record<string, boolean> = src.sample ? { sampleLog: true } : {};
        ({ out: sightings, cap } = await submitAll(findingsToSightings(findings, FILE_SOURCE_ID, d.detector, extra)));
      });
      return { source: FILE_SOURCE_ID, ...(src.sample ? { note: `no source configured: scanned the shipped sample ${src.file}` } : {}), file: stats, sightings, followUps: [], ...(cap ? { cap } : {}) };
    }
    const esc = await esClient();
    const followUps: FollowUpReport[] = [];
    let sightings: SubmittedSighting[] = [];
    let cap: ScanCapReport | undefined;
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
      ({ out: sightings, cap } = await submitAll(findings.map((f) => {
        const r = followUps.find((x) => x.ip === f.tally.ip && x.windowStart === new Date(f.tally.windowStartMs).toISOString());
        const extra: Record<string, string | number> = r ? { llmFollowUp: r.conclusion, llmFollowUpReason: r.reason.slice(0, 300), llmFollowUpQueries: r.turns.length } : {};
        return { ip: f.tally.ip, sighting: findingToSighting(f, ES_SOURCE_ID, d.detector, extra) };
      })));
    });
    return { source: ES_SOURCE_ID, elasticsearch: stats, sightings, followUps, ...(cap ? { cap } : {}) };
  }

  return heartbeating({
    /** One access-log scan run (scheduled every detection.scanEveryMinutes). */
    async scanAccessLogs(): Promise<AccessLogScanSummary> {
      const src = accessLogSource(config);
      const source = accessLogSourceId(src);
      return countedScan(source, () => scanAccessLogsOnce(src), (r) => ({ source, outcome: r.source === 'none' ? 'skipped' : 'ok' }));
    },

    /** One CrowdSec LAPI poll (scheduled every detection.crowdsec.pollMinutes when detection.crowdsec.enabled). */
    async pollCrowdSecDecisions(): Promise<CrowdSecPollSummary> {
      const cs = config.detection.crowdsec;
      const apiKey = await readSecret(cs.apiKey);
      if (!cs.enabled || !cs.url || !apiKey) {
        recordScan(CROWDSEC_SOURCE_ID, 'skipped');
        return { source: CROWDSEC_SOURCE_ID, stats: { url: cs.url ?? '', health: 'CrowdSec source disabled or its API key is not set', newDecisions: 0, alreadySeen: 0, deleted: 0, ignored: [] }, sightings: [] };
      }
      let sightings: SubmittedSighting[] = [];
      let cap: ScanCapReport | undefined;
      // An unreachable or refusing LAPI is reported in the result (health), not thrown: it counts as a failed poll.
      return countedScan(CROWDSEC_SOURCE_ID, async () => {
        const stats = await pollCrowdSec({ config: cs, apiKey, dataDir: config.dataDir, now }, async (found) => {
          ({ out: sightings, cap } = await submitAll(found));
        });
        return { source: CROWDSEC_SOURCE_ID, stats, sightings, ...(cap ? { cap } : {}) };
      }, (r) => ({ source: CROWDSEC_SOURCE_ID, outcome: r.stats.health === 'ok' ? 'ok' : 'failed' }));
    },

    /** One threat-intel feed poll (scheduled every intel.feed.pollMinutes when intel.feed.enabled). */
    async pollThreatIntelFeed(): Promise<IntelFeedPollSummary> {
      const t = config.policy.thresholds;
      // A missing optional report degrades the poll (noted in the result); a feed that cannot be read throws.
      return countedScan(INTEL_FEED_SOURCE_ID, async () => {
        const result = await pollIntelFeedFromConfig(config.intel.feed, readSecret, { inbound: t.analyse, outbound: t.outbound, requireKnownBad: t.requireKnownBad });
        const { out: sightings, cap } = await submitCapped(result.qualifying.map((q) => ({ base: { ip: q.ip, score: q.sighting.score }, sighting: q.sighting })));
        return { listed: result.listed, reportAvailable: result.reportAvailable, notes: result.notes.slice(0, 50), sightings, ...(cap ? { cap } : {}) };
      }, () => ({ source: INTEL_FEED_SOURCE_ID, outcome: 'ok' }));
    },
  });
}

/** The sources with a schedule (runtime/schedules.ts) and their intervals, for the staleness rule of each source. */
export function scheduledScanIntervals(config: PalisadeConfig): { source: string; seconds: number }[] {
  const src = accessLogSource(config);
  return [
    ...(src.kind !== 'none' ? [{ source: accessLogSourceId(src), seconds: config.detection.scanEveryMinutes * 60 }] : []),
    ...(config.intel.feed.enabled ? [{ source: INTEL_FEED_SOURCE_ID, seconds: config.intel.feed.pollMinutes * 60 }] : []),
    ...(config.detection.crowdsec.enabled ? [{ source: CROWDSEC_SOURCE_ID, seconds: config.detection.crowdsec.pollMinutes * 60 }] : []),
  ];
}

/** The source label of the access-log scan (what its sightings are tagged with; `access-log` when none is configured). */
export function accessLogSourceId(src: ReturnType<typeof accessLogSource>): string {
  return src.kind === 'elasticsearch' ? ES_SOURCE_ID : src.kind === 'file' ? FILE_SOURCE_ID : 'access-log';
}

export type DetectionActivities = ReturnType<typeof createDetectionActivities>;
