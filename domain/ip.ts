// IP address parsing for everything Palisade blocks, protects or names a workflow after. Pure and total: every
// input gets either a canonical value or a reason, never an exception.
//
// Strictness is deliberate. The text we accept ends up in firewall aliases, Kubernetes specs, shell and PHP
// commands, and workflow ids (`threat/<ip>`), so there must be exactly one spelling per address:
//   - IPv4: four decimal octets 0-255, no leading zeros. `010.1.1.1` (octal to inet_aton), `0x7f.1` (hex),
//     `127.1` (short form) are rejected as ambiguous, even though ipaddr.js and inet_aton accept some of them.
//   - IPv6: RFC 4291 text, output in RFC 5952 form (lowercase, longest zero run compressed). We parse the groups
//     ourselves because ipaddr.js reads `::1.2.3.4` as `::ffff:1.2.3.4` and accepts leading zeros in an embedded
//     dotted quad; ipaddr.js is used for the arithmetic (matching, masks) and the RFC 5952 formatting.
//   - IPv4-mapped IPv6 (`::ffff:1.2.3.4`, also written `::ffff:102:304`) is the IPv4 host: it normalises to
//     `1.2.3.4`, so both spellings land in the same workflow and the same block.
//   - Zone ids (`fe80::1%eth0`) are rejected: a zone names an interface on one machine, a firewall rule cannot
//     carry it, and every zoned address is link-local (never blocked anyway).
//   - Ports, whitespace inside the value, non-ASCII characters (including non-ASCII digits) are rejected.
import ipaddr from 'ipaddr.js';

export type IpVersion = 4 | 6;

export interface IpRejection {
  ok: false;
  reason: string;
}

export interface NormalisedIp {
  ok: true;
  /** Canonical text: dotted quad, or RFC 5952 IPv6. */
  ip: string;
  version: IpVersion;
  /** The single-host CIDR of `ip`: `<ip>/32` or `<ip>/128`. */
  cidr: string;
}

export interface ParsedCidr {
  ok: true;
  /** Canonical network address (host bits zero). */
  network: string;
  prefix: number;
  version: IpVersion;
  /** `<network>/<prefix>`. */
  cidr: string;
}

export type NormaliseIpResult = NormalisedIp | IpRejection;
export type ParseCidrResult = ParsedCidr | IpRejection;

/** Longest accepted input after trimming. The longest real spelling, `[ffff:…:255.255.255.255]/128`, is 51. */
export const MAX_IP_TEXT_LENGTH = 64;
/** Inputs longer than this are rejected before any other work (not even trimmed). */
const MAX_RAW_LENGTH = 1024;

