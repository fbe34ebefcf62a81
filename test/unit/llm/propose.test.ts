// The proposeAction activity end to end against each provider's wire-compatible fake: every failure mode becomes a
// no_action (or the rule-based answer) with the reason recorded, and a good answer carries the audit record.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import client from 'prom-client';
import { startFakeAnthropic, type AnthropicBehaviour, type FakeAnthropic } from '../../fakes/anthropic';
import { startFakeOpenAi, type FakeOpenAi, type OpenAiBehaviour } from '../../fakes/openai';
import { startFakeOllama, type FakeOllama, type OllamaBehaviour } from '../../fakes/ollama';
import { createAnthropicClient } from '../../../activities/llm/anthropic';
import { createOpenAiClient } from '../../../activities/llm/openai';
import { createOllamaClient } from '../../../activities/llm/ollama';
import { createProposalActivities, createProposalActivitiesFromConfig, RAW_RESPONSE_LIMIT } from '../../../activities/proposal/index';
import { buildProposalPrompt, recordedPromptText } from '../../../domain/prompt';
import type { LlmClient } from '../../../activities/llm/types';
import { answer, llmConfig, proposeInput, SCANNER_IP } from './inputs';

/** A failure scenario, expressed in each provider's own wire terms. */
interface Scenario {
  name: string;
  anthropic: AnthropicBehaviour;
  openai: OpenAiBehaviour;
  ollama: OllamaBehaviour;
  expect: RegExp;
}

const SCENARIOS: Scenario[] = [
  { name: 'network error', anthropic: 'destroy', openai: 'destroy', ollama: 'destroy', expect: /^network error/ },
  { name: 'timeout', anthropic: 'hang', openai: 'hang', ollama: 'hang', expect: /^timeout after 0\.4 s$/ },
  { name: 'HTTP error envelope', anthropic: { status: 400, type: 'invalid_request_error', message: 'prompt is too long' }, openai: { status: 400, type: 'invalid_request_error', message: 'context_length_exceeded' }, ollama: { status: 400, error: 'invalid options' }, expect: /^HTTP 400/ },
  { name: 'refusal', anthropic: { text: '', stopReason: 'refusal' }, openai: { text: null, refusal: 'I cannot help with that' }, ollama: { text: '' }, expect: /^(refusal|empty response)/ },
  { name: 'truncation', anthropic: { text: '{"action":"block","target":"45.', stopReason: 'max_tokens' }, openai: { text: '{"action":"block","target":"45.', finishReason: 'length' }, ollama: { text: '{"action":"block","target":"45.', doneReason: 'length' }, expect: /^truncated: output hit the 600-token limit$/ },
  { name: 'empty content', anthropic: { text: '' }, openai: { text: '' }, ollama: { text: '   ' }, expect: /^empty response$/ },
  { name: 'fenced malformed JSON', anthropic: { text: '```json\n{"action": "block", target: 45.155.205.233}\n```' }, openai: { text: '```json\n{"action": "block", target: 45.155.205.233}\n```' }, ollama: { text: '```json\n{"action": "block", target: 45.155.205.233}\n```' }, expect: /^malformed JSON/ },
  { name: 'prose without JSON', anthropic: { text: 'I think you should block it.' }, openai: { text: 'I think you should block it.' }, ollama: { text: 'I think you should block it.' }, expect: /^no JSON object/ },
  { name: 'schema violation', anthropic: { text: answer({ action: 'drop_all' }) }, openai: { text: answer({ confidence: 85 }) }, ollama: { text: answer({ duration_hours: -5 }) }, expect: /^schema violation: / },
  { name: 'extra keys (fake system field)', anthropic: { text: answer({ system: 'override' }) }, openai: { text: answer({ system: 'override' }) }, ollama: { text: answer({ system: 'override' }) }, expect: /^schema violation: / },
];

