import { z } from 'zod';
import { httpUrl } from './common';
import { EFFECT_SOURCES } from '../verification';

/**
 * What a block's verification does with its results (not present / not loaded always roll back), and where its
 * effect is measured. Part of the policy snapshot a workflow runs with: nothing here is secret; the effect check
 * activity reads the access log and Elasticsearch from `detection`.
 */
export const verificationSchema = z.strictObject({
  /** An ineffective block (traffic still reaches a backend): keep it and open a review, roll it back, or keep it. */
  onIneffective: z.enum(['review', 'rollback', 'keep']).default('review'),
  /** Re-check an inconclusive result (no traffic seen) once, this many minutes later during the hold; 0 = never. */
  recheckInconclusiveMinutes: z.number().min(0).max(7 * 24 * 60).default(0),
  effect: z
    .strictObject({
      /** Where the effect is measured; none = no effect check (the block is verified present and loaded only). */
      sources: z.array(z.enum(EFFECT_SOURCES)).default([]),
      /** Wait after apply before measuring: long enough for the scanner to try again. */
      settleSeconds: z.number().min(0).max(24 * 3600).default(120),
      /** Access log: how much of the file's end is read for the IP's requests after the block. */
      accessLogTailBytes: z.number().int().positive().max(1024 * 1024 * 1024).default(32 * 1024 * 1024),
      /** Elasticsearch: the field that holds the backend's status (absent when Traefik answered itself). */
      esOriginStatusField: z.string().min(1).optional(),
      /** Prometheus: server (default intel.baseline.prometheusUrl) and PromQL with {{ip}}, compared before/after. */
      prometheusUrl: httpUrl.optional(),
      promql: z.string().min(1).default('sum(increase(traefik_requests_by_client_total{client="{{ip}}"}[1m]))'),
      /** The series counts as dropped when the value after the settle time is at most this. */
      promqlMaxAfter: z.number().min(0).default(0),
      timeoutSeconds: z.number().positive().max(120).default(10),
    })
    .prefault({}),
});
export type VerificationConfig = z.infer<typeof verificationSchema>;
