// Which pending reviews a bulk decision covers. A bulk decision is either an explicit list of IPs or a filter over
// the pending reviews; a filter always comes with the count the operator saw, and a different count refuses the whole
// decision, so a decision never covers more (or other) cases than the operator looked at.
import { THREAT_STATUSES, type ThreatStatus } from './types';

/** The only status a decision applies to: a filter naming another one would match nothing decidable. */
export const DECIDABLE_STATUS = 'pending_review' satisfies ThreatStatus;

/** The criteria of a filter, as the CLI spells them (`--filter status=…,source=…,min-score=…`). */
export const BULK_FILTER_CRITERIA = ['status', 'source', 'min-score'] as const;
export type BulkFilterCriterion = (typeof BULK_FILTER_CRITERIA)[number];

/** `{all: true}` (every pending review) or at least one criterion; never both. */
export interface BulkFilter {
  all?: true;
  status?: typeof DECIDABLE_STATUS;
  source?: string;
  minScore?: number;
}

/** What a filter is matched against: a threat as visibility lists it. */
export interface BulkCandidate {
  status?: string;
  source?: string;
  score?: number;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

const MAX_SOURCE = 100;

/** The status criterion: a known status, and the decidable one. */
export function checkFilterStatus(value: string): Checked<typeof DECIDABLE_STATUS> {
  if (value === DECIDABLE_STATUS) return { ok: true, value };
  if (!(THREAT_STATUSES as readonly string[]).includes(value)) {
    return { ok: false, reason: `unknown status ${JSON.stringify(value.slice(0, 40))}; a decision applies only to ${DECIDABLE_STATUS}` };
  }
  return { ok: false, reason: `a decision applies only to pending reviews: status=${value} matches nothing that can be approved or rejected` };
}

export function checkFilterSource(value: string): Checked<string> {
  const v = value.trim();
  if (v === '' || v.length > MAX_SOURCE) return { ok: false, reason: `source must be 1 to ${MAX_SOURCE} characters` };
  return { ok: true, value: v };
}

export function checkFilterMinScore(value: number): Checked<number> {
  if (!Number.isFinite(value) || value < 0 || value > 100) return { ok: false, reason: `min-score must be a number from 0 to 100 (got ${String(value).slice(0, 20)})` };
  return { ok: true, value };
}

/** A filter is `{all: true}` alone or a non-empty set of criteria. */
export function checkFilterShape(f: BulkFilter): Checked<BulkFilter> {
  const criteria = f.status !== undefined || f.source !== undefined || f.minScore !== undefined;
  if (f.all && criteria) return { ok: false, reason: 'a filter is either {"all": true} or criteria (status, source, minScore), not both' };
  if (!f.all && !criteria) return { ok: false, reason: 'an empty filter: give {"all": true} for every pending review, or at least one criterion' };
  return { ok: true, value: f };
}

/**
 * Parses the CLI's filter text: comma-separated `key=value` pairs, keys from BULK_FILTER_CRITERIA, each at most once.
 * Split on characters only (no regex), linear in the input.
 */
export function parseFilterSpec(spec: string): Checked<BulkFilter> {
  const filter: BulkFilter = {};
  const seen = new Set<string>();
  for (const raw of spec.split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return { ok: false, reason: `filter part ${JSON.stringify(part.slice(0, 60))} is not key=value (keys: ${BULK_FILTER_CRITERIA.join(', ')})` };
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (!(BULK_FILTER_CRITERIA as readonly string[]).includes(key)) {
      return { ok: false, reason: `unknown filter key ${JSON.stringify(key.slice(0, 40))} (keys: ${BULK_FILTER_CRITERIA.join(', ')})` };
    }
    if (seen.has(key)) return { ok: false, reason: `filter key ${key} given twice` };
    seen.add(key);
    const criterion = key as BulkFilterCriterion;
    if (criterion === 'status') {
      const s = checkFilterStatus(value);
      if (!s.ok) return s;
      filter.status = s.value;
    } else if (criterion === 'source') {
      const s = checkFilterSource(value);
      if (!s.ok) return s;
      filter.source = s.value;
    } else {
      const s = checkFilterMinScore(value === '' ? NaN : Number(value));
      if (!s.ok) return s;
      filter.minScore = s.value;
    }
  }
  return checkFilterShape(filter);
}

/** Whether a listed threat is covered by the filter. A threat without a score never passes a min-score. */
export function matchesFilter(t: BulkCandidate, f: BulkFilter): boolean {
  if (t.status !== DECIDABLE_STATUS) return false;
  if (f.source !== undefined && t.source !== f.source) return false;
  if (f.minScore !== undefined && !(typeof t.score === 'number' && t.score >= f.minScore)) return false;
  return true;
}

/** The filter as an operator reads it back: "all pending reviews" or "pending reviews with source=…, min-score=…". */
export function describeFilter(f: BulkFilter): string {
  const parts: string[] = [];
  if (f.source !== undefined) parts.push(`source=${f.source}`);
  if (f.minScore !== undefined) parts.push(`min-score=${f.minScore}`);
  return parts.length === 0 ? 'all pending reviews' : `pending reviews with ${parts.join(', ')}`;
}

/** Refusal text when the matched count is not the count the operator saw; undefined when they agree. */
export function countMismatch(matched: number, expected: number, f: BulkFilter): string | undefined {
  if (matched === expected) return undefined;
  return `${describeFilter(f)} match ${matched} case(s) now, not the ${expected} expected; nothing was decided. `
    + `Look at the list again (palisade pending, or the review page) and resend with the count you see.`;
}
