// Request body schemas of the control API. Strict objects: an unknown field is a client mistake worth a 400.
import { z } from 'zod';

/** Who acts, as recorded in the workflow history. The token proves authority; this names the person. */
export const approverField = z
  .string()
  .trim()
  .min(1, 'approver is required: name the person acting')
  .max(100)
  .regex(/^[^\p{Cc}]*$/u, 'must not contain control characters');

/** API callers may say they are the review page; every other channel has its own entry point. */
export const apiChannel = z.enum(['api', 'review-page']).default('api');

const hours = z.number().positive().max(24 * 365 * 10);
const comment = z.string().trim().max(1000);

/** A case reference (`<cycle>-<nonce>`, the threat's review.case); the workflow checks it (domain/case-binding). */
const caseField = z.string().trim().min(1).max(48);

export const decisionBody = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  approver: approverField,
  comment: comment.optional(),
  durationHours: hours.optional(),
  channel: apiChannel,
  /** The case the operator looked at: a decision for a case that is no longer pending is refused (409). */
  case: caseField.optional(),
});

export const holdBody = z
  .strictObject({
    action: z.enum(['extend', 'release', 'make_permanent']),
    approver: approverField,
    hours: hours.optional(),
    reason: comment.optional(),
    channel: apiChannel,
  })
  .refine((b) => b.action !== 'extend' || b.hours !== undefined, { message: 'extend needs hours', path: ['hours'] });

const bulkTarget = z.union([
  z.string().max(64),
  z.strictObject({ ip: z.string().max(64), case: caseField.optional() }),
]);

/** `{all: true}` or criteria; checked again by domain/bulk-selection (checkFilterShape) for the message. */
const bulkFilter = z.strictObject({
  all: z.literal(true).optional(),
  status: z.string().max(40).optional(),
  source: z.string().max(100).optional(),
  minScore: z.number().min(0).max(100).optional(),
});

/**
 * A bulk decision covers an explicit list (`ips`, each an IP or `{ip, case}`) or a `filter` over the pending reviews.
 * `expectedCount` is the number of cases the operator saw: required with a filter (a different count now is a 409),
 * checked against the list's distinct IPs when given with one.
 */
export const bulkDecisionBody = z.preprocess(allAsFilter, z.strictObject({
  decision: z.enum(['approve', 'reject']),
  approver: approverField,
  comment: comment.optional(),
  durationHours: hours.optional(),
  channel: apiChannel,
  ips: z.array(bulkTarget).min(1).max(1000).optional(),
  filter: bulkFilter.optional(),
  expectedCount: z.number().int().min(0).max(1_000_000).optional(),
})
  .refine((b) => (b.ips === undefined) !== (b.filter === undefined), { message: 'give either ips (an explicit list) or filter, exactly one', path: ['ips'] })
  .refine((b) => b.filter === undefined || b.expectedCount !== undefined, {
    message: 'expectedCount is required with a filter: the number of pending reviews you looked at', path: ['expectedCount'],
  }));

/** `{"all": true, …}` is short for `{"filter": {"all": true}, …}` (beside a filter or a list it is left to be refused). */
function allAsFilter(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const { all, ...rest } = body as Record<string, unknown>;
  if (all !== true || 'filter' in rest || 'ips' in rest) return body;
  return { ...rest, filter: { all: true } };
}

const shortText = z.string().max(500);
/** Evidence as a caller may submit it: the same shape the sources produce, with caps (all of it is untrusted). */
export const evidenceBody = z.strictObject({
  summary: shortText.optional(),
  requestCount: z.number().int().nonnegative().max(1e9).optional(),
  paths: z.array(shortText).max(50).optional(),
  userAgents: z.array(shortText).max(20).optional(),
  statusCounts: z.record(z.string().regex(/^\d{3}$/), z.number().int().nonnegative()).optional(),
  windowStart: z.iso.datetime({ offset: true }).optional(),
  windowEnd: z.iso.datetime({ offset: true }).optional(),
  narrative: z.string().max(4000).optional(),
  extra: z.record(z.string().max(64), z.union([shortText, z.number(), z.boolean()])).optional(),
});

export const sightingBody = z.strictObject({
  ip: z.string().min(1).max(64),
  direction: z.enum(['inbound', 'outbound']).default('inbound'),
  evidence: evidenceBody.default({}),
  reason: z.string().trim().max(500).optional(),
  /** Accepted for compatibility with feeds that send one; never trusted (recorded as evidence.extra.claimedScore). */
  score: z.number().optional(),
  knownBad: z.boolean().optional(),
  submittedBy: z.string().trim().max(100).optional(),
});

export const allowlistAddBody = z.strictObject({
  cidr: z.string().trim().min(1).max(64),
  description: z.string().trim().max(200).default(''),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  approver: approverField,
});

export const allowlistRemoveBody = z.strictObject({
  cidr: z.string().trim().min(1).max(64),
  approver: approverField,
});

export const linkBody = z.strictObject({
  ip: z.string().min(1).max(64),
  decision: z.enum(['approve', 'reject']),
  /** The person the link is for; recorded as the approver when it is used. */
  approver: approverField,
  durationHours: hours.optional(),
  ttlSeconds: z.number().int().positive().max(7 * 86_400).optional(),
  /** The case the minting operator looked at; refused when it is no longer the pending one (default: the pending case). */
  case: caseField.optional(),
});

/** A signed link for an incident (alert investigation): recorded as the decision of `approver`, channel signed-link. */
export const incidentLinkBody = z.strictObject({
  incident: z.string().min(1).max(80),
  decision: z.enum(['approve', 'reject', 'acknowledge']),
  approver: approverField,
  ttlSeconds: z.number().int().positive().max(7 * 86_400).optional(),
});

export const linkConfirmBody = z.object({
  comment: comment.optional(),
});
