// The enrichThreat activity: per-IP lookups against the configured intel providers (AbuseIPDB, GreyNoise, OTX,
// IPinfo), a composite score (domain/scoring.ts), an optional Prometheus baseline, all behind a TTL cache, daily
// budgets and bounded concurrency. It never throws because a provider is down: the answer degrades (confidence,
// provider statuses, notes) and, with nothing configured or nothing answering, falls back to the sightings' own data.
import path from 'node:path';
import type { PalisadeConfig, SecretRef } from '../../domain/config';
import type { EnrichInput, ProviderResult, ProviderStatus, ThreatIntel } from '../../domain/types';
import { compositeScore } from '../../domain/scoring';
import { intelFromEvidence } from '../../domain/intel-from-evidence';
import { normaliseIp } from '../../domain/ip';
import { sanitizeUntrusted } from '../../domain/sanitize';
import { intelLookups } from '../proposal/metrics';
import { DailyBudget, Limiter } from './budget';
import { TtlCache } from './cache';
import type { HttpOptions } from './http';
import type { ProviderOutcome } from './providers';
import { checkAbuseIpdb, type AbuseIpdbData } from './abuseipdb';
import { lookupGreyNoise, type GreyNoiseData } from './greynoise';
import { lookupOtx, type OtxData } from './otx';
import { lookupIpinfo, type IpinfoData } from './ipinfo';
import { queryBaseline } from './baseline';

type IntelConfig = PalisadeConfig['intel'];
type ProviderName = 'abuseipdb' | 'greynoise' | 'otx' | 'ipinfo';

export interface IntelDeps {
  readSecret: (ref: SecretRef | undefined) => Promise<string | undefined>;
  /** When set, the lookup cache persists in <dataDir>/intel-cache.json across restarts. */
  dataDir?: string;
  now?: () => number;
  /** Retry policy overrides (tests shorten the backoff); per-provider timeouts come from config. */
  http?: Partial<Pick<HttpOptions, 'retries' | 'baseDelayMs' | 'maxRetryAfterMs' | 'onRetry'>>;
}

interface Cached {
  status: ProviderStatus;
  detail?: string;
  data?: unknown;
}

/** Providers whose API key is required (OTX's general section and IPinfo standard also answer anonymously). */
const KEY_REQUIRED: Record<ProviderName, boolean> = { abuseipdb: true, greynoise: false, otx: false, ipinfo: false };

