// Which case (workflow `threat/<subject>`) an address belongs to. An IPv4 address is its own case; an IPv6 address
// belongs to the case of its /64 (policy.ipv6.groupPrefix): one attacker with a /64 rotates through addresses, and a
// case per address would mean a workflow, intel lookups, an LLM call and a review message per request. Pure.
import { cidrContains, compileRange, normaliseIp, parseCidr, type IpRejection } from './ip';

/** Most distinct addresses one prefix case keeps (and the highest policy.ipv6.prefixBlockMinAddresses). */
export const MAX_CASE_ADDRESSES = 256;

export interface CaseKey {
  ok: true;
  /** What the workflow id names: the address (IPv4, or IPv6 without grouping) or the IPv6 prefix "net/len". */
  subject: string;
  /** The canonical host address that was seen. */
  address: string;
  /** The prefix CIDR when the case groups addresses. */
  prefix?: string;
}

/** Prefix lengths a case subject may have: wider than /32 is a registry allocation, not one attacker. */
export const CASE_PREFIX_RANGE = { min: 32, max: 127 } as const;

export function caseKeyOf(ip: string, groupPrefix: number): CaseKey | IpRejection {
  const host = normaliseIp(ip);
  if (!host.ok) return host;
  if (host.version === 4 || groupPrefix >= 128) return { ok: true, subject: host.ip, address: host.ip };
  const prefix = compileRange(`${host.ip}/${groupPrefix}`)!.cidr;
  return { ok: true, subject: prefix, address: host.ip, prefix };
}

/** True when the subject names a prefix case (contains a prefix length). */
export const isPrefixSubject = (subject: string): boolean => subject.includes('/');

/**
 * A case subject as an operator or a link names it: a host address, or an IPv6 prefix in canonical form with the
 * host bits zero (`2001:db8:1:2::/64`). The same checks for every surface that finds a case.
 */
export function normaliseCaseSubject(input: string): { ok: true; subject: string } | IpRejection {
  if (typeof input !== 'string' || !input.includes('/')) {
    const host = normaliseIp(input);
    return host.ok ? { ok: true, subject: host.ip } : host;
  }
  const host = normaliseIp(input);
  if (host.ok) return { ok: true, subject: host.ip };
  const net = parseCidr(input);
  if (!net.ok) return net;
  if (net.version !== 6 || net.prefix < CASE_PREFIX_RANGE.min || net.prefix > CASE_PREFIX_RANGE.max) {
    return { ok: false, reason: `"${input.trim().slice(0, 64)}" is neither one address nor an IPv6 prefix /${CASE_PREFIX_RANGE.min}-/${CASE_PREFIX_RANGE.max}` };
  }
  return { ok: true, subject: net.cidr };
}

/**
 * The prefix a block of a prefix case targets, when `target` is one: a canonical IPv6 network of an accepted case
 * length that contains `ip` (the case's address). Enforcers accept nothing else wider than a host.
 */
export function prefixTargetOf(ip: string, target: string): string | undefined {
  if (typeof target !== 'string' || !target.includes('/')) return undefined;
  const net = parseCidr(target);
  if (!net.ok || net.cidr !== target || net.version !== 6) return undefined;
  if (net.prefix < CASE_PREFIX_RANGE.min || net.prefix > CASE_PREFIX_RANGE.max) return undefined;
  return cidrContains(net.cidr, ip) ? net.cidr : undefined;
}

/** Enforcers whose block lists can hold a network entry (pfSense aliases here hold single addresses only). */
export const PREFIX_CAPABLE_ENFORCERS: readonly string[] = ['traefik', 'memory', 'simulated'];
