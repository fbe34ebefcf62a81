// Which address is the client. Traefik's ClientHost becomes the whole X-Forwarded-For header when one was sent
// ("203.0.113.7, 10.0.0.5") and ClientAddr keeps the TCP peer; ECS pipelines put the forwarded client in
// network.forwarded_ip and the peer in source.ip. One rule for all of them: resolveClient.
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

export const inCidrs = (a: Parsed, cidrs: CidrList) => cidrs.some(([net, bits]) => net.kind() === a.kind() && a.match(net, bits));

/** Whether one address (any form parseOne accepts) lies in the trusted proxies. */
export function isTrustedAddress(raw: string, trusted: CidrList): boolean {
  const a = parseOne(raw);
  return a !== undefined && inCidrs(a, trusted);
}

/**
 * Which address is the client, by the rule Traefik applies to `forwardedHeaders.trustedIPs`: a forwarded address is
 * believed only when the hop that handed it to us is a trusted proxy. Starting at the direct peer (the TCP peer of
 * the logging proxy), while the current hop is in `trusted`, step one entry left in the forwarded list; the first
 * hop that is not trusted is the client. Nothing else is skipped: a private, VPN or tailnet address is an ordinary
 * client unless it is configured as a proxy, so a LAN client cannot frame anyone by sending X-Forwarded-For.
 *
 * Without a known peer (a Common Log Format line, a log with ClientAddr dropped) the right-most forwarded entry is
 * the nearest hop we can see and stands in for the peer. An invalid entry reached while walking through trusted hops
 * makes the client unknown (undefined): the chain a trusted proxy vouched for is broken, and guessing could blame
 * our own proxy; so does a chain of more than MAX_TRUSTED_HOPS trusted hops. Walks from the right with lastIndexOf,
 * so a huge header costs only the hops actually visited.
 */
export function resolveClient(peer: string | undefined, forwarded: string | undefined, trusted: CidrList = []): string | undefined {
  const hops = rightToLeft(forwarded ?? '');
  const first = peer !== undefined && peer.trim() !== '' ? peer : hops();
  return first === undefined ? undefined : walk(first, hops, trusted);
}

/** The client of a forwarded list handed to us by a peer already known to be trusted (server-side filtered). */
export function clientBehindTrustedPeer(forwarded: string, trusted: CidrList): string | undefined {
  const hops = rightToLeft(forwarded);
  const first = hops();
  return first === undefined ? undefined : walk(first, hops, trusted);
}

/** Entries of a comma-separated list from the right, consumed one call at a time; undefined when none remains. */
function rightToLeft(list: string): () => string | undefined {
  let rest = list;
  return () => {
    while (rest.length > 0) {
      const comma = rest.lastIndexOf(',');
      const entry = rest.slice(comma + 1).trim();
      rest = comma < 0 ? '' : rest.slice(0, comma);
      if (entry) return entry;
    }
    return undefined;
  };
}

/** Trusted hops walked at most: no real chain of proxies is longer, and each hop costs an address parse. */
export const MAX_TRUSTED_HOPS = 32;

function walk(first: string, hops: () => string | undefined, trusted: CidrList): string | undefined {
  let current = parseOne(first);
  if (!current) return undefined;
  for (let walked = 0; inCidrs(current, trusted); walked++) {
    if (walked === MAX_TRUSTED_HOPS) return undefined;
    const next = hops();
    if (next === undefined) break;
    const parsed = parseOne(next);
    if (!parsed) return undefined;
    current = parsed;
  }
  return current.toString();
}

/** The client of an X-Forwarded-For style list whose direct peer is unknown (see resolveClient). */
export function clientFromForwardedList(list: string, trusted: CidrList = []): string | undefined {
  return resolveClient(undefined, list, trusted);
}
