// NetworkPolicy arithmetic for blocking one host: policies only allow, so a host is blocked when no rule of any
// policy selecting the pods admits it. A block is an `ipBlock.except` entry (`/32` or `/128`) added to every ipBlock
// that would otherwise admit the host.
import ipaddr from 'ipaddr.js';

export type Family = 'ipv4' | 'ipv6';

/** "a.b.c.d/32" or "x::/128" for a single IP (bare or host CIDR); undefined for anything else. */
export function hostTarget(value: string): string | undefined {
  const [ip, bits, ...rest] = value.trim().split('/');
  if (rest.length > 0 || !isSingleIp(ip)) return undefined;
  const addr = ipaddr.parse(ip);
  const host = addr.kind() === 'ipv4' ? 32 : 128;
  if (bits !== undefined && bits !== String(host)) return undefined;
  return `${addr.toString()}/${host}`;
}

/** True when `value` parses as exactly one address (no range), e.g. for validating a BlockRequest. */
// Strict forms only: no octal/hex/short IPv4 spellings that ipaddr.parse would also accept.
export const isSingleIp = (value: string): boolean =>
  ipaddr.IPv4.isValidFourPartDecimal(value) || (ipaddr.IPv6.isValid(value) && !value.includes('/'));

interface Cidr {
  addr: ipaddr.IPv4 | ipaddr.IPv6;
  bits: number;
}
function parseCidr(value: unknown): Cidr | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const [addr, bits] = ipaddr.parseCIDR(value);
    return { addr, bits };
  } catch {
    return undefined;
  }
}
const contains = (outer: Cidr, inner: Cidr) =>
  outer.addr.kind() === inner.addr.kind() && inner.bits >= outer.bits && inner.addr.match(outer.addr, outer.bits);

/** Does this ipBlock peer admit `host` (a host CIDR)? */
export function ipBlockAdmits(ipBlock: any, host: string): boolean {
  const h = parseCidr(host);
  const cidr = parseCidr(ipBlock?.cidr);
  if (!h || !cidr || !contains(cidr, h)) return false;
  const except: unknown[] = Array.isArray(ipBlock?.except) ? ipBlock.except : [];
  return !except.some((e) => {
    const c = parseCidr(e);
    return c !== undefined && contains(c, h);
  });
}

/** Does any ingress rule of the policy admit `host` from outside the cluster? */
export function policyAdmits(spec: any, host: string): boolean {
  const rules: any[] = Array.isArray(spec?.ingress) ? spec.ingress : [];
  return rules.some((r) => !Array.isArray(r?.from) || r.from.length === 0 || r.from.some((p: any) => ipBlockAdmits(p?.ipBlock, host)));
}

export type ExceptEdit = { ingress: any[]; changed: boolean } | { error: string };

/**
 * Adds `host` to the `except` of every ipBlock that admits it. Refuses (nothing changed) when a rule admits every
 * source or an ipBlock is exactly the host (an except must be a strict subset of its cidr).
 */
export function addHostExcept(spec: any, host: string): ExceptEdit {
  const rules: any[] = Array.isArray(spec?.ingress) ? spec.ingress : [];
  const h = parseCidr(host);
  // A host CIDR, or a canonical network (the IPv6 prefix of a reviewed prefix-case block).
  if (!h || (hostTarget(host) !== host && `${h.addr.toString()}/${h.bits}` !== host)) return { error: `${host} is not a host CIDR or a canonical network` };
  let changed = false;
  const ingress = [];
  for (const [i, r] of rules.entries()) {
    if (!Array.isArray(r?.from) || r.from.length === 0) return { error: `ingress rule ${i} admits every source; no except entry can narrow it` };
    const from = [];
    for (const peer of r.from) {
      if (ipBlockAdmits(peer?.ipBlock, host)) {
        const cidr = parseCidr(peer.ipBlock.cidr)!;
        if (cidr.bits === h.bits) return { error: `ingress rule ${i} explicitly allows ${host} (ipBlock ${peer.ipBlock.cidr}); refusing to edit an operator rule` };
        from.push({ ...peer, ipBlock: { ...peer.ipBlock, except: [...(peer.ipBlock.except ?? []), host] } });
        changed = true;
      } else from.push(peer);
    }
    ingress.push({ ...r, from });
  }
  return { ingress, changed };
}

/** Removes `host` from every `except` list (only the exact entry; other entries are left as they are). */
export function removeHostExcept(spec: any, host: string): { ingress: any[]; changed: boolean } {
  const rules: any[] = Array.isArray(spec?.ingress) ? spec.ingress : [];
  let changed = false;
  const ingress = rules.map((r) => {
    if (!Array.isArray(r?.from)) return r;
    return {
      ...r,
      from: r.from.map((peer: any) => {
        const except: unknown[] | undefined = peer?.ipBlock?.except;
        if (!Array.isArray(except) || !except.some((e) => typeof e === 'string' && hostTarget(e) === host)) return peer;
        changed = true;
        const rest = except.filter((e) => !(typeof e === 'string' && hostTarget(e) === host));
        const { except: _drop, ...ipBlock } = peer.ipBlock;
        return { ...peer, ipBlock: rest.length ? { ...ipBlock, except: rest } : ipBlock };
      }),
    };
  });
  return { ingress, changed };
}

/** Every `except` entry of the policy, in order, deduplicated. */
export function exceptEntries(spec: any): string[] {
  const out = new Set<string>();
  for (const r of Array.isArray(spec?.ingress) ? spec.ingress : []) {
    for (const p of Array.isArray(r?.from) ? r.from : []) {
      for (const e of Array.isArray(p?.ipBlock?.except) ? p.ipBlock.except : []) if (typeof e === 'string') out.add(e);
    }
  }
  return [...out];
}
