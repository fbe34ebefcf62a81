// Address ranges Palisade never blocks, whatever the evidence says. Data only; matching is in never-block.ts.
//
// Sources:
//   - IANA IPv4 Special-Purpose Address Registry and IANA IPv6 Special-Purpose Address Registry (RFC 6890, as
//     updated): every entry, including the ones IANA marks "globally reachable".
//   - Multicast (224.0.0.0/4, ff00::/8) and IPv6 space outside 2000::/3 come from the IANA IPv4/IPv6 Address Space
//     registries: a unicast firewall rule for them is meaningless, and traffic "from" them is spoofed.
//   - fec0::/10 (deprecated site-local) is kept because old equipment still uses it internally.
//
// Rule for globally reachable entries (AS112, AMT, PCP/TURN/DNS-SD anycast, the NAT64 well-known prefix) and for the
// tunnel prefixes (TEREDO, 6to4, whose reachability IANA leaves "N/A"): they are still never-block. They are shared anycast or translation infrastructure: a block would cut every user
// of that service, and an address there never identifies one attacker. A threat seen from one of them is reported
// and recorded, but not blocked.

export type SpecialRangeSource = 'iana-ipv4-special-purpose' | 'iana-ipv6-special-purpose' | 'iana-address-space';

export interface SpecialPurposeRange {
  cidr: string;
  name: string;
  /** Defining RFC(s). */
  rfc: string;
  source: SpecialRangeSource;
  /** IANA's "Globally Reachable" column (true = routed on the public internet; "N/A" recorded as false). */
  globallyReachable: boolean;
}

const v4 = (cidr: string, name: string, rfc: string, globallyReachable = false): SpecialPurposeRange =>
  ({ cidr, name, rfc, source: 'iana-ipv4-special-purpose', globallyReachable });
const v6 = (cidr: string, name: string, rfc: string, globallyReachable = false): SpecialPurposeRange =>
  ({ cidr, name, rfc, source: 'iana-ipv6-special-purpose', globallyReachable });
const space = (cidr: string, name: string, rfc: string): SpecialPurposeRange =>
  ({ cidr, name, rfc, source: 'iana-address-space', globallyReachable: false });

export const IPV4_SPECIAL_PURPOSE_RANGES: readonly SpecialPurposeRange[] = [
  v4('0.0.0.0/8', '"This network"', 'RFC 791 section 3.2'),
  v4('0.0.0.0/32', '"This host on this network"', 'RFC 1122 section 3.2.1.3'),
  v4('10.0.0.0/8', 'Private-Use', 'RFC 1918'),
  v4('100.64.0.0/10', 'Shared Address Space (carrier-grade NAT)', 'RFC 6598'),
  v4('127.0.0.0/8', 'Loopback', 'RFC 1122 section 3.2.1.3'),
  v4('169.254.0.0/16', 'Link Local', 'RFC 3927'),
  v4('172.16.0.0/12', 'Private-Use', 'RFC 1918'),
  v4('192.0.0.0/24', 'IETF Protocol Assignments', 'RFC 6890 section 2.1'),
  v4('192.0.0.0/29', 'IPv4 Service Continuity Prefix', 'RFC 7335'),
  v4('192.0.0.8/32', 'IPv4 dummy address', 'RFC 7600'),
  v4('192.0.0.9/32', 'Port Control Protocol Anycast', 'RFC 7723', true),
  v4('192.0.0.10/32', 'Traversal Using Relays around NAT Anycast', 'RFC 8155', true),
  v4('192.0.0.170/32', 'NAT64/DNS64 Discovery', 'RFC 8880, RFC 7050 section 2.2'),
  v4('192.0.0.171/32', 'NAT64/DNS64 Discovery', 'RFC 8880, RFC 7050 section 2.2'),
  v4('192.0.2.0/24', 'Documentation (TEST-NET-1)', 'RFC 5737'),
  v4('192.31.196.0/24', 'AS112-v4', 'RFC 7535', true),
  v4('192.52.193.0/24', 'AMT', 'RFC 7450', true),
  v4('192.88.99.0/24', 'Deprecated (6to4 Relay Anycast)', 'RFC 7526'),
  v4('192.88.99.2/32', '6a44-relay anycast address', 'RFC 6751'),
  v4('192.168.0.0/16', 'Private-Use', 'RFC 1918'),
  v4('192.175.48.0/24', 'Direct Delegation AS112 Service', 'RFC 7534', true),
  v4('198.18.0.0/15', 'Benchmarking', 'RFC 2544'),
  v4('198.51.100.0/24', 'Documentation (TEST-NET-2)', 'RFC 5737'),
  v4('203.0.113.0/24', 'Documentation (TEST-NET-3)', 'RFC 5737'),
  space('224.0.0.0/4', 'Multicast', 'RFC 5771'),
  v4('240.0.0.0/4', 'Reserved', 'RFC 1112 section 4'),
  v4('255.255.255.255/32', 'Limited Broadcast', 'RFC 8190, RFC 919 section 7'),
];

