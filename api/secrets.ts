// The API's secrets, resolved once at start-up from their references (environment or file). Values stay in memory in
// this object only; they are never logged or put in a workflow payload.
import type { PalisadeConfig } from '../domain/config';
import { describeSecretRef, readSecret, SecretError } from '../runtime/secrets';

export interface ApiSecrets {
  /** Bearer token for the control API (threats, decisions, allowlist, links). Unset = control API closed. */
  controlToken?: string;
  /** Bearer token for POST /api/sightings and the webhooks (the control token is accepted there too). */
  ingestToken?: string;
  /** HMAC key for signed approval links. Unset = links cannot be minted or used. */
  linkSigningKey?: string;
}

/** Shortest accepted token or key, in bytes: guessing or brute-forcing 32 random bytes is out of reach. */
export const MIN_SECRET_BYTES = 32;

const SECRET_NAMES = { controlToken: 'api.controlToken', ingestToken: 'api.ingestToken', linkSigningKey: 'api.linkSigningKey' } as const;

/** One message per configured secret shorter than MIN_SECRET_BYTES (naming where it comes from, never its value). */
export function weakSecretProblems(config: Pick<PalisadeConfig, 'api'>, secrets: ApiSecrets): string[] {
  return (Object.keys(SECRET_NAMES) as (keyof ApiSecrets)[]).flatMap((k) => {
    const v = secrets[k];
    if (v === undefined) return [];
    const bytes = Buffer.byteLength(v, 'utf8');
    if (bytes >= MIN_SECRET_BYTES) return [];
    const ref = config.api[k];
    return [`${SECRET_NAMES[k]} (${ref ? describeSecretRef(ref) : 'unset reference'}) is ${bytes} bytes; at least ${MIN_SECRET_BYTES} are required (generate one with: openssl rand -hex 32)`];
  });
}

/** The API's secrets; a configured secret shorter than MIN_SECRET_BYTES is refused with a SecretError. */
export async function loadApiSecrets(config: Pick<PalisadeConfig, 'api'>): Promise<ApiSecrets> {
  const [controlToken, ingestToken, linkSigningKey] = await Promise.all([
    readSecret(config.api.controlToken),
    readSecret(config.api.ingestToken),
    readSecret(config.api.linkSigningKey),
  ]);
  const secrets = { controlToken, ingestToken, linkSigningKey };
  const problems = weakSecretProblems(config, secrets);
  if (problems.length > 0) throw new SecretError(`refusing to start the API: ${problems.join('; ')}`);
  return secrets;
}
