// The block alias as every transport sees it: validated values, entry matching and the pure batch planner.
// The PHP in php.ts implements the same planning rules on the firewall; test/unit/pfsense checks both agree.
import ipaddr from 'ipaddr.js';
import type { FilterRule } from '../../../domain/pfsense-rules';
import type { BlockRequest } from '../../../domain/types';
import type { BlockLevels } from '../../../domain/verification';
import { OWNER_MARKER, PermanentEnforcementError, ownerDetail, parseOwnerDetail } from '../types';

export type TransportName = 'rest' | 'xmlrpc' | 'ssh';
export type AliasType = 'host' | 'network';

/** One alias entry: `address` and the `detail` at the same position. */
export interface AliasEntry {
  address: string;
  detail: string;
}

export type AliasOp =
  | { kind: 'add'; ip: string; value: string; detail: string; blockId: string }
  | { kind: 'remove'; ip: string; blockId: string };

/**
 * added: appended; present: already there (kept as is; not ours, or already ours under this blockId);
 * retagged: ours under another blockId, now carries this one; removed; absent: nothing to remove;
 * not_owned: present but not created by this block, so left in place.
 */
export type OpOutcome = 'added' | 'present' | 'retagged' | 'removed' | 'absent' | 'not_owned';

export interface BatchResult {
  outcomes: OpOutcome[];
  /** The alias after the batch. */
  entries: AliasEntry[];
  changed: boolean;
  created: boolean;
}

/** The alias entry in config.xml (present) and in pf's runtime table (loaded), each with its evidence. */
export type VerifyResult = BlockLevels;

/** A way to reach the firewall. Every call performs at most one read-modify-write of the alias and one reload. */
export interface AliasTransport {
  readonly name: TransportName;
  applyBatch(ops: AliasOp[]): Promise<BatchResult>;
  read(): Promise<AliasEntry[]>;
  verify(ip: string): Promise<VerifyResult>;
  /** The firewall's filter rules (to check that one references the alias). */
  filterRules(): Promise<FilterRule[]>;
}

/** A validated single IP in canonical text form (IPv4 dotted quad, IPv6 compressed lower case). */
export function canonicalIp(raw: string): { ip: string; version: 4 | 6 } | undefined {
  if (typeof raw !== 'string' || raw.length > 64) return undefined;
  if (ipaddr.IPv4.isValidFourPartDecimal(raw)) return { ip: ipaddr.IPv4.parse(raw).toString(), version: 4 };
  if (!/^[0-9A-Fa-f:.]+$/.test(raw) || !ipaddr.IPv6.isValid(raw)) return undefined;
  const v6 = ipaddr.IPv6.parse(raw);
  // A mapped address would be stored in a v6 form pf does not match against v4 traffic: make the caller say what it means.
  if (v6.isIPv4MappedAddress()) return undefined;
  return { ip: v6.toString(), version: 6 };
}

/** Validates a block request's target as exactly one address; returns the IP and the value stored in the alias. */
export function validateTarget(req: Pick<BlockRequest, 'ip' | 'target' | 'blockId'>, aliasType: AliasType): { ip: string; value: string } {
  const parsed = canonicalIp(req.ip);
  if (!parsed) throw new PermanentEnforcementError(`not a single IP address: ${JSON.stringify(String(req.ip).slice(0, 80))}`, 'validation');
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(String(req.target ?? ''));
  const targetIp = m ? canonicalIp(m[1]) : undefined;
  const fullPrefix = parsed.version === 4 ? '32' : '128';
  if (!targetIp || targetIp.ip !== parsed.ip || (m![2] !== undefined && m![2] !== fullPrefix)) {
    throw new PermanentEnforcementError(`target ${JSON.stringify(String(req.target).slice(0, 80))} is not ${parsed.ip}/${fullPrefix}`, 'validation');
  }
  if (typeof req.blockId !== 'string' || !/^[\x21-\x7e]{1,100}$/.test(req.blockId)) {
    throw new PermanentEnforcementError('blockId must be 1-100 printable characters without spaces', 'validation');
  }
  // host aliases take bare IPs only (no CIDR); network aliases reject bare IPs (pfrest INVALID_NETWORK_ALIAS_ADDRESS).
  return { ip: parsed.ip, value: aliasType === 'network' ? `${parsed.ip}/${fullPrefix}` : parsed.ip };
}

/** The IP an alias entry stands for when it is a single address (bare, /32 or /128); undefined for anything else. */
export function entryIp(address: string): string | undefined {
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(address.trim());
  if (!m) return undefined;
  const parsed = canonicalIp(m[1]);
  if (!parsed) return undefined;
  if (m[2] !== undefined && m[2] !== (parsed.version === 4 ? '32' : '128')) return undefined;
  return parsed.ip;
}

export const makeAddOp = (req: BlockRequest, aliasType: AliasType): AliasOp => {
  const { ip, value } = validateTarget(req, aliasType);
  return { kind: 'add', ip, value, blockId: req.blockId, detail: ownerDetail(req.blockId, req.reason ?? '') };
};

export const makeRemoveOp = (req: BlockRequest, aliasType: AliasType): AliasOp => {
  const { ip } = validateTarget(req, aliasType);
  return { kind: 'remove', ip, blockId: req.blockId };
};

/** Applies ops in order to a copy of the entries. Same rules as the PHP planner. */
export function planBatch(current: AliasEntry[], ops: AliasOp[]): { entries: AliasEntry[]; outcomes: OpOutcome[]; changed: boolean } {
  const entries = current.map((e) => ({ ...e }));
  const keys = entries.map((e) => entryIp(e.address)); // parsed once: batches can hold thousands of ops
  const outcomes: OpOutcome[] = [];
  let changed = false;
  for (const op of ops) {
    const idx = keys.indexOf(op.ip);
    if (op.kind === 'add') {
      if (idx < 0) {
        entries.push({ address: op.value, detail: op.detail });
        keys.push(op.ip);
        outcomes.push('added');
        changed = true;
        continue;
      }
      const owner = parseOwnerDetail(entries[idx].detail);
      if (owner !== undefined && owner !== op.blockId) {
        entries[idx].detail = op.detail;
        outcomes.push('retagged');
        changed = true;
      } else outcomes.push('present');
    } else {
      if (idx < 0) outcomes.push('absent');
      else if (parseOwnerDetail(entries[idx].detail) !== op.blockId) outcomes.push('not_owned');
      else {
        entries.splice(idx, 1);
        keys.splice(idx, 1);
        outcomes.push('removed');
        changed = true;
      }
    }
  }
  return { entries, outcomes, changed };
}

export const isOwned = (detail: string | undefined) => parseOwnerDetail(detail) !== undefined;
export { OWNER_MARKER };

/** Secrets never appear in our messages; this also trims what a remote error body may echo. */
export const shorten = (s: string, max = 300) => (s.length > max ? `${s.slice(0, max)}…` : s);
