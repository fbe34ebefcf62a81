// Builds the configured LLM client. Returns a reason instead of a client when the provider is "none" or a required
// key/URL is missing, so the proposer can record exactly why no model was asked.
import type { PalisadeConfig, SecretRef } from '../../domain/config';
import { LLM_DEFAULT_KEY_ENV } from '../../domain/config/llm';
import type { LlmClient } from './types';
import { createAnthropicClient } from './anthropic';
import { createOpenAiClient } from './openai';
import { createOllamaClient } from './ollama';

export type ReadSecret = (ref: SecretRef | undefined) => Promise<string | undefined>;
type LlmConfig = PalisadeConfig['llm'];

export interface LlmClientResult {
  client?: LlmClient;
  /** Why there is no client (provider none, missing key, missing URL, missing model). */
  unavailable?: string;
}

export async function resolveLlmClient(config: LlmConfig, readSecret: ReadSecret, opts: { maxRetries?: number } = {}): Promise<LlmClientResult> {
  if (config.provider === 'none') return { unavailable: 'LLM provider is "none": rule-based proposer only' };
  if (!config.model) return { unavailable: `llm.model is not set for provider ${config.provider}` };
  const keyRef = config.apiKey ?? (LLM_DEFAULT_KEY_ENV[config.provider] ? { env: LLM_DEFAULT_KEY_ENV[config.provider] } : undefined);
  let key: string | undefined;
  try {
    key = await readSecret(keyRef);
  } catch (err) {
    return { unavailable: `LLM API key unreadable: ${(err as Error).message}` };
  }
  const where = keyRef?.env ? `environment variable ${keyRef.env}` : keyRef?.file ? `file ${keyRef.file}` : 'llm.apiKey';
  switch (config.provider) {
    case 'anthropic':
      if (!key) return { unavailable: `missing Anthropic API key (expected in ${where})` };
      return { client: createAnthropicClient({ apiKey: key, model: config.model, baseURL: config.baseUrl, maxRetries: opts.maxRetries }) };
    case 'openai':
      if (!key) return { unavailable: `missing OpenAI API key (expected in ${where})` };
      return { client: createOpenAiClient({ provider: 'openai', apiKey: key, model: config.model, baseURL: config.baseUrl, maxRetries: opts.maxRetries }) };
    case 'openai-compatible':
      if (!config.baseUrl) return { unavailable: 'missing llm.baseUrl for the OpenAI-compatible server' };
      return { client: createOpenAiClient({ provider: 'openai-compatible', apiKey: key, model: config.model, baseURL: config.baseUrl, maxRetries: opts.maxRetries }) };
    case 'ollama':
      if (!config.baseUrl) return { unavailable: 'missing llm.baseUrl for Ollama (e.g. http://127.0.0.1:11434)' };
      return { client: createOllamaClient({ baseURL: config.baseUrl, model: config.model, retries: opts.maxRetries }) };
  }
}

/** The client, or undefined for provider none / a missing key or URL (resolveLlmClient says which). */
export async function createLlmClient(config: LlmConfig, readSecret: ReadSecret): Promise<LlmClient | undefined> {
  return (await resolveLlmClient(config, readSecret)).client;
}

export type { LlmClient, LlmRequest, LlmResponse } from './types';