export const IPV6_SPECIAL_PURPOSE_RANGES: readonly SpecialPurposeRange[] = [
  v6('::/128', 'Unspecified Address', 'RFC 4291'),
  v6('::1/128', 'Loopback Address', 'RFC 4291'),
  v6('::ffff:0:0/96', 'IPv4-mapped Address', 'RFC 4291'),
  v6('64:ff9b::/96', 'IPv4-IPv6 Translation (NAT64 well-known prefix)', 'RFC 6052', true),
  v6('64:ff9b:1::/48', 'IPv4-IPv6 Translation (local use)', 'RFC 8215'),
  v6('100::/64', 'Discard-Only Address Block', 'RFC 6666'),
  v6('100:0:0:1::/64', 'Dummy IPv6 Prefix', 'RFC 9780'),
  v6('2001::/23', 'IETF Protocol Assignments', 'RFC 2928'),
  v6('2001::/32', 'TEREDO', 'RFC 4380, RFC 8190'),
  v6('2001:1::1/128', 'Port Control Protocol Anycast', 'RFC 7723', true),
  v6('2001:1::2/128', 'Traversal Using Relays around NAT Anycast', 'RFC 8155', true),
  v6('2001:1::3/128', 'DNS-SD Service Registration Protocol Anycast', 'RFC 9665', true),
  v6('2001:2::/48', 'Benchmarking', 'RFC 5180, RFC Errata 1752'),
  v6('2001:3::/32', 'AMT', 'RFC 7450', true),
  v6('2001:4:112::/48', 'AS112-v6', 'RFC 7535', true),
  v6('2001:10::/28', 'Deprecated (previously ORCHID)', 'RFC 4843'),
  v6('2001:20::/28', 'ORCHIDv2', 'RFC 7343', true),
  v6('2001:30::/28', 'Drone Remote ID Protocol Entity Tags (DETs) Prefix', 'RFC 9374', true),
  v6('2001:db8::/32', 'Documentation', 'RFC 3849'),
  v6('2002::/16', '6to4', 'RFC 3056'),
  v6('2620:4f:8000::/48', 'Direct Delegation AS112 Service', 'RFC 7534', true),
  v6('3fff::/20', 'Documentation', 'RFC 9637'),
  v6('5f00::/16', 'Segment Routing (SRv6) SIDs', 'RFC 9602'),
  v6('fc00::/7', 'Unique-Local', 'RFC 4193, RFC 8190'),
  v6('fe80::/10', 'Link-Local Unicast', 'RFC 4291'),
  space('fec0::/10', 'Site-Local (deprecated)', 'RFC 3879'),
  space('ff00::/8', 'Multicast', 'RFC 4291'),
];

/**
 * The IPv6 space outside global unicast 2000::/3 that no entry above covers: reserved by the IETF or unassigned
 * (IANA IPv6 Address Space registry). Nothing legitimate sends from here; a block would only be noise.
 */
export const IPV6_RESERVED_SPACE: readonly SpecialPurposeRange[] = [
  space('::/8', 'Reserved by IETF', 'RFC 4291'),
  space('100::/8', 'Reserved by IETF', 'RFC 4291'),
  space('200::/7', 'Reserved by IETF', 'RFC 4048'),
  space('400::/6', 'Reserved by IETF', 'RFC 4291'),
  space('800::/5', 'Reserved by IETF', 'RFC 4291'),
  space('1000::/4', 'Reserved by IETF', 'RFC 4291'),
  space('4000::/3', 'Reserved by IETF', 'RFC 4291'),
  space('6000::/3', 'Reserved by IETF', 'RFC 4291'),
  space('8000::/3', 'Reserved by IETF', 'RFC 4291'),
  space('a000::/3', 'Reserved by IETF', 'RFC 4291'),
  space('c000::/3', 'Reserved by IETF', 'RFC 4291'),
  space('e000::/4', 'Reserved by IETF', 'RFC 4291'),
  space('f000::/5', 'Reserved by IETF', 'RFC 4291'),
  space('f800::/6', 'Reserved by IETF', 'RFC 4291'),
  space('fe00::/9', 'Reserved by IETF', 'RFC 4291'),
];

/** Everything, most specific match wins in `classifyNeverBlock`. */
export const SPECIAL_PURPOSE_RANGES: readonly SpecialPurposeRange[] = [
  ...IPV4_SPECIAL_PURPOSE_RANGES,
  ...IPV6_SPECIAL_PURPOSE_RANGES,
  ...IPV6_RESERVED_SPACE,
];
