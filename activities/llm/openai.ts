// OpenAI chat completions, and any OpenAI-compatible server (vLLM, llama.cpp, LM Studio, Ollama's /v1 shim),
// through the official SDK. Structured output via response_format json_schema (strict).
import type { LlmClient, LlmRequest, LlmResponse } from './types';

export interface OpenAiClientOptions {
  provider: 'openai' | 'openai-compatible';
  model: string;
  /** Keyless compatible servers get a dummy key: the SDK refuses to construct without one. */
  apiKey?: string;
  /** Includes /v1, unlike Anthropic's. */
  baseURL?: string;
  maxRetries?: number;
}

const FINISH: Record<string, LlmResponse['stopReason']> = { stop: 'stop', length: 'length', content_filter: 'refusal' };

export function createOpenAiClient(opts: OpenAiClientOptions): LlmClient {
  // Required on use: a worker without an OpenAI-compatible model should not carry the SDK in memory.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const OpenAiSdk = (require('openai') as typeof import('openai')).default;
  const sdk = new OpenAiSdk({ apiKey: opts.apiKey ?? 'palisade-no-key', baseURL: opts.baseURL, maxRetries: opts.maxRetries ?? 2 });
  return {
    provider: opts.provider,
    model: opts.model,
    async complete(req: LlmRequest): Promise<LlmResponse> {
      const started = performance.now();
      const res = await sdk.chat.completions.create(
        {
          model: opts.model,
          messages: [
            { role: 'system', content: req.system },
            { role: 'user', content: req.user },
          ],
          // OpenAI itself wants max_completion_tokens; most compatible servers still only read max_tokens.
          ...(opts.provider === 'openai' ? { max_completion_tokens: req.maxTokens } : { max_tokens: req.maxTokens }),
          temperature: req.temperature,
          ...(req.jsonSchema
            ? { response_format: { type: 'json_schema' as const, json_schema: { name: req.jsonSchema.name, schema: req.jsonSchema.schema, strict: true } } }
            : {}),
        },
        // timeout bounds each attempt; the signal bounds the whole call, SDK retries included (llm.timeoutSeconds).
        { timeout: req.timeoutMs, signal: AbortSignal.timeout(req.timeoutMs) },
      );
      const choice = res.choices?.[0];
      const refusal = choice?.message?.refusal;
      return {
        text: refusal ? `[refusal] ${refusal}` : (choice?.message?.content ?? ''),
        promptTokens: res.usage?.prompt_tokens ?? 0,
        completionTokens: res.usage?.completion_tokens ?? 0,
        provider: opts.provider,
        model: res.model || opts.model,
        stopReason: refusal ? 'refusal' : (FINISH[choice?.finish_reason ?? ''] ?? 'other'),
        latencyMs: Math.round(performance.now() - started),
      };
    },
  };
}
