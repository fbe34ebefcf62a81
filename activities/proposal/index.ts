// The proposeAction activity: asks the configured LLM for one proposal, and turns every failure (network, timeout,
// refusal, truncation, empty, malformed JSON, schema violation, missing key) into a proposal marked `failure` with
// the reason. It never throws for an LLM failure: the workflow's history then always shows what was asked, what came
// back and why it was (not) used; the policy decides what a failure becomes (policy.onProposalFailure).
import type { PalisadeConfig } from '../../domain/config';
import type { LlmCall, Proposal, ProposeInput } from '../../domain/types';
import { buildProposalPrompt, recordedPromptText, targetFor } from '../../domain/prompt';
import { LLM_ANSWER_JSON_SCHEMA, parseLlmAnswer } from '../../domain/proposal-parse';
import { sanitizeUntrusted, truncateForRecord } from '../../domain/sanitize';
import { proposeByRules } from '../../domain/rule-proposer';
import type { LlmClient } from '../llm/types';
import { resolveLlmClient, type ReadSecret } from '../llm/index';
import { describeLlmError } from '../llm/errors';
import { llmLatency, llmProposals, llmTokens } from './metrics';

type LlmConfig = PalisadeConfig['llm'];

export interface ProposalDeps {
  llm?: LlmClient;
  /** Why there is no client when the provider is configured (from resolveLlmClient), recorded as the failure. */
  llmUnavailable?: string;
}

/** Raw model output kept in history (a few KB; the full text is never needed to audit a decision). */
export const RAW_RESPONSE_LIMIT = 4096;

export function failureKind(failure: string): string {
  const f = failure.toLowerCase();
  for (const k of ['timeout', 'network', 'refusal', 'truncated', 'empty', 'malformed', 'schema', 'unavailable'] as const)
    if (f.startsWith(k) || f.includes(`${k} `) || f.includes(`${k}:`)) return k;
  if (f.startsWith('http')) return 'http';
  if (f.startsWith('no json')) return 'malformed';
  return 'error';
}

export function createProposalActivities(config: LlmConfig, deps: ProposalDeps = {}) {
  const fail = (input: ProposeInput, failure: string, call: LlmCall): Proposal => {
    llmProposals.inc({ provider: call.provider, result: failureKind(failure) });
    // A failure, never a "no action": the policy sends it to a human or to the rule-based proposal
    // (policy.onProposalFailure, domain/proposal-vetting.ts).
    return {
      action: 'no_action',
      target: targetFor(input.ip),
      durationHours: 0,
      reason: `LLM failed (${failure}); no usable proposal`,
      confidence: 0,
      recommendPermanent: false,
      origin: 'llm',
      llm: call,
      failure,
    };
  };

  return {
    async proposeAction(input: ProposeInput): Promise<Proposal> {
      if (config.provider === 'none') return proposeByRules(input);
      const prompt = buildProposalPrompt(input);
      const promptText = recordedPromptText(prompt);
      const call: LlmCall = {
        provider: deps.llm?.provider ?? config.provider,
        model: deps.llm?.model ?? config.model,
        prompt: promptText,
        rawResponse: '',
        promptTokens: 0,
        completionTokens: 0,
        latencyMs: 0,
      };
      if (!deps.llm) {
        const failure = `unavailable: ${deps.llmUnavailable ?? 'no LLM client configured'}`;
        return fail(input, failure, { ...call, failure });
      }

      const timeoutMs = config.timeoutSeconds * 1000;
      const started = performance.now();
      let res;
      try {
        res = await deps.llm.complete({
          system: prompt.system,
          user: prompt.user,
          jsonSchema: LLM_ANSWER_JSON_SCHEMA,
          maxTokens: config.maxTokens,
          temperature: config.temperature,
          timeoutMs,
        });
      } catch (err) {
        const failure = describeLlmError(err, timeoutMs);
        return fail(input, failure, { ...call, latencyMs: Math.round(performance.now() - started), failure });
      }
      const recorded: LlmCall = {
        ...call,
        provider: res.provider,
        model: res.model,
        rawResponse: truncateForRecord(res.text, RAW_RESPONSE_LIMIT),
        promptTokens: res.promptTokens,
        completionTokens: res.completionTokens,
        latencyMs: res.latencyMs,
      };
      llmTokens.inc({ provider: res.provider, model: res.model, kind: 'prompt' }, res.promptTokens);
      llmTokens.inc({ provider: res.provider, model: res.model, kind: 'completion' }, res.completionTokens);
      llmLatency.observe({ provider: res.provider, model: res.model }, res.latencyMs / 1000);

      let failure: string | undefined;
      if (res.stopReason === 'refusal') failure = `refusal: ${sanitizeUntrusted(res.text, 200) || 'the model declined'}`;
      else if (res.stopReason === 'length') failure = `truncated: output hit the ${config.maxTokens}-token limit`;
      else if (res.text.trim().length === 0) failure = 'empty response';
      if (failure) return fail(input, failure, { ...recorded, failure });

      const parsed = parseLlmAnswer(res.text);
      if (!parsed.ok) return fail(input, parsed.failure, { ...recorded, failure: parsed.failure });
      const a = parsed.answer;
      llmProposals.inc({ provider: res.provider, result: 'ok' });
      // The model's wishes are recorded as given (sanitised); domain/policy.ts re-derives the target and clamps.
      return {
        action: a.action,
        target: a.action === 'block' ? sanitizeUntrusted(a.target, 64) : targetFor(input.ip),
        durationHours: a.action === 'block' ? a.duration_hours : 0,
        reason: sanitizeUntrusted(a.reason, 500),
        confidence: a.confidence,
        recommendPermanent: a.recommend_permanent,
        notes: a.notes ? sanitizeUntrusted(a.notes, 500) : undefined,
        origin: 'llm',
        llm: recorded,
      };
    },
  };
}

/** Convenience for worker wiring: resolves the client (and the reason when there is none) from config + secrets. */
export async function createProposalActivitiesFromConfig(config: LlmConfig, readSecret: ReadSecret) {
  const { client, unavailable } = await resolveLlmClient(config, readSecret);
  return createProposalActivities(config, { llm: client, llmUnavailable: unavailable });
}
