// LLM cost and latency accounting on prom-client's default registry (served by the API's /metrics).
import client from 'prom-client';

function once<T extends client.Metric>(name: string, make: () => T): T {
  // Modules can be loaded twice under test runners; reuse what is already registered.
  return (client.register.getSingleMetric(name) as T | undefined) ?? make();
}

export const llmTokens = once('palisade_llm_tokens_total', () => new client.Counter({
  name: 'palisade_llm_tokens_total',
  help: 'LLM tokens used by proposals, by provider, model and kind (prompt|completion).',
  labelNames: ['provider', 'model', 'kind'] as const,
}));

export const llmLatency = once('palisade_llm_request_duration_seconds', () => new client.Histogram({
  name: 'palisade_llm_request_duration_seconds',
  help: 'Latency of LLM proposal calls that got an answer, by provider and model.',
  labelNames: ['provider', 'model'] as const,
  buckets: [0.25, 0.5, 1, 2, 5, 10, 20, 40, 80, 160],
}));

export const llmProposals = once('palisade_llm_proposals_total', () => new client.Counter({
  name: 'palisade_llm_proposals_total',
  help: 'Proposal attempts by provider and result (ok, or the failure kind: timeout, network, http, refusal, truncated, empty, malformed, schema, unavailable).',
  labelNames: ['provider', 'result'] as const,
}));

export const intelLookups = once('palisade_intel_lookups_total', () => new client.Counter({
  name: 'palisade_intel_lookups_total',
  help: 'Threat-intel provider lookups by provider and status (ok, miss, error, skipped, budget_exhausted; cached=true for cache hits).',
  labelNames: ['provider', 'status', 'cached'] as const,
}));
