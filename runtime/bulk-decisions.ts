// Bulk decisions: one human decision applied to many pending reviews, for every channel that offers it (API, CLI,
// review page, Discord's approve-all / reject-all). Each IP is decided through submitDecision (operator-actions), so
// each lands in its own history as the same `decide` update and the governor counts each approval, as for one.
// A filter is resolved here, and refused as a whole when it does not match the count the operator saw.
import type { Client } from '@temporalio/client';
import { countMismatch, DECIDABLE_STATUS, describeFilter, matchesFilter, type BulkFilter } from '../domain/bulk-selection';
import type { DecideResult } from '../domain/threat-state';
import type { HumanDecision } from '../domain/types';
import {
  humanDecisionSchema, listThreats, normaliseThreatIp, OperatorActionError, submitDecision, toOperatorError, type OperatorErrorCode, type ThreatSummary,
} from './operator-actions';

export const BULK_MAX_IPS = 1000;
/** Pending reviews listed to resolve a filter; more than this cannot be counted exactly, so a filter is refused. */
const FILTER_LIST_LIMIT = 5000;

export type BulkItemResult =
  | { ip: string; ok: true; result: DecideResult }
  | { ip: string; ok: false; code: OperatorErrorCode; error: string };

/** One IP of an explicit list, optionally with the case the operator looked at (the workflow refuses any other). */
export type BulkTarget = string | { ip: string; case?: string };

export type BulkSelection =
  | { kind: 'list'; targets: BulkTarget[]; expectedCount?: number }
  | { kind: 'filter'; filter: BulkFilter; expectedCount: number };

export interface BulkOutcome {
  /** How many cases the selection covered (distinct IPs of the list, or what the filter matched). */
  matched: number;
  accepted: number;
  refused: number;
  /** One per IP, in selection order: a case decided elsewhere in between is reported here, not counted. */
  results: BulkItemResult[];
  /** The filter, as read back to the operator (filter selections only). */
  filter?: string;
}

interface Item { ip: string; case?: string }

export interface BulkOptions { concurrency?: number; timeoutMs?: number }

/** Resolves the selection, checks its count, then decides each case through submitDecision. */
export async function decideInBulk(client: Client, d: HumanDecision, selection: BulkSelection, opts: BulkOptions = {}): Promise<BulkOutcome> {
  const decision = humanDecisionSchema.safeParse(d);
  if (!decision.success) throw new OperatorActionError('invalid_input', `invalid decision: ${decision.error.issues.map((i) => `${i.path.join('.') || 'decision'}: ${i.message}`).join('; ')}`);
  if (decision.data.case !== undefined) throw new OperatorActionError('invalid_input', 'a bulk decision names cases per IP, not one case for all');
  if (selection.kind === 'list') {
    const items = distinctTargets(selection.targets);
    if (selection.expectedCount !== undefined && selection.expectedCount !== items.length) {
      throw new OperatorActionError('invalid_input', `the list names ${items.length} distinct IP(s) but expectedCount is ${selection.expectedCount}; nothing was decided`,
        { matched: items.length, expectedCount: selection.expectedCount });
    }
    const results = await decideEach(client, d, items, { ...opts, bindToPendingCase: false });
    return summarise(items.length, results);
  }
  const items: Item[] = (await resolveFilter(client, selection.filter)).map((t) => ({ ip: t.ip }));
  const mismatch = countMismatch(items.length, selection.expectedCount, selection.filter);
  if (mismatch) throw new OperatorActionError('invalid_state', mismatch, { matched: items.length, expectedCount: selection.expectedCount });
  if (items.length === 0) return { ...summarise(0, []), filter: describeFilter(selection.filter) };
  // The operator acts on what is pending now: each decision is bound to, and records, the case pending at this moment.
  const results = await decideEach(client, d, items, { ...opts, bindToPendingCase: true });
  return { ...summarise(items.length, results), filter: describeFilter(selection.filter) };
}

/** The pending reviews a filter covers now (visibility: the same list `palisade pending` and the review page show). */
export async function resolveFilter(client: Client, filter: BulkFilter): Promise<ThreatSummary[]> {
  const pending = await listThreats(client, { status: DECIDABLE_STATUS, limit: FILTER_LIST_LIMIT });
  if (pending.length >= FILTER_LIST_LIMIT) {
    throw new OperatorActionError('invalid_state', `${FILTER_LIST_LIMIT} or more reviews are pending: too many to count exactly for a filter; decide an explicit list of IPs instead`);
  }
  const matched = pending.filter((t) => matchesFilter(t, filter));
  if (matched.length > BULK_MAX_IPS) {
    throw new OperatorActionError('invalid_input', `${describeFilter(filter)} match ${matched.length} cases; at most ${BULK_MAX_IPS} per bulk decision: narrow the filter`);
  }
  return matched;
}

/**
 * Distinct IPs, in their canonical form. An entry that is not an IP is bad input: the whole list is refused before
 * anything is decided (never half of a list); a case decided elsewhere meanwhile is a per-IP result instead.
 */
function distinctTargets(targets: BulkTarget[]): Item[] {
  if (!Array.isArray(targets) || targets.length === 0) throw new OperatorActionError('invalid_input', 'no IPs given');
  if (targets.length > BULK_MAX_IPS) throw new OperatorActionError('invalid_input', `at most ${BULK_MAX_IPS} IPs per bulk decision (got ${targets.length})`);
  const byIp = new Map<string, Item>();
  const invalid: string[] = [];
  for (const t of targets) {
    const item: Item = typeof t === 'string' ? { ip: t } : { ip: String(t?.ip), ...(t?.case !== undefined ? { case: t.case } : {}) };
    let key: string;
    try {
      key = normaliseThreatIp(item.ip);
    } catch {
      invalid.push(JSON.stringify(item.ip.slice(0, 64)));
      continue;
    }
    const prev = byIp.get(key);
    if (prev && prev.case !== item.case) throw new OperatorActionError('invalid_input', `${key} is listed twice with different cases`);
    if (!prev) byIp.set(key, item);
  }
  if (invalid.length > 0) {
    throw new OperatorActionError('invalid_input', `not an IP address: ${invalid.slice(0, 5).join(', ')}${invalid.length > 5 ? ` and ${invalid.length - 5} more` : ''}; nothing was decided`);
  }
  return [...byIp.values()];
}

async function decideEach(client: Client, d: HumanDecision, items: Item[], opts: BulkOptions & { bindToPendingCase: boolean }): Promise<BulkItemResult[]> {
  const results: BulkItemResult[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      const { ip, case: caseRef } = items[i]!;
      try {
        const one = caseRef !== undefined ? { ...d, case: caseRef } : d;
        results[i] = { ip, ok: true, result: await submitDecision(client, ip, one, { timeoutMs: opts.timeoutMs, bindToPendingCase: opts.bindToPendingCase }) };
      } catch (err) {
        const e = toOperatorError(err, ip);
        results[i] = { ip, ok: false, code: e.code, error: e.message };
      }
    }
  };
  const concurrency = Math.max(1, Math.min(opts.concurrency ?? 8, 32));
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

function summarise(matched: number, results: BulkItemResult[]): BulkOutcome {
  const accepted = results.filter((r) => r.ok).length;
  return { matched, accepted, refused: results.length - accepted, results };
}
