import { z } from 'zod';
import { secretRef, httpUrl } from './common';

export const llmSchema = z.strictObject({
  /** none = the built-in rule-based proposer only. */
  provider: z.enum(['none', 'anthropic', 'openai', 'openai-compatible', 'ollama']).default('none'),
  model: z.string().default(''),
  /** Base URL for openai-compatible servers and Ollama (e.g. http://127.0.0.1:11434). */
  baseUrl: httpUrl.optional(),
  apiKey: secretRef.optional(),
  timeoutSeconds: z.number().positive().max(600).default(120),
  maxTokens: z.number().int().positive().max(32_000).default(600),
  temperature: z.number().min(0).max(2).default(0),
  /** What an LLM failure becomes: no_action (recorded) or the rule-based proposer's answer. */
  onFailure: z.enum(['no_action', 'rules']).default('no_action'),
});
