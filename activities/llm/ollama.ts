// Ollama's native POST /api/chat. Native rather than the /v1 shim because only the native API honours think:false;
// thinking models otherwise spend the whole budget reasoning and return empty content. stream:false for one JSON
// answer; format:<schema> for structured output (the schema is in the prompt as well, as Ollama's docs advise).
import type { LlmClient, LlmRequest, LlmResponse } from './types';
import { httpRequest } from '../intel/http';
import { LlmProviderError } from './errors';

export interface OllamaClientOptions {
  baseURL: string;
  model: string;
  retries?: number;
  numCtx?: number;
}

export function createOllamaClient(opts: OllamaClientOptions): LlmClient {
  const url = `${opts.baseURL.replace(/\/+$/, '')}/api/chat`;
  return {
    provider: 'ollama',
    model: opts.model,
    async complete(req: LlmRequest): Promise<LlmResponse> {
      const started = performance.now();
      const body = {
        model: opts.model,
        messages: [
          { role: 'system', content: req.system },
          { role: 'user', content: req.user },
        ],
        stream: false,
        think: false,
        format: req.jsonSchema ? req.jsonSchema.schema : 'json',
        options: { num_predict: req.maxTokens, temperature: req.temperature, num_ctx: opts.numCtx ?? 8192 },
        keep_alive: '5m',
      };
      const r = await httpRequest(
        url,
        { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body) },
        { timeoutMs: req.timeoutMs, totalTimeoutMs: req.timeoutMs, retries: opts.retries ?? 2 },
      );
      const json = r.json as Record<string, any> | undefined;
      if (r.status < 200 || r.status >= 300 || typeof json?.error === 'string') {
        const msg = typeof json?.error === 'string' ? json.error : r.text.slice(0, 200);
        throw new LlmProviderError(`HTTP ${r.status} ollama: ${msg}`, r.status);
      }
      if (!json || typeof json.message !== 'object') throw new LlmProviderError('ollama: response without a message object');
      return {
        text: typeof json.message.content === 'string' ? json.message.content : '',
        promptTokens: Number(json.prompt_eval_count) || 0,
        completionTokens: Number(json.eval_count) || 0,
        provider: 'ollama',
        model: typeof json.model === 'string' ? json.model : opts.model,
        stopReason: json.done_reason === 'length' ? 'length' : json.done_reason === 'stop' ? 'stop' : 'other',
        latencyMs: Math.round(performance.now() - started),
      };
    },
  };
}
