import { z } from 'zod';
import { httpUrl, secretRef } from './common';

export const detectorSchema = z.strictObject({
  windowSeconds: z.number().int().positive().max(3600).default(60),
  /** Sensitive-path hits (401/403, and 404 if counted) per window that make a scan. */
  minSensitiveHits: z.number().int().positive().default(50),
  /** With a scanner user agent, this many hits suffice. */
  minSensitiveHitsWithScannerUa: z.number().int().positive().default(5),
  count404: z.boolean().default(true),
  extraSensitivePaths: z.array(z.string()).default([]),
  extraScannerUserAgents: z.array(z.string()).default([]),
});

export const detectionSchema = z.strictObject({
  detector: detectorSchema.prefault({}),
  accessLog: z
    .strictObject({
      /** Traefik JSON access log to follow. Unset and no Elasticsearch = the shipped sample log (demo). */
      file: z.string().optional(),
      useSampleWhenUnconfigured: z.boolean().default(true),
      /** Which field holds the client: ClientHost may be an X-Forwarded-For list; take the first (or last trusted) entry. */
      clientField: z.enum(['ClientHost', 'ClientAddr', 'request_X-Forwarded-For']).default('ClientHost'),
    })
    .prefault({}),
  elasticsearch: z
    .strictObject({
      enabled: z.boolean().default(false),
      node: httpUrl.optional(),
      apiKey: secretRef.optional(),
      username: z.string().optional(),
      password: secretRef.optional(),
      index: z.string().default('traefik-*'),
      fields: z.enum(['ecs', 'traefik-json']).default('ecs'),
      /** Extra minutes of overlap per run to catch late-ingested documents. */
      ingestLagSeconds: z.number().int().min(0).max(3600).default(120),
      llmFollowUp: z
        .strictObject({
          enabled: z.boolean().default(false),
          maxTurns: z.number().int().min(1).max(10).default(3),
          maxResultSize: z.number().int().min(1).max(1000).default(100),
        })
        .prefault({}),
    })
    .prefault({}),
  scanEveryMinutes: z.number().positive().max(60).default(1),
  /** Prometheus for read-only diagnostics of alert investigations. */
  prometheusUrl: httpUrl.optional(),
});
