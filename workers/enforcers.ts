// Builds the enforcers the configuration names. Only the enforcement worker needs them.
import type { PalisadeConfig } from '../domain/config';
import type { Logger } from 'pino';
import type { Enforcer } from '../activities/enforcers/types';
import { createPfSenseEnforcer } from '../activities/enforcers/pfsense';
import { createTraefikEnforcer } from '../activities/enforcers/traefik';

export function createConfiguredEnforcers(config: PalisadeConfig, logger: Logger): Record<string, Enforcer> {
  const e = config.enforcement;
  const out: Record<string, Enforcer> = {};
  if (e.pfsense) out.pfsense = createPfSenseEnforcer(e.pfsense, { logger: logger.child({ enforcer: 'pfsense' }) });
  if (e.traefik) out.traefik = createTraefikEnforcer(e.traefik);
  return out;
}
