// Which address is the client. Traefik's ClientHost becomes the whole X-Forwarded-For header when one is trusted
// ("203.0.113.7, 10.0.0.5"); ECS pipelines put the real client in network.forwarded_ip behind a proxy.
import ipaddr from 'ipaddr.js';

type Parsed = ipaddr.IPv4 | ipaddr.IPv6;

/** Canonical text of one address (IPv4-mapped IPv6 → IPv4, IPv6 compressed lower-case), or undefined. */
export function canonicalIp(raw: string): string | undefined {
  const p = parseOne(raw);
  return p ? p.toString() : undefined;
}

/** One address, tolerating "[v6]:port", "v4:port", zone ids and surrounding quotes/space. */
function parseOne(raw: string): Parsed | undefined {
  let s = raw.trim().replace(/^"|"$/g, '');
  if (!s) return undefined;
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracket) s = bracket[1];
  else if (/^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(':'));
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  if (!ipaddr.isValid(s)) return undefined;
  // isValid accepts shorthand IPv4 ("10.1"); an access-log client is always four octets or IPv6.
  if (!s.includes(':') && !ipaddr.IPv4.isValidFourPartDecimal(s)) return undefined;
  try {
    return ipaddr.process(s);
  } catch {
    return undefined;
  }
}

export type CidrList = [Parsed, number][];

export function parseCidrs(cidrs: string[]): CidrList {
  const out: CidrList = [];
  for (const c of cidrs) {
    try {
      out.push(c.includes('/') ? ipaddr.parseCIDR(c) : (() => { const a = ipaddr.process(c); return [a, a.kind() === 'ipv4' ? 32 : 128] as [Parsed, number]; })());
    } catch {
      throw new Error(`not an IP address or CIDR: ${JSON.stringify(c)}`);
    }
  }
  return out;
}

const inCidrs = (a: Parsed, cidrs: CidrList) => cidrs.some(([net, bits]) => net.kind() === a.kind() && a.match(net, bits));
// Hops inside our own network (load balancers, ingress pods) are never the client.
const INTERNAL_RANGES = new Set(['private', 'loopback', 'linkLocal', 'uniqueLocal', 'carrierGradeNat', 'unspecified']);
const isInternal = (a: Parsed) => INTERNAL_RANGES.has(a.range());

/**
 * The client of an X-Forwarded-For style list: walking from the right (the hop nearest to us), skip trusted proxies
 * and private/internal hops; the first remaining address is the client. Left-most entries are client-supplied and
 * can be forged, so they are used only when every entry is internal.
 */
export function clientFromForwardedList(list: string, trusted: CidrList = []): string | undefined {
  const parsed = list.split(',').map(parseOne).filter((p): p is Parsed => p !== undefined);
  if (parsed.length === 0) return undefined;
  for (let i = parsed.length - 1; i >= 0; i--) {
    const a = parsed[i];
    if (inCidrs(a, trusted)) continue;
    if (isInternal(a)) continue;
    return a.toString();
  }
  const firstUntrusted = parsed.find((a) => !inCidrs(a, trusted));
  return (firstUntrusted ?? parsed[0]).toString();
}