const V4_OCTET = /^(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Parsed<T> = { ok: true; value: T } | IpRejection;

const reject = (reason: string): IpRejection => ({ ok: false, reason });

/** Strict dotted quad. Specific reasons for the ambiguous forms people actually paste. */
function parseIpv4(text: string): Parsed<ipaddr.IPv4> {
  const parts = text.split('.');
  if (/^0[xX]/.test(text) || parts.some((p) => /^0[xX]/.test(p))) {
    return reject(`"${text}" uses hexadecimal IPv4 notation; write four decimal octets like 192.0.2.1`);
  }
  if (parts.length !== 4) {
    return reject(`"${text}" is not four dotted decimal octets (short forms like 127.1 are ambiguous)`);
  }
  const octets: number[] = [];
  for (const part of parts) {
    if (part === '') return reject(`"${text}" has an empty octet`);
    if (!/^[0-9]+$/.test(part)) return reject(`"${text}" is not a valid IPv4 address (octet "${part}" is not decimal)`);
    if (part.length > 1 && part.startsWith('0')) {
      return reject(`"${text}" has an octet with a leading zero ("${part}"), which some parsers read as octal`);
    }
    if (!V4_OCTET.test(part)) return reject(`"${text}" has an octet out of range 0-255 ("${part}")`);
    octets.push(Number(part));
  }
  return { ok: true, value: new ipaddr.IPv4(octets) };
}

/** RFC 4291 section 2.2 text: eight 16-bit hex groups, one optional `::`, an optional trailing dotted quad. */
function parseIpv6(text: string): Parsed<ipaddr.IPv6> {
  const bad = (why: string) => reject(`"${text}" is not a valid IPv6 address (${why})`);
  const halves = text.split('::');
  if (halves.length > 2) return bad('"::" may appear only once');
  const toGroups = (half: string, isLast: boolean): number[] | string => {
    if (half === '') return [];
    const pieces = half.split(':');
    const groups: number[] = [];
    for (let i = 0; i < pieces.length; i++) {
      const piece = pieces[i];
      if (piece.includes('.')) {
        if (!isLast || i !== pieces.length - 1) return 'an embedded IPv4 address may only be the last part';
        const v4 = parseIpv4(piece);
        if (!v4.ok) return `embedded IPv4: ${v4.reason}`;
        const [a, b, c, d] = v4.value.octets;
        groups.push((a << 8) | b, (c << 8) | d);
      } else if (piece === '') {
        return 'empty group';
      } else if (!HEX_GROUP.test(piece)) {
        return `group "${piece}" is not 1-4 hexadecimal digits`;
      } else {
        groups.push(parseInt(piece, 16));
      }
    }
    return groups;
  };
  const head = toGroups(halves[0], halves.length === 1);
  if (typeof head === 'string') return bad(head);
  let parts: number[];
  if (halves.length === 2) {
    const tail = toGroups(halves[1], true);
    if (typeof tail === 'string') return bad(tail);
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return bad('too many groups around "::"');
    parts = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    if (head.length !== 8) return bad(`${head.length} groups instead of 8`);
    parts = head;
  }
  return { ok: true, value: new ipaddr.IPv6(parts) };
}

function toText(addr: Address): string {
  return addr.kind() === 'ipv4' ? addr.toString() : (addr as ipaddr.IPv6).toRFC5952String();
}

const bitsOf = (addr: Address): number => (addr.kind() === 'ipv4' ? 32 : 128);

/** `::ffff:a.b.c.d` (any prefix length ≥ 96 of it) is the IPv4 host/network a.b.c.d. */
function unmap(addr: Address, prefix: number): { addr: Address; prefix: number } {
  if (addr.kind() === 'ipv6' && prefix >= 96 && (addr as ipaddr.IPv6).isIPv4MappedAddress()) {
    return { addr: (addr as ipaddr.IPv6).toIPv4Address(), prefix: prefix - 96 };
  }
  return { addr, prefix };
}

interface RawParse {
  addr: Address;
  /** Undefined when the input had no `/prefix`. */
  prefix?: number;
}

/** Shared front end: length, characters, zone, brackets, port, prefix syntax, then the address itself. */
function parseText(input: unknown): Parsed<RawParse> {
  if (typeof input !== 'string') return reject('not a string');
  if (input.length > MAX_RAW_LENGTH) return reject(`input is too long (${input.length} characters)`);
  const text = input.trim();
  if (text === '') return reject('empty input');
  if (text.length > MAX_IP_TEXT_LENGTH) {
    return reject(`input is too long (${text.length} characters, at most ${MAX_IP_TEXT_LENGTH})`);
  }
  if (/[^\x20-\x7e]/.test(text)) {
    return /\p{Nd}/u.test(text.replace(/[0-9]/g, ''))
      ? reject('contains non-ASCII digits; only 0-9 are accepted')
      : reject('contains non-ASCII or control characters');
  }
  if (/\s/.test(text)) return reject('contains whitespace inside the address');
  if (text.includes('%')) {
    return reject('has a zone id ("%..."): a scoped link-local address names a local interface and cannot be blocked');
  }

  let body = text;
  let bracketed = false;
  if (body.startsWith('[')) {
    const m = /^\[([^[\]]*)\](.*)$/.exec(body);
    if (!m) return reject('unbalanced brackets');
    const [, inner, rest] = m;
    if (/^:[0-9]*$/.test(rest)) return reject(`includes a port ("${rest}"); give the address alone`);
    if (rest !== '' && !rest.startsWith('/')) return reject(`unexpected text after "]": "${rest}"`);
    if (!inner.includes(':')) return reject('brackets are only used around IPv6 addresses');
    body = inner + rest;
    bracketed = true;
  }
  if (/[[\]]/.test(body)) return reject('unbalanced brackets');

  let prefix: number | undefined;
  const slash = body.indexOf('/');
  if (slash !== -1) {
    const prefixText = body.slice(slash + 1);
    body = body.slice(0, slash);
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(prefixText)) {
      return reject(`prefix length "/${prefixText}" is not a decimal number without leading zeros`);
    }
    prefix = Number(prefixText);
  }
  if (body === '') return reject('no address before the prefix length');

  if (!body.includes(':')) {
    if (!/^[0-9.]+$/.test(body) && !/(?:^|\.)0[xX]/.test(body)) return reject(`"${body}" is not an IP address`);
    const v4 = parseIpv4(body);
    return v4.ok ? { ok: true, value: { addr: v4.value, prefix } } : v4;
  }
  if (!bracketed && /^[0-9.]+:[0-9]*$/.test(body) && body.includes('.')) {
    return reject(`includes a port ("${body.slice(body.indexOf(':'))}"); give the address alone`);
  }
  const v6 = parseIpv6(body);
  return v6.ok ? { ok: true, value: { addr: v6.value, prefix } } : v6;
}

function checkPrefixRange(addr: Address, prefix: number): IpRejection | undefined {
  const max = bitsOf(addr);
  if (prefix > max) return reject(`prefix length /${prefix} is out of range for IPv${max === 32 ? 4 : 6} (0-${max})`);
  return undefined;
}

