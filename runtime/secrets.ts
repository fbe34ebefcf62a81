// Resolves secret references at the moment of use. Secrets are read from the environment or a file, never stored in
// config objects handed to workflows, and never echoed in errors (only the reference's name is).
import { promises as fs } from 'node:fs';
import type { SecretRef } from '../domain/config';

export class SecretError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretError';
  }
}

export const describeSecretRef = (ref: SecretRef) => (ref.env ? `environment variable ${ref.env}` : `file ${ref.file}`);

/** The secret's value, or undefined when the reference is unset or points at an unset variable. */
export async function readSecret(ref: SecretRef | undefined): Promise<string | undefined> {
  if (!ref) return undefined;
  if (ref.env) {
    const v = process.env[ref.env];
    return v && v.length > 0 ? v : undefined;
  }
  try {
    const v = (await fs.readFile(ref.file!, 'utf8')).trim();
    return v.length > 0 ? v : undefined;
  } catch (err) {
    throw new SecretError(`cannot read secret from ${describeSecretRef(ref)}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

/** Like readSecret, but a missing value is an error that names where it was expected. */
export async function requireSecret(ref: SecretRef | undefined, what: string): Promise<string> {
  const v = await readSecret(ref);
  if (v === undefined) throw new SecretError(`${what} is not set (expected in ${ref ? describeSecretRef(ref) : 'an unset reference'})`);
  return v;
}