export function createIntelActivities(config: IntelConfig, deps: IntelDeps) {
  const now = deps.now ?? Date.now;
  const cache = new TtlCache<Cached>({
    ttlMs: config.cacheTtlHours * 3_600_000,
    maxEntries: 20_000,
    file: deps.dataDir ? path.join(deps.dataDir, 'intel-cache.json') : undefined,
    now,
  });
  const limiter = new Limiter(config.maxConcurrentLookups);
  const budgets: Record<ProviderName, DailyBudget> = {
    abuseipdb: new DailyBudget(config.abuseipdb.dailyBudget, now),
    greynoise: new DailyBudget(config.greynoise.dailyBudget, now),
    otx: new DailyBudget(config.otx.dailyBudget, now),
    ipinfo: new DailyBudget(config.ipinfo.dailyBudget, now),
  };
  const httpFor = (timeoutSeconds: number): HttpOptions => ({
    timeoutMs: timeoutSeconds * 1000,
    retries: deps.http?.retries ?? 2,
    baseDelayMs: deps.http?.baseDelayMs ?? 500,
    maxRetryAfterMs: deps.http?.maxRetryAfterMs ?? 10_000,
    onRetry: deps.http?.onRetry,
  });

  async function lookup<T>(
    name: ProviderName,
    ip: string,
    run: (apiKey: string | undefined, http: HttpOptions) => Promise<ProviderOutcome<T>>,
  ): Promise<{ result: ProviderResult; data?: T }> {
    const pc = config[name];
    const key = `${name}:${ip}`;
    const hit = cache.get(key);
    if (hit) {
      intelLookups.inc({ provider: name, status: hit.status, cached: 'true' });
      return { result: { provider: name, status: hit.status, detail: hit.detail, cached: true }, data: hit.data as T | undefined };
    }
    let apiKey: string | undefined;
    try {
      apiKey = await deps.readSecret(pc.apiKey);
    } catch (err) {
      return { result: { provider: name, status: 'error', detail: sanitizeUntrusted((err as Error).message, 200) } };
    }
    if (!apiKey && KEY_REQUIRED[name]) {
      return { result: { provider: name, status: 'skipped', detail: `no API key (${pc.apiKey.env ? `environment variable ${pc.apiKey.env}` : `file ${pc.apiKey.file}`})` } };
    }
    const budget = budgets[name];
    if (!budget.tryTake()) {
      intelLookups.inc({ provider: name, status: 'budget_exhausted', cached: 'false' });
      const why = budget.limit > 0 && budget.used >= budget.limit ? `daily budget of ${budget.limit} lookups used` : 'the provider reported its daily quota exhausted';
      return { result: { provider: name, status: 'budget_exhausted', detail: `${why} (resets 00:00 UTC)` } };
    }
    const out = await limiter.run(() => run(apiKey, httpFor(pc.timeoutSeconds)));
    if (out.quotaExhausted) budget.exhaust();
    intelLookups.inc({ provider: name, status: out.status, cached: 'false' });
    if (out.status === 'ok' || out.status === 'miss') cache.set(key, { status: out.status, detail: out.detail, data: out.data });
    return { result: { provider: name, status: out.status, detail: out.detail }, data: out.data };
  }

  return {
    async enrichThreat(input: EnrichInput): Promise<ThreatIntel> {
      const fallback = intelFromEvidence(input);
      const n = normaliseIp(input.ip);
      if (!n.ok) return { ...fallback, notes: [...fallback.notes, `no lookups: ${n.reason}`] };
      const ip = n.ip;
      const enabled = (['abuseipdb', 'greynoise', 'otx', 'ipinfo'] as const).filter((p) => config[p].enabled);
      const baselineCfg = config.baseline.prometheusUrl ? config.baseline : undefined;
      if (enabled.length === 0 && !baselineCfg) return { ...fallback, notes: [...fallback.notes, 'no intel provider is configured'] };

      const [abuse, grey, otx, ipinfo, baseline] = await Promise.all([
        config.abuseipdb.enabled ? lookup<AbuseIpdbData>('abuseipdb', ip, (k, http) => checkAbuseIpdb(ip, { baseUrl: config.abuseipdb.baseUrl, apiKey: k, http, maxAgeInDays: config.abuseipdb.maxAgeInDays })) : undefined,
        config.greynoise.enabled ? lookup<GreyNoiseData>('greynoise', ip, (k, http) => lookupGreyNoise(ip, { baseUrl: config.greynoise.baseUrl, apiKey: k, http })) : undefined,
        config.otx.enabled ? lookup<OtxData>('otx', ip, (k, http) => lookupOtx(ip, { baseUrl: config.otx.baseUrl, apiKey: k, http })) : undefined,
        config.ipinfo.enabled ? lookup<IpinfoData>('ipinfo', ip, (k, http) => lookupIpinfo(ip, { baseUrl: config.ipinfo.baseUrl, apiKey: k, http, lite: config.ipinfo.lite })) : undefined,
        baselineCfg ? queryBaseline(ip, { prometheusUrl: baselineCfg.prometheusUrl!, requestsQuery: baselineCfg.requestsQuery, http: { timeoutMs: baselineCfg.timeoutSeconds * 1000, retries: 1 } }) : undefined,
      ]);

      const providers: ProviderResult[] = [abuse, grey, otx, ipinfo].flatMap((r) => (r ? [r.result] : []));
      const notes: string[] = [];
      const answered = providers.filter((p) => p.status === 'ok' || p.status === 'miss');
      for (const p of providers) if (p.status !== 'ok' && p.status !== 'miss') notes.push(`${p.provider}: ${p.status}${p.detail ? ` (${p.detail})` : ''}`);

      const a = abuse?.data;
      const g = grey?.data;
      const o = otx?.data;
      const i = ipinfo?.data;
      const s = compositeScore({ abuseScore: a?.abuseScore, otxPulses: o?.pulses, greynoise: g, otxPulseCap: config.otx.maxPulses });
      notes.push(...s.notes);

      let likelyFalsePositive = s.likelyFalsePositive || input.evidence.likelyFalsePositive;
      if (a?.isWhitelisted === true) {
        likelyFalsePositive = true;
        notes.push('AbuseIPDB lists the address as whitelisted');
      }
      if (i?.bogon || a?.isPublic === false) {
        likelyFalsePositive = true;
        notes.push('the address is not public (bogon/private/reserved)');
      }
      if (g?.riot) notes.push(`GreyNoise RIOT: known business service${g.name ? ` (${sanitizeUntrusted(g.name, 60)})` : ''}`);

      const intel: ThreatIntel = {
        ip: input.ip,
        compositeScore: s.score ?? fallback.compositeScore,
        knownBad: s.knownBad || input.evidence.knownBad,
        likelyFalsePositive,
        confidence: enabled.length > 0 && answered.length === enabled.length ? 'high' : answered.length > 0 ? 'medium' : 'low',
        org: i?.org ?? a?.isp,
        asn: i?.asn ?? o?.asn,
        country: i?.country ?? a?.countryCode ?? o?.countryCode,
        abuseScore: a?.abuseScore,
        abuseReports: a?.totalReports,
        otxPulses: o?.pulses,
        greynoise: g ? { classification: g.classification, noise: g.noise, riot: g.riot, name: g.name } : undefined,
        isTor: a?.isTor,
        usageType: a?.usageType,
        narrative: input.evidence.narratives[0] ?? (o?.pulseNames.length ? `OTX pulses: ${o.pulseNames.join('; ')}` : undefined),
        providers,
        notes,
      };
      if (s.score === undefined) notes.push(`composite score taken from the sightings (${fallback.compositeScore})`);
      if (baseline) {
        if (baseline.error) {
          providers.push({ provider: 'baseline', status: 'error', detail: baseline.error });
          notes.push(`baseline: ${baseline.error}`);
        } else {
          providers.push({ provider: 'baseline', status: 'ok' });
          intel.baseline = { requestsPerHour: baseline.requestsPerHour, query: baseline.query };
        }
      }
      try {
        await cache.flush();
      } catch (err) {
        notes.push(`intel cache not persisted: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      // Drop undefined fields: the result is a Temporal payload and a history record.
      return JSON.parse(JSON.stringify(intel)) as ThreatIntel;
    },
  };
}

export { pollIntelFeed, qualifyingFeedSightings, type FeedSighting, type FeedPollResult } from './feed';
