import type { BlockEntry, BlockRequest, Direction, EnforcementResult } from '../../domain/types';
import type { BlockLevels, PreconditionReport } from '../../domain/verification';

/**
 * A place where blocks live (a pfSense alias, a Traefik Middleware, ...). Every method is idempotent and keyed by
 * `BlockRequest.blockId`: applying twice leaves one entry, removing a missing entry succeeds.
 *
 * Errors: throw `PermanentEnforcementError` for failures that retrying cannot fix (authentication, authorisation,
 * validation, a missing alias/middleware that we may not create). Anything else is treated as transient and retried
 * by Temporal with backoff.
 */
export interface Enforcer {
  readonly name: string;
  apply(req: BlockRequest): Promise<EnforcementResult>;
  /**
   * Reads back the state in two levels, each with its evidence: is the entry in the configuration (present), and
   * does the running data plane have it (loaded; `ok: null` when this enforcer cannot observe its data plane)?
   */
  verify(req: BlockRequest): Promise<BlockLevels>;
  /**
   * Would a block take effect at all: an enabled rule references the pfSense alias, a router uses the Middleware,
   * a NetworkPolicy selects the Traefik pods. Checked at start (`config check --live`, /health) and before every
   * apply (which is refused with the report's message when it fails).
   */
  checkPreconditions(direction?: Direction): Promise<PreconditionReport>;
  remove(req: BlockRequest): Promise<EnforcementResult>;
  /**
   * After remove: is this block's own entry gone? Enforcers that record ownership per entry answer from that record
   * (an identical entry an operator keeps does not make the removal fail); others are checked with `!verify().present`.
   */
  verifyRemoved?(req: BlockRequest): Promise<{ removed: boolean; detail: string }>;
  /** Every entry in the managed block set, ours and others', for reconciliation. */
  list(): Promise<BlockEntry[]>;
}

export class PermanentEnforcementError extends Error {
  constructor(message: string, readonly reason: 'auth' | 'forbidden' | 'validation' | 'not_found' | 'unsupported' = 'validation') {
    super(message);
    this.name = 'PermanentEnforcementError';
  }
}

/** The marker Palisade writes next to every entry it owns (pfSense alias detail, K8s annotation). */
export const OWNER_MARKER = 'palisade';
export const ownerDetail = (blockId: string, reason: string) =>
  `${OWNER_MARKER}:${blockId} ${reason}`.replace(/[^\x20-\x7e]/g, '').replace(/\|\|/g, '|').slice(0, 200);
export const parseOwnerDetail = (detail: string | undefined): string | undefined => {
  const m = /^palisade:(\S+)/.exec(detail ?? '');
  return m?.[1];
};
