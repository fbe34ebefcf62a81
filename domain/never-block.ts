// Never-block rules: addresses Palisade refuses to block whatever the score, the LLM or a human says. Pure and total.
//
// Order of the checks (the first that matches is the reason reported):
//   1. malformed      the value is not one host address (see normaliseIp); nothing malformed reaches an enforcer
//   2. special-purpose IANA special-purpose / reserved / multicast space (special-purpose-ranges.ts), most specific
//                      entry named
//   3. own-network    the operator's own networks
//   4. infrastructure the operator's firewall, Traefik, load balancers, DNS, monitoring (IPs or CIDRs)
//   5. allowlist      operator allowlist entries whose expiry (if any) is still in the future
//
// Invalid context entries can never match, so they would silently protect nothing: validateNeverBlockContext reports
// them for the config loader, which refuses to start on any issue. An allowlist entry whose expiresAt does not parse
// keeps applying (fail safe: we protect rather than block), and is reported too.
import ipaddr from 'ipaddr.js';
import { compileRange, normaliseIp, parseCidr, rangeContains, type CompiledRange, type NormalisedIp } from './ip';
import { SPECIAL_PURPOSE_RANGES, type SpecialPurposeRange } from './special-purpose-ranges';

export interface NeverBlockAllowlistEntry {
  cidr: string;
  description?: string;
  /** ISO 8601 timestamp with offset; at and after it the entry no longer applies. */
  expiresAt?: string;
}

export interface NeverBlockContext {
  ownNetworks: string[];
  infrastructure: string[];
  allowlist: NeverBlockAllowlistEntry[];
  /** The decision time, ISO 8601 (workflow time, so replay gives the same answer). */
  now: string;
}

export type NeverBlockCategory = 'malformed' | 'special-purpose' | 'own-network' | 'infrastructure' | 'allowlist';

export type NeverBlockResult =
  | { neverBlock: false }
  | { neverBlock: true; category: NeverBlockCategory; reason: string; range?: string };

export interface NeverBlockIssue {
  /** Path inside the never-block context, e.g. `allowlist[2].expiresAt`. */
  path: string;
  message: string;
}

interface CompiledSpecial extends SpecialPurposeRange {
  range: CompiledRange;
}

const COMPILED_SPECIAL: readonly CompiledSpecial[] = SPECIAL_PURPOSE_RANGES.map((entry) => {
  const range = compileRange(entry.cidr, { unmapIpv4: false });
  if (!range || range.cidr !== entry.cidr) throw new Error(`special-purpose table entry ${entry.cidr} is not canonical`);
  return { ...entry, range };
});

/** The most specific special-purpose range containing `ip`, if any. */
export function findSpecialPurposeRange(ip: NormalisedIp): SpecialPurposeRange | undefined {
  const addr = ipaddr.parse(ip.ip);
  let best: CompiledSpecial | undefined;
  for (const entry of COMPILED_SPECIAL) {
    if (entry.range.version !== ip.version) continue;
    if (best && entry.range.prefix <= best.range.prefix) continue;
    if (entry.range.network.match(addr, entry.range.prefix)) best = entry;
  }
  if (!best) return undefined;
  const { range: _range, ...entry } = best;
  return entry;
}

