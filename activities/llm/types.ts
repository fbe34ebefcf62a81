// One interface over every LLM provider (Anthropic, OpenAI and OpenAI-compatible servers, Ollama native).

export interface LlmRequest {
  system: string;
  user: string;
  /** JSON schema the answer must follow; providers that support structured output enforce it server-side. */
  jsonSchema?: { name: string; schema: Record<string, unknown> };
  maxTokens: number;
  temperature: number;
  timeoutMs: number;
}

export interface LlmResponse {
  text: string;
  promptTokens: number;
  completionTokens: number;
  provider: string;
  model: string;
  /** Provider's stop reason, normalised: 'stop' | 'length' | 'refusal' | 'other'. */
  stopReason: 'stop' | 'length' | 'refusal' | 'other';
  latencyMs: number;
}

export interface LlmClient {
  readonly provider: string;
  readonly model: string;
  complete(req: LlmRequest): Promise<LlmResponse>;
}
