// The API's secrets, resolved once at start-up from their references (environment or file). Values stay in memory in
// this object only; they are never logged or put in a workflow payload.
import type { PalisadeConfig } from '../domain/config';
import { readSecret } from '../runtime/secrets';

export interface ApiSecrets {
  /** Bearer token for the control API (threats, decisions, allowlist, links). Unset = control API closed. */
  controlToken?: string;
  /** Bearer token for POST /api/sightings and the webhooks (the control token is accepted there too). */
  ingestToken?: string;
  /** HMAC key for signed approval links. Unset = links cannot be minted or used. */
  linkSigningKey?: string;
}

export async function loadApiSecrets(config: Pick<PalisadeConfig, 'api'>): Promise<ApiSecrets> {
  const [controlToken, ingestToken, linkSigningKey] = await Promise.all([
    readSecret(config.api.controlToken),
    readSecret(config.api.ingestToken),
    readSecret(config.api.linkSigningKey),
  ]);
  return { controlToken, ingestToken, linkSigningKey };
}