/** ISO 8601 date-time with an explicit offset (as the config schema requires). */
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function parseInstant(text: unknown): number | undefined {
  if (typeof text !== 'string' || !ISO_DATETIME.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

/** Widest prefix accepted in a protection list: anything wider would switch blocking off for a large part of the internet. */
export const MIN_PROTECTED_PREFIX = { 4: 8, 6: 16 } as const;

function firstMatch(entries: readonly string[] | undefined, ip: NormalisedIp): string | undefined {
  for (const entry of entries ?? []) {
    if (typeof entry !== 'string') continue;
    const range = compileRange(entry);
    if (range && rangeContains(range, ip)) return range.cidr;
  }
  return undefined;
}

export function classifyNeverBlock(ip: string, ctx: NeverBlockContext): NeverBlockResult {
  const host = normaliseIp(ip);
  if (!host.ok) return { neverBlock: true, category: 'malformed', reason: `not a single IP address: ${host.reason}` };

  const special = findSpecialPurposeRange(host);
  if (special) {
    const reachable = special.globallyReachable ? '; shared global service, blocking it would break infrastructure' : '';
    return {
      neverBlock: true,
      category: 'special-purpose',
      reason: `${host.ip} is in ${special.cidr} (${special.name}, ${special.rfc})${reachable}`,
      range: special.cidr,
    };
  }

  const own = firstMatch(ctx.ownNetworks, host);
  if (own) return { neverBlock: true, category: 'own-network', reason: `${host.ip} is in own network ${own}`, range: own };

  const infra = firstMatch(ctx.infrastructure, host);
  if (infra) {
    return { neverBlock: true, category: 'infrastructure', reason: `${host.ip} is infrastructure (${infra})`, range: infra };
  }

  const now = parseInstant(ctx.now);
  for (const entry of ctx.allowlist ?? []) {
    if (!entry || typeof entry.cidr !== 'string') continue;
    const range = compileRange(entry.cidr);
    if (!range || !rangeContains(range, host)) continue;
    if (entry.expiresAt !== undefined) {
      const expires = parseInstant(entry.expiresAt);
      // Unparseable expiry or decision time: keep protecting (the issue is reported by validateNeverBlockContext).
      if (expires !== undefined && now !== undefined && now >= expires) continue;
    }
    const description = entry.description ? ` (${entry.description})` : '';
    const until = entry.expiresAt !== undefined ? ` until ${entry.expiresAt}` : '';
    return {
      neverBlock: true,
      category: 'allowlist',
      reason: `${host.ip} is allowlisted by ${range.cidr}${description}${until}`,
      range: range.cidr,
    };
  }
  return { neverBlock: false };
}

/**
 * Why a value is not usable as an own-network / infrastructure / allowlist entry, or undefined when it is. For every
 * place that accepts such an entry (config loader, allowlist API, allowlist workflow), so they agree.
 */
export function protectedCidrProblem(value: unknown): string | undefined {
  if (typeof value !== 'string') return 'must be an IP address or CIDR string';
  const parsed = parseCidr(value);
  if (!parsed.ok) return parsed.reason.includes(`"${value.trim()}"`) ? parsed.reason : `"${value}": ${parsed.reason}`;
  const min = MIN_PROTECTED_PREFIX[parsed.version];
  if (parsed.prefix < min) {
    return `"${value}" is wider than /${min}: it would exempt a large part of the internet from blocking ` +
      '(use policy.mode "disabled" to switch blocking off)';
  }
  return undefined;
}

function checkProtectedRange(value: unknown, path: string, issues: NeverBlockIssue[]): void {
  const problem = protectedCidrProblem(value);
  if (problem) issues.push({ path, message: problem });
}

/**
 * Problems with a never-block context, for the config loader (paths are relative to `policy.neverBlock`, except
 * `now`). An empty array means every entry is usable.
 */
export function validateNeverBlockContext(ctx: NeverBlockContext): NeverBlockIssue[] {
  const issues: NeverBlockIssue[] = [];
  const list = (name: 'ownNetworks' | 'infrastructure') => {
    const value: unknown = ctx[name];
    if (value === undefined) return;
    if (!Array.isArray(value)) {
      issues.push({ path: name, message: 'must be a list of IP addresses or CIDRs' });
      return;
    }
    value.forEach((entry, i) => checkProtectedRange(entry, `${name}[${i}]`, issues));
  };
  list('ownNetworks');
  list('infrastructure');

  const allowlist: unknown = ctx.allowlist;
  if (allowlist !== undefined && !Array.isArray(allowlist)) {
    issues.push({ path: 'allowlist', message: 'must be a list of { cidr, description?, expiresAt? }' });
  } else {
    (allowlist ?? []).forEach((entry: unknown, i: number) => {
      if (typeof entry !== 'object' || entry === null) {
        issues.push({ path: `allowlist[${i}]`, message: 'must be an object { cidr, description?, expiresAt? }' });
        return;
      }
      const e = entry as Partial<Record<keyof NeverBlockAllowlistEntry, unknown>>;
      checkProtectedRange(e.cidr, `allowlist[${i}].cidr`, issues);
      if (e.expiresAt !== undefined && parseInstant(e.expiresAt) === undefined) {
        issues.push({
          path: `allowlist[${i}].expiresAt`,
          message: `"${String(e.expiresAt)}" is not an ISO 8601 date-time with offset (e.g. 2026-01-31T12:00:00Z)`,
        });
      }
      if (e.description !== undefined && typeof e.description !== 'string') {
        issues.push({ path: `allowlist[${i}].description`, message: 'must be a string' });
      }
    });
  }
  if (parseInstant(ctx.now) === undefined) {
    issues.push({ path: 'now', message: `"${String(ctx.now)}" is not an ISO 8601 date-time with offset` });
  }
  return issues;
}
