// Turns any LLM client failure into a short, secret-free reason for the proposal's `llm.failure`.
import type AnthropicSdk from '@anthropic-ai/sdk';
import type OpenAiSdk from 'openai';
import { HttpNetworkError, HttpTimeoutError } from '../intel/http';

/** A provider answered, but not with something usable (Ollama error envelope, unexpected shape). */
export class LlmProviderError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'LlmProviderError';
  }
}

const clean = (s: unknown) => String(s ?? '').replace(/[\u0000-\u001F\u007F]/g, ' ').slice(0, 300);

function apiErrorDetail(body: unknown): string {
  const b = body as Record<string, any> | undefined;
  // Anthropic: {type:"error", error:{type,message}}; OpenAI: {error:{message,type,code}} (the SDK passes .error).
  const type = b?.error?.type ?? b?.type;
  const message = b?.error?.message ?? b?.message;
  return [type, message].filter(Boolean).map(clean).join(': ');
}

export function describeLlmError(err: unknown, timeoutMs?: number): string {
  const t = timeoutMs ? ` after ${Math.round(timeoutMs / 100) / 10} s` : '';
  if (err instanceof HttpTimeoutError) return `timeout${t}`;
  if (err instanceof HttpNetworkError) return clean(err.message);
  if (err instanceof LlmProviderError) return clean(err.message);
  // The SDKs are loaded on first use (a worker without that provider does not carry them); an error from one of
  // them means it is loaded already.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const Anthropic = (require('@anthropic-ai/sdk') as { default: typeof AnthropicSdk }).default;
  const OpenAI = (require('openai') as { default: typeof OpenAiSdk }).default;
  /* eslint-enable @typescript-eslint/no-require-imports */
  // The overall deadline aborts through the request's signal, which the SDKs report as a user abort.
  if (
    err instanceof Anthropic.APIConnectionTimeoutError || err instanceof OpenAI.APIConnectionTimeoutError ||
    err instanceof Anthropic.APIUserAbortError || err instanceof OpenAI.APIUserAbortError
  )
    return `timeout${t}`;
  if (err instanceof Anthropic.APIConnectionError || err instanceof OpenAI.APIConnectionError)
    return `network error: ${clean((err as Error).message)}`;
  if (err instanceof Anthropic.APIError || err instanceof OpenAI.APIError) {
    const detail = apiErrorDetail((err as { error?: unknown }).error) || clean((err as Error).message);
    return `HTTP ${err.status ?? '?'}${detail ? ` ${detail}` : ''}`;
  }
  return `error: ${clean((err as Error)?.message ?? err)}`;
}
