// Where the configuration holds secrets: every secret-reference field, found by walking the schema, so that a secret
// field added later is known to whatever needs the list (the CLI's refusal of secret flags) without a list to keep.
import type { z } from 'zod';
import { secretRef } from './common';
import { configSchema } from './index';

export interface SecretField {
  /** Dotted path in the configuration, e.g. `intel.abuseipdb.apiKey`. */
  path: string;
  /** The environment variable read when the field is not set (`envSecret(...)` in the schema). */
  defaultEnv?: string;
}

interface Def {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  defaultValue?: unknown;
}

const defOf = (s: z.ZodType) => (s as unknown as { _zod: { def: Def } })._zod.def;
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

export function secretFields(schema: z.ZodType = configSchema, prefix = ''): SecretField[] {
  let s = schema;
  let defaultEnv: string | undefined;
  for (let def = defOf(s); s !== secretRef; def = defOf(s)) {
    if (WRAPPERS.has(def.type) && def.innerType) {
      const dv = def.defaultValue as { env?: unknown } | undefined;
      if (dv && typeof dv === 'object' && typeof dv.env === 'string') defaultEnv ??= dv.env;
      s = def.innerType;
    } else if (def.type === 'pipe' && def.in) {
      s = def.in;
    } else if (def.type === 'object' && def.shape) {
      return Object.entries(def.shape).flatMap(([k, v]) => secretFields(v, prefix ? `${prefix}.${k}` : k));
    } else {
      return [];
    }
  }
  return [{ path: prefix, ...(defaultEnv ? { defaultEnv } : {}) }];
}
