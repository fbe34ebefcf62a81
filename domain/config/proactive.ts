import { z } from 'zod';
import { httpUrl, secretRef } from './common';
import { HOTSPOT_SEVERITIES, PROACTIVE_MODES } from '../proactive/types';

/** One PromQL check of the rule pack: every series the query returns is a hotspot. */
export const proactiveRuleSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _, at most 64'),
  severity: z.enum(HOTSPOT_SEVERITIES),
  /** Instant query; each returned series is one hotspot, identified by its labels. Read-only by nature. */
  query: z.string().min(1).max(4096),
  /** Why this is a precursor of an incident (shown in digests and given to the investigation). */
  explanation: z.string().min(1).max(500),
  /** Title of a hotspot; {{label}} is replaced by the series' label value. */
  title: z.string().min(1).max(200).optional(),
  /** Follow-up queries run by the investigation; heavy ones only when proactive.heavyProbes is true. */
  probes: z.array(z.strictObject({
    name: z.string().min(1).max(64),
    query: z.string().min(1).max(4096),
    heavy: z.boolean().default(false),
  })).max(5).default([]),
});
export type ProactiveRule = z.infer<typeof proactiveRuleSchema>;

export const proactiveSchema = z.strictObject({
  /** off (default): no cycles; shadow: scan and report only; on: also investigate the top hotspot within budgets. */
  mode: z.enum(PROACTIVE_MODES).default('off'),
  everyMinutes: z.number().positive().max(24 * 60).default(15),
  /** Hotspots below this severity are recorded (below_floor), never investigated or put in the digest. */
  severityFloor: z.enum(HOTSPOT_SEVERITIES).default('medium'),
  budgets: z.strictObject({
    investigationsPerCycle: z.number().int().min(0).max(20).default(1),
    investigationsPerDay: z.number().int().min(0).max(1000).default(12),
    /** Charged from the LLM tokens each investigation actually used (llm.pricing), per UTC day. */
    usdPerDay: z.number().min(0).max(10_000).default(10),
  }).prefault({}),
  /** After an investigation (failed or not) the same fingerprint is not investigated again for this long. */
  cooldownHours: z.number().min(0).max(24 * 30).default(6),
  /** Default lifetime of an ack when none is given; an ack also ends when its hotspot stops firing. */
  ackTtlHours: z.number().positive().max(24 * 30).default(24),
  /** Run the rules' heavy probes with investigations (otherwise they are only proposed). */
  heavyProbes: z.boolean().default(false),
  /** The rule pack file; default: the one shipped in config/proactive-rules.yaml. */
  rulePackFile: z.string().min(1).optional(),
  /** Rules added to the pack; a rule with the name of a shipped one replaces it. */
  rules: z.array(proactiveRuleSchema).max(200).default([]),
  /** Names of pack rules to leave out. */
  disabledRules: z.array(z.string().min(1)).default([]),
  /** Prometheus to scan; default detection.prometheusUrl. */
  prometheusUrl: httpUrl.optional(),
  queryTimeoutSeconds: z.number().positive().max(60).default(10),
  /** At most this many hotspots per rule per cycle (the rest are counted, not listed). */
  maxHotspotsPerRule: z.number().int().min(1).max(500).default(25),
  /** Icinga 2 API (read-only): services in a SOFT problem state become hotspots. */
  icinga: z.strictObject({
    enabled: z.boolean().default(false),
    /** e.g. https://icinga:5665 */
    url: httpUrl.optional(),
    username: z.string().min(1).optional(),
    password: secretRef.optional(),
    caFile: z.string().min(1).optional(),
    rejectUnauthorized: z.boolean().default(true),
    timeoutSeconds: z.number().positive().max(60).default(10),
  }).prefault({})
    .refine((c) => !c.enabled || (c.url !== undefined && c.username !== undefined && c.password !== undefined), 'icinga.enabled needs url, username and password'),
}).superRefine((p, ctx) => {
  const seen = new Set<string>();
  p.rules.forEach((r, i) => {
    if (seen.has(r.name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `duplicate rule name ${r.name}` });
    seen.add(r.name);
  });
});
export type ProactiveConfig = z.infer<typeof proactiveSchema>;
