// LLM cost and latency, and intel lookups, on the process registry (runtime/metrics): set by the proposal and intel
// activities, so served by the /metrics of the worker that runs them (the API's in the all-in-one `palisade start`).
import client from 'prom-client';
import { once } from '../../runtime/metrics/registry';

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
