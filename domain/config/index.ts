import { z } from 'zod';
import { policySchema } from './policy';
import { temporalSchema } from './temporal';
import { llmSchema } from './llm';
import { intelSchema } from './intel';
import { enforcementSchema } from './enforcement';
import { detectionSchema } from './detection';
import { apiSchema, discordSchema } from './surfaces';
import { workersSchema } from './workers';
import { proactiveSchema } from './proactive';

export const configSchema = z.strictObject({
  /** Where the embedded Temporal database, caches and state live. */
  dataDir: z.string().default('./data'),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  policy: policySchema.prefault({}),
  temporal: temporalSchema.prefault({}),
  workers: workersSchema.prefault({}),
  llm: llmSchema.prefault({}),
  intel: intelSchema.prefault({}),
  enforcement: enforcementSchema.prefault({}),
  detection: detectionSchema.prefault({}),
  api: apiSchema.prefault({}),
  discord: discordSchema.prefault({}),
  /** The proactive loop (issue 16): scans for precursors, gated investigations, acks. Off by default. */
  proactive: proactiveSchema.prefault({}),
});

export type PalisadeConfig = z.infer<typeof configSchema>;
export type { PolicyConfig, AllowlistEntry } from './policy';
export type { SecretRef } from './common';
export { policySchema } from './policy';
export type { WorkersConfig } from './workers';
export type { ProactiveConfig, ProactiveRule } from './proactive';