/**
 * Parse one host address: the value Palisade blocks and names a workflow after. `/32` or `/128` is accepted as the
 * host itself; a wider prefix is a network, which Palisade never blocks (the target is always a single host).
 */
export function normaliseIp(input: string): NormaliseIpResult {
  const parsed = parseText(input);
  if (!parsed.ok) return parsed;
  let { addr } = parsed.value;
  const { prefix } = parsed.value;
  if (prefix !== undefined) {
    const outOfRange = checkPrefixRange(addr, prefix);
    if (outOfRange) return outOfRange;
    if (prefix !== bitsOf(addr)) {
      return reject(`"${String(input).trim()}" is a network, not a single address (only /32 or /128 name one host)`);
    }
  }
  addr = unmap(addr, bitsOf(addr)).addr;
  const ip = toText(addr);
  const version: IpVersion = addr.kind() === 'ipv4' ? 4 : 6;
  return { ok: true, ip, version, cidr: `${ip}/${version === 4 ? 32 : 128}` };
}

function maskedNetwork(addr: Address, prefix: number): Address {
  const bytes = addr.toByteArray();
  const masked = bytes.map((byte, i) => {
    const keep = Math.max(0, Math.min(8, prefix - i * 8));
    return byte & ((0xff << (8 - keep)) & 0xff);
  });
  return ipaddr.fromByteArray(masked);
}

function parseCidrInternal(input: string, allowHostBits: boolean): ParseCidrResult {
  const parsed = parseText(input);
  if (!parsed.ok) return parsed;
  const raw = parsed.value;
  const rawPrefix = raw.prefix ?? bitsOf(raw.addr);
  const outOfRange = checkPrefixRange(raw.addr, rawPrefix);
  if (outOfRange) return outOfRange;
  const { addr, prefix } = unmap(raw.addr, rawPrefix);
  const network = maskedNetwork(addr, prefix);
  if (!allowHostBits && toText(network) !== toText(addr)) {
    return reject(`"${input.trim()}" has host bits set (the network is ${toText(network)}/${prefix})`);
  }
  const text = toText(network);
  return { ok: true, network: text, prefix, version: addr.kind() === 'ipv4' ? 4 : 6, cidr: `${text}/${prefix}` };
}

/**
 * Parse a network for allowlists, own networks and infrastructure. A bare address is its single-host network.
 * Host bits must be zero (`10.0.0.1/8` is rejected with the network it probably meant): a typo in a protection
 * list should be reported, not guessed at. IPv4-mapped networks (`::ffff:10.0.0.0/104`) become IPv4 (`10.0.0.0/8`).
 */
export function parseCidr(input: string): ParseCidrResult {
  return parseCidrInternal(input, false);
}

/**
 * Whether `ip` lies inside `cidr`. Total: false when either does not parse or the versions differ. Host bits in
 * `cidr` are ignored here (only the prefix counts); `parseCidr` is where they are reported.
 */
export function cidrContains(cidr: string, ip: string): boolean {
  const range = parseCidrInternal(cidr, true);
  const host = normaliseIp(ip);
  if (!range.ok || !host.ok || range.version !== host.version) return false;
  return ipaddr.parse(host.ip).match(ipaddr.parse(range.network), range.prefix);
}

/** A parsed range ready for repeated matching (used by the never-block tables). */
export interface CompiledRange {
  cidr: string;
  version: IpVersion;
  prefix: number;
  network: Address;
}

/**
 * Compile a range without IPv4-mapped unwrapping, for the special-purpose table (where `::ffff:0:0/96` must stay
 * the IPv6 block it is, not become 0.0.0.0/0). Returns undefined for text that is not a valid network.
 */
export function compileRange(cidr: string, opts: { unmapIpv4?: boolean } = {}): CompiledRange | undefined {
  if (opts.unmapIpv4 ?? true) {
    const parsed = parseCidrInternal(cidr, true);
    if (!parsed.ok) return undefined;
    return { cidr: parsed.cidr, version: parsed.version, prefix: parsed.prefix, network: ipaddr.parse(parsed.network) };
  }
  const parsed = parseText(cidr);
  if (!parsed.ok) return undefined;
  const prefix = parsed.value.prefix ?? bitsOf(parsed.value.addr);
  if (checkPrefixRange(parsed.value.addr, prefix)) return undefined;
  const network = maskedNetwork(parsed.value.addr, prefix);
  return { cidr: `${toText(network)}/${prefix}`, version: network.kind() === 'ipv4' ? 4 : 6, prefix, network };
}

/** Match an already-normalised address (from `normaliseIp`) against a compiled range. */
export function rangeContains(range: CompiledRange, normalised: NormalisedIp): boolean {
  if (range.version !== normalised.version) return false;
  return ipaddr.parse(normalised.ip).match(range.network, range.prefix);
}
