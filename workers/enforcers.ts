// Builds the enforcers the configuration names. Only the enforcement worker needs them.
import type { PalisadeConfig } from '../domain/config';
import type { Logger } from 'pino';
import type { Enforcer } from '../activities/enforcers/types';
import { createPfSenseEnforcer } from '../activities/enforcers/pfsense';
import { createTraefikEnforcer } from '../activities/enforcers/traefik';
import { MemoryEnforcer } from '../activities/enforcers/memory';

export function createConfiguredEnforcers(config: PalisadeConfig, logger: Logger): Record<string, Enforcer> {
  const e = config.enforcement;
  const out: Record<string, Enforcer> = {};
  if (e.pfsense) out.pfsense = createPfSenseEnforcer(e.pfsense, { logger: logger.child({ enforcer: 'pfsense' }) });
  if (e.traefik) out.traefik = createTraefikEnforcer(e.traefik);
  // An in-process block set: the whole non-dry-run path (apply, verify, hold, lift, reconcile) without a firewall, for
  // trials and benchmarks. It blocks nothing on the network, and `palisade start` says so.
  if (e.enforcer === 'memory') out.memory = new MemoryEnforcer('memory');
  return out;
}