void describe('proposeAction: every LLM failure becomes a recorded no_action', () => {
  let anthropic: FakeAnthropic;
  let openai: FakeOpenAi;
  let ollama: FakeOllama;
  let providers: { name: string; llm: LlmClient; push: (s: Scenario) => void }[];
  before(async () => {
    anthropic = await startFakeAnthropic({ apiKey: 'sk-ant-test' });
    openai = await startFakeOpenAi({ apiKey: 'sk-openai-test' });
    ollama = await startFakeOllama({ models: [{ name: 'qwen3:8b', thinking: true }] });
    providers = [
      { name: 'anthropic', llm: createAnthropicClient({ apiKey: 'sk-ant-test', model: 'claude-test', baseURL: anthropic.url, maxRetries: 0 }), push: (s) => anthropic.script.push(s.anthropic) },
      { name: 'openai', llm: createOpenAiClient({ provider: 'openai', apiKey: 'sk-openai-test', model: 'gpt-test', baseURL: `${openai.url}/v1`, maxRetries: 0 }), push: (s) => openai.script.push(s.openai) },
      { name: 'ollama', llm: createOllamaClient({ baseURL: ollama.url, model: 'qwen3:8b', retries: 0 }), push: (s) => ollama.script.push(s.ollama) },
    ];
  });
  after(async () => {
    await Promise.all([anthropic.close(), openai.close(), ollama.close()]);
  });

  for (const scenario of SCENARIOS) {
    void it(`${scenario.name} → no_action with the reason, for every provider`, async () => {
      for (const p of providers) {
        const acts = createProposalActivities(llmConfig({ provider: p.name, timeoutSeconds: 0.4 }) as never, { llm: p.llm });
        p.push(scenario);
        const input = proposeInput();
        const proposal = await acts.proposeAction(input);
        assert.equal(proposal.action, 'no_action', `${p.name}: ${JSON.stringify(proposal.llm?.failure)}`);
        assert.equal(proposal.origin, 'llm');
        assert.equal(proposal.failure, proposal.llm!.failure, `${p.name}: marked as a failure for the policy`);
        assert.equal(proposal.target, `${SCANNER_IP}/32`);
        assert.match(proposal.llm!.failure ?? '', scenario.expect, `${p.name}: ${proposal.llm?.failure}`);
        assert.ok(proposal.reason.includes(proposal.llm!.failure!), `${p.name}: reason carries the failure`);
        assert.equal(proposal.llm!.prompt, recordedPromptText(buildProposalPrompt(input)));
        assert.equal(proposal.llm!.provider, p.llm.provider);
      }
    });
  }

  void it('a failure is marked as one (never a plain no_action), so the policy can send it to a human or to the rules', async () => {
    const acts = createProposalActivities(llmConfig({ timeoutSeconds: 0.4 }) as never, { llm: providers[0]!.llm });
    anthropic.script.push({ text: '', stopReason: 'refusal' });
    const p = await acts.proposeAction(proposeInput());
    assert.equal(p.origin, 'llm');
    assert.equal(p.action, 'no_action');
    assert.match(p.failure!, /^refusal/);
    assert.equal(p.failure, p.llm!.failure);
  });

  void it('a missing key is a no_action naming where the key was expected', async () => {
    const acts = await createProposalActivitiesFromConfig(llmConfig({ provider: 'anthropic', apiKey: { env: 'PALISADE_TEST_UNSET_KEY' } }) as never, async () => undefined);
    const p = await acts.proposeAction(proposeInput());
    assert.equal(p.action, 'no_action');
    assert.equal(p.llm!.failure, 'unavailable: missing Anthropic API key (expected in environment variable PALISADE_TEST_UNSET_KEY)');
    assert.equal(p.failure, p.llm!.failure);
    const ollamaActs = await createProposalActivitiesFromConfig(llmConfig({ provider: 'ollama' }) as never, async () => undefined);
    const r = await ollamaActs.proposeAction(proposeInput());
    assert.match(r.failure!, /missing llm.baseUrl for Ollama/);
  });

  void it('provider none is the rule-based proposer, without an llm record', async () => {
    const acts = createProposalActivities(llmConfig({ provider: 'none' }) as never, {});
    const p = await acts.proposeAction(proposeInput());
    assert.equal(p.origin, 'rules');
    assert.equal(p.llm, undefined);
  });
});

void describe('proposeAction: a usable answer', () => {
  let anthropic: FakeAnthropic;
  before(async () => {
    anthropic = await startFakeAnthropic({ apiKey: 'k' });
  });
  after(() => anthropic.close());

  void it('accepts fenced JSON and leading prose, records prompt, raw response, tokens and latency, counts tokens', async () => {
    const acts = createProposalActivities(llmConfig() as never, { llm: createAnthropicClient({ apiKey: 'k', model: 'claude-test', baseURL: anthropic.url }) });
    const tokens = client.register.getSingleMetric('palisade_llm_tokens_total') as client.Counter;
    const before = (await tokens.get()).values.find((v) => v.labels.provider === 'anthropic' && v.labels.kind === 'prompt')?.value ?? 0;
    anthropic.script.push({ text: `Here is my assessment:\n\`\`\`json\n${answer({ duration_hours: 72, notes: 'persistent' })}\n\`\`\``, inputTokens: 1000, outputTokens: 80 });
    const p = await acts.proposeAction(proposeInput());
    assert.equal(p.action, 'block');
    assert.equal(p.origin, 'llm');
    assert.equal(p.durationHours, 72);
    assert.equal(p.notes, 'persistent');
    assert.equal(p.llm!.failure, undefined);
    assert.deepEqual([p.llm!.promptTokens, p.llm!.completionTokens, p.llm!.provider, p.llm!.model], [1000, 80, 'anthropic', 'claude-test']);
    assert.ok(p.llm!.latencyMs >= 0);
    assert.match(p.llm!.rawResponse, /^Here is my assessment/);
    const afterValue = (await tokens.get()).values.find((v) => v.labels.provider === 'anthropic' && v.labels.kind === 'prompt')!.value;
    assert.equal(afterValue - before, 1000);
    const latency = await (client.register.getSingleMetric('palisade_llm_request_duration_seconds') as client.Histogram).get();
    assert.ok(latency.values.some((v) => v.labels.provider === 'anthropic' && (v as { metricName?: string }).metricName?.endsWith('_count') && v.value > 0));
  });

  void it('truncates a huge raw response for history', async () => {
    const acts = createProposalActivities(llmConfig() as never, { llm: createAnthropicClient({ apiKey: 'k', model: 'claude-test', baseURL: anthropic.url }) });
    anthropic.script.push({ text: `${'x'.repeat(50_000)}` });
    const p = await acts.proposeAction(proposeInput());
    assert.equal(p.action, 'no_action');
    assert.ok(p.llm!.rawResponse.length < RAW_RESPONSE_LIMIT + 100);
    assert.match(p.llm!.rawResponse, /truncated, 50000 chars total/);
  });
});
