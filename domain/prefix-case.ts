// What a prefix case (many IPv6 addresses of one /64, see case-key.ts) blocks. Pure.
//
// The policy decides on one host: the case's latest address (caseHost). Blocking the whole prefix is a widening,
// proposed only when all of these hold: the effective mode is review and the decision is review (a human approves
// it), the case has seen at least policy.ipv6.prefixBlockMinAddresses distinct addresses, and the prefix overlaps
// no special-purpose range, own network, infrastructure entry or allowlist entry, and the configured enforcer can
// hold a network entry (Traefik; pfSense aliases here hold single addresses).
//
// Below the count the block stays the /128 of the latest address, and the reasons say why: a few addresses of one
// /64 are not yet evidence that one actor holds the whole prefix (hosting providers hand out single addresses from
// a shared /64, so a /64 block could hit their other customers), the latest address is the one the attacker is
// using now, and one entry per case keeps the block reviewable and removable as one thing.
import type { AllowlistEntry, PolicyConfig } from './config';
import { compileRange, type CompiledRange } from './ip';
import { isPrefixSubject, PREFIX_CAPABLE_ENFORCERS } from './case-key';
import { SPECIAL_PURPOSE_RANGES } from './special-purpose-ranges';
import type { MergedEvidence, Mode, PolicyDecision } from './types';

const SPECIAL = SPECIAL_PURPOSE_RANGES.map((r) => ({ r, range: compileRange(r.cidr, { unmapIpv4: false })! }));

const overlaps = (a: CompiledRange, b: CompiledRange) =>
  a.version === b.version && a.network.match(b.network, Math.min(a.prefix, b.prefix));

/** Why a prefix must never be blocked as a whole (it overlaps a protected range), or undefined. */
export function prefixNeverBlockReason(prefix: string, policy: PolicyConfig, allowlist: AllowlistEntry[], now: string): string | undefined {
  const p = compileRange(prefix, { unmapIpv4: false });
  if (!p) return `${prefix.slice(0, 64)} is not a network`;
  const special = SPECIAL.find((s) => overlaps(p, s.range));
  if (special) return `${p.cidr} overlaps ${special.r.cidr} (${special.r.name})`;
  const lists: Array<[string, string[]]> = [['own network', policy.neverBlock.ownNetworks], ['infrastructure', policy.neverBlock.infrastructure]];
  for (const [what, entries] of lists) {
    const hit = entries.map((e) => compileRange(e)).find((r) => r && overlaps(p, r));
    if (hit) return `${p.cidr} overlaps ${what} ${hit.cidr}`;
  }
  const nowMs = Date.parse(now);
  for (const e of [...policy.neverBlock.allowlist, ...allowlist]) {
    // An expiry that does not parse keeps protecting (as in never-block.ts).
    const expires = e.expiresAt === undefined ? NaN : Date.parse(e.expiresAt);
    if (!Number.isNaN(expires) && !Number.isNaN(nowMs) && nowMs >= expires) continue;
    const r = compileRange(e.cidr);
    if (r && overlaps(p, r)) return `${p.cidr} overlaps allowlist entry ${r.cidr}${e.description ? ` (${e.description})` : ''}`;
  }
  return undefined;
}

/** The host address a case decides on: the latest address seen (a prefix case), or the subject itself. */
export function caseHost(subject: string, evidence: Pick<MergedEvidence, 'latestAddress'>): string {
  return isPrefixSubject(subject) && evidence.latestAddress ? evidence.latestAddress : subject;
}

export interface PrefixCaseFacts {
  subject: string;
  evidence: Pick<MergedEvidence, 'addresses' | 'latestAddress'>;
  /** The effective mode for this case's source. */
  mode: Mode;
  policy: PolicyConfig;
  allowlist: AllowlistEntry[];
  now: string;
  /** The configured enforcer (a dry run is judged by what the real one could hold). */
  enforcer: string;
}

/** The decision with its block target settled for a prefix case (widened, or the latest /128 with the reason). */
export function settlePrefixTarget(decision: PolicyDecision, f: PrefixCaseFacts): PolicyDecision {
  if (!isPrefixSubject(f.subject) || !decision.block) return decision;
  const n = f.evidence.addresses?.length ?? 1;
  const min = f.policy.ipv6.prefixBlockMinAddresses;
  const single = decision.block.target;
  const seen = `${n} distinct address${n === 1 ? '' : 'es'} of ${f.subject} seen`;
  let why: string;
  if (n < min) why = `${seen}, below ${min} (policy.ipv6.prefixBlockMinAddresses): not yet evidence that one actor holds the prefix`;
  else if (f.mode !== 'review' || decision.kind !== 'review') why = `${seen}, but a prefix block widens the target and is proposed only in review mode (mode ${f.mode})`;
  else if (!PREFIX_CAPABLE_ENFORCERS.includes(f.enforcer)) why = `${seen}, but enforcer ${f.enforcer} holds single addresses only`;
  else {
    const protectedBy = prefixNeverBlockReason(f.subject, f.policy, f.allowlist, f.now);
    if (!protectedBy) {
      return {
        ...decision,
        block: { ...decision.block, target: f.subject },
        reasons: [...decision.reasons, `${seen} ≥ ${min}: the block is widened to ${f.subject} (a widening: a human approves it)`],
      };
    }
    why = `${seen}, but the prefix is never blocked as a whole: ${protectedBy}`;
  }
  return { ...decision, reasons: [...decision.reasons, `${why}; blocking ${single}, the latest address when the case was evaluated`] };
}
