import { z } from 'zod';
import { secretRef, httpUrl } from './common';

/** The environment variable a provider's API key is read from when llm.apiKey is not set. */
export const LLM_DEFAULT_KEY_ENV: Readonly<Record<string, string>> = { anthropic: 'ANTHROPIC_API_KEY', openai: 'OPENAI_API_KEY' };

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
  /**
   * What the model costs, in US dollars per million tokens: recorded with every diagnosis and charged to the proactive
   * loop's money budget. Unset: 0 for ollama (local), otherwise 3 in / 15 out (set your model's real prices).
   */
  pricing: z.strictObject({
    inputUsdPerMillionTokens: z.number().min(0).max(10_000),
    outputUsdPerMillionTokens: z.number().min(0).max(10_000),
  }).optional(),
  /** Moved: what a failure becomes is the policy's call (policy.onProposalFailure), refused here with that pointer. */
  onFailure: z.never({ error: 'llm.onFailure is replaced by policy.onProposalFailure (review | rules): an LLM failure is never recorded as "no action"' }).optional(),
});
