// Anthropic Messages API through the official SDK. Structured output via output_config.format (json_schema).
// No temperature: the installed SDK's MessageCreateParams no longer has one (sampling is left to the model).
import type { LlmClient, LlmRequest, LlmResponse } from './types';

export interface AnthropicClientOptions {
  apiKey: string;
  model: string;
  /** Without /v1: the SDK appends /v1/messages. */
  baseURL?: string;
  maxRetries?: number;
}

const STOP: Record<string, LlmResponse['stopReason']> = {
  end_turn: 'stop', stop_sequence: 'stop', max_tokens: 'length', model_context_window_exceeded: 'length', refusal: 'refusal',
};

export function createAnthropicClient(opts: AnthropicClientOptions): LlmClient {
  // Required on use: a worker without an Anthropic model should not carry the SDK in memory.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const AnthropicSdk = (require('@anthropic-ai/sdk') as typeof import('@anthropic-ai/sdk')).default;
  const sdk = new AnthropicSdk({ apiKey: opts.apiKey, baseURL: opts.baseURL?.replace(/\/+$/, '').replace(/\/v1$/, ''), maxRetries: opts.maxRetries ?? 2 });
  return {
    provider: 'anthropic',
    model: opts.model,
    async complete(req: LlmRequest): Promise<LlmResponse> {
      const started = performance.now();
      const msg = await sdk.messages.create(
        {
          model: opts.model,
          max_tokens: req.maxTokens,
          system: req.system,
          messages: [{ role: 'user', content: req.user }],
          ...(req.jsonSchema ? { output_config: { format: { type: 'json_schema' as const, schema: req.jsonSchema.schema } } } : {}),
        },
        // timeout bounds each attempt; the signal bounds the whole call, SDK retries included (llm.timeoutSeconds).
        { timeout: req.timeoutMs, signal: AbortSignal.timeout(req.timeoutMs) },
      );
      const text = msg.content.flatMap((b) => (b.type === 'text' ? [b.text] : [])).join('');
      return {
        text,
        promptTokens: msg.usage?.input_tokens ?? 0,
        completionTokens: msg.usage?.output_tokens ?? 0,
        provider: 'anthropic',
        model: msg.model || opts.model,
        stopReason: STOP[msg.stop_reason ?? ''] ?? 'other',
        latencyMs: Math.round(performance.now() - started),
      };
    },
  };
}
