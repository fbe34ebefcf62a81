// What an LLM call cost, from the tokens the provider reported and llm.pricing (US dollars per million tokens).
// Unset pricing: a local Ollama costs nothing; any hosted or OpenAI-compatible model is charged 3 in / 15 out, so a
// money budget still binds when nobody set the real prices.
export interface LlmPricing { inputUsdPerMillionTokens: number; outputUsdPerMillionTokens: number }

export const DEFAULT_HOSTED_PRICING: LlmPricing = { inputUsdPerMillionTokens: 3, outputUsdPerMillionTokens: 15 };

export function llmPricing(llm: { provider: string; pricing?: LlmPricing }): LlmPricing {
  if (llm.pricing) return llm.pricing;
  return llm.provider === 'ollama' ? { inputUsdPerMillionTokens: 0, outputUsdPerMillionTokens: 0 } : DEFAULT_HOSTED_PRICING;
}

export function llmCostUsd(p: LlmPricing, promptTokens: number, completionTokens: number): number {
  const tokens = (n: number) => (Number.isFinite(n) && n > 0 ? n : 0);
  const usd = (tokens(promptTokens) * p.inputUsdPerMillionTokens + tokens(completionTokens) * p.outputUsdPerMillionTokens) / 1e6;
  return Math.round(usd * 1e8) / 1e8;
}
