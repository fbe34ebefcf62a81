import { z } from 'zod';
import { MAX_CASE_ADDRESSES } from '../case-key';
import { duration, modeSchema } from './common';
import { verificationSchema } from './verification';

export const thresholdsSchema = z.strictObject({
  /** Analyse (propose an action) at or above this composite score. */
  analyse: z.number().min(0).max(100).default(80),
  /** Act without a human at or above this score (mode auto only). */
  auto: z.number().min(0).max(100).default(95),
  /** Stricter analyse bar for outbound destinations: blocking one affects every user. */
  outbound: z.number().min(0).max(100).default(85),
  /** Before analysing, require a feed's known-bad flag or an attack Palisade's own detectors observed (a behaviour
   *  that reached its trigger level, domain/detection/behaviours.ts). */
  requireKnownBad: z.boolean().default(true),
});

export const allowlistEntrySchema = z.strictObject({
  cidr: z.string().min(1),
  description: z.string().max(200).default(''),
  /** ISO timestamp; the entry stops applying after it. */
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
export type AllowlistEntry = z.infer<typeof allowlistEntrySchema>;

export const neverBlockSchema = z.strictObject({
  /** The operator's own networks (LAN, VPN, public ranges you own). */
  ownNetworks: z.array(z.string()).default([]),
  /** Infrastructure addresses: the firewall, Traefik, load balancers, DNS, monitoring. */
  infrastructure: z.array(z.string()).default([]),
  allowlist: z.array(allowlistEntrySchema).default([]),
  /** Organisations (IPinfo/OTX org strings, case-insensitive substring) treated as known-benign CDNs/crawlers. */
  benignOrgs: z.array(z.string()).default(['Cloudflare', 'Akamai', 'Fastly', 'Google LLC', 'Amazon CloudFront', 'Microsoft Corporation']),
  /** A benign org or GreyNoise RIOT hit is blocked only if the composite score is at least this (overwhelming abuse). */
  overwhelmingAbuseScore: z.number().min(0).max(100).default(99),
});

export const durationsSchema = z.strictObject({
  /** Duration ladder by number of earlier blocks: 1st block, 2nd, 3rd, 4th and later. */
  ladderHours: z.array(duration.hours).min(1).default([12, 24, 72, 168]),
  /** A proposal may choose a duration inside [minHours, maxHours]; outside is clamped. */
  minHours: duration.hours.default(1),
  maxHours: duration.hours.default(168),
  /** At this many earlier blocks the IP is a repeat offender: max duration and "recommend permanent". */
  repeatOffenderThreshold: z.number().int().min(1).default(5),
  /** How long an IP's block count is remembered after its last activity. */
  offenderMemoryDays: z.number().positive().max(3650).default(90),
});

export const reviewSchema = z.strictObject({
  timeoutHours: duration.hours.default(4),
  /** What silence does: expire the review, or escalate (notify again) and wait once more. */
  onTimeout: z.enum(['expire', 'escalate']).default('expire'),
  escalationTimeoutHours: duration.hours.default(4),
});

export const governorSchema = z.strictObject({
  maxUnattendedActions: z.number().int().min(0).default(5),
  windowMinutes: z.number().positive().max(7 * 24 * 60).default(60),
});

export const ipv6GroupingSchema = z.strictObject({
  /**
   * IPv6 sightings are grouped into one case (one workflow `threat/<prefix>`) per prefix of this length: one
   * attacker usually holds a whole /64 and rotates through it. 128 = one case per address.
   */
  groupPrefix: z.number().int().min(32).max(128).default(64),
  /**
   * Distinct addresses of one prefix a case must have seen before a block of the whole prefix is proposed. The
   * prefix block is a widening: it is proposed only in review mode (a human approves it), and never when the prefix
   * overlaps a never-block range; below the count the block is the /128 of the latest address.
   */
  prefixBlockMinAddresses: z.number().int().min(2).max(MAX_CASE_ADDRESSES).default(8),
});

export const sourceOverrideSchema = z.strictObject({
  mode: modeSchema.optional(),
  dryRun: z.boolean().optional(),
  thresholds: thresholdsSchema.partial().optional(),
});

export const policySchema = z.strictObject({
  mode: modeSchema.default('review'),
  dryRun: z.boolean().default(true),
  thresholds: thresholdsSchema.prefault({}),
  neverBlock: neverBlockSchema.prefault({}),
  durations: durationsSchema.prefault({}),
  review: reviewSchema.prefault({}),
  governor: governorSchema.prefault({}),
  ipv6: ipv6GroupingSchema.prefault({}),
  /**
   * After an outcome without a block (recorded, skipped, rejected, review expired), further sightings of the same IP
   * are merged silently for this long, unless the score rises by at least `scoreIncrease`: no re-alert spam.
   */
  reopen: z
    .strictObject({
      cooldownHours: duration.hours.default(6),
      scoreIncrease: z.number().min(1).max(100).default(10),
    })
    .prefault({}),
  /**
   * At or above the analyse bar, what a proposer failure (any LLM failure) or a `no_action` becomes: `review` (a
   * human decides, with the reason) or `rules` (the built-in rule-based proposal is used instead). Never `record`:
   * text an attacker controls must not be able to talk a strong case out of a block.
   */
  onProposalFailure: z.enum(['review', 'rules']).default('review'),
  /** Settle delay between applying a block and verifying it. */
  verifySettleSeconds: duration.seconds.default(10),
  /** Verification levels, the effect check and what their results do (issue 13). */
  verification: verificationSchema.prefault({}),
  /**
   * Which case events notify operators. A review request, an automatic block (at the moment it is decided, with the
   * reasons) and every outcome that needs attention always do; a block that simply ran its course and was lifted
   * notifies only when `expired` is true.
   */
  notify: z.strictObject({ expired: z.boolean().default(false) }).prefault({}),
  /** Per-source overrides of mode, dry-run and thresholds, keyed by source id. */
  sources: z.record(z.string(), sourceOverrideSchema).default({}),
});
export type PolicyConfig = z.infer<typeof policySchema>;
