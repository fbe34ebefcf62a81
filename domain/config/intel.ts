import { z } from 'zod';
import { envSecret, httpUrl, secretRef } from './common';

const provider = <T extends z.ZodRawShape>(defaultUrl: string, keyEnv: string, extra: T) =>
  z.strictObject({
    enabled: z.boolean().default(false),
    baseUrl: httpUrl.default(defaultUrl),
    apiKey: envSecret(keyEnv),
    timeoutSeconds: z.number().positive().max(120).default(10),
    /** Lookups per UTC day; 0 = unlimited. */
    dailyBudget: z.number().int().min(0).default(0),
    ...extra,
  });

export const intelSchema = z.strictObject({
  /** A threat-intel service serving scored lists (blocked inbound, suspicious outbound, full report). */
  feed: z
    .strictObject({
      enabled: z.boolean().default(false),
      baseUrl: httpUrl.optional(),
      apiKey: secretRef.optional(),
      pollMinutes: z.number().positive().max(24 * 60).default(10),
      timeoutSeconds: z.number().positive().max(300).default(30),
    })
    .prefault({}),
  abuseipdb: provider('https://api.abuseipdb.com', 'ABUSEIPDB_API_KEY', {
    maxAgeInDays: z.number().int().min(1).max(365).default(90),
    /** Free tier: 1,000 checks per UTC day (also the default when the section is given without a budget). */
    dailyBudget: z.number().int().min(0).default(1000),
  }).prefault({}),
  greynoise: provider('https://api.greynoise.io', 'GREYNOISE_API_KEY', {}).prefault({}),
  otx: provider('https://otx.alienvault.com', 'OTX_API_KEY', { maxPulses: z.number().int().positive().default(20) }).prefault({}),
  ipinfo: provider('https://ipinfo.io', 'IPINFO_TOKEN', { lite: z.boolean().default(false) }).prefault({}),
  /** Per-IP cache of lookups. */
  cacheTtlHours: z.number().positive().max(24 * 30).default(6),
  maxConcurrentLookups: z.number().int().positive().max(64).default(4),
  /** Optional Prometheus/VictoriaMetrics baseline for the prompt and post-block verification. */
  baseline: z
    .strictObject({
      prometheusUrl: httpUrl.optional(),
      /** PromQL with {{ip}} substituted (validated IP only). */
      requestsQuery: z.string().default('sum(increase(traefik_requests_by_client_total{client="{{ip}}"}[1h]))'),
      timeoutSeconds: z.number().positive().max(60).default(5),
    })
    .prefault({}),
});
