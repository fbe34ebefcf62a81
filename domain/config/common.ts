import { z } from 'zod';

/**
 * Where a secret comes from. Secrets never sit in the YAML itself and never reach a workflow:
 * the config holds only this reference; activities resolve it at call time (runtime/secrets.ts).
 */
export const secretRef = z
  .strictObject({
    env: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'must be an environment variable name').optional(),
    file: z.string().min(1).optional(),
  })
  .refine((v) => Boolean(v.env) !== Boolean(v.file), { message: 'give exactly one of env or file' });
export type SecretRef = z.infer<typeof secretRef>;

export const envSecret = (name: string) => secretRef.prefault({ env: name });

export const modeSchema = z.enum(['disabled', 'review', 'auto']);
export const httpUrl = z.url({ protocol: /^https?$/ });
export const duration = {
  hours: z.number().positive().max(24 * 365 * 10),
  seconds: z.number().nonnegative().max(86_400),
};

/** A listen address, host:port (IPv6 in brackets); the port must be a real one (1-65535). */
export const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[^:\s[\]]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9465')
  .refine((v) => {
    const port = Number(v.slice(v.lastIndexOf(':') + 1));
    return port >= 1 && port <= 65535;
  }, 'port must be 1-65535');
