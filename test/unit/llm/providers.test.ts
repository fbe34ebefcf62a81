// The three LLM clients against local servers that speak each provider's wire format, through the real SDKs.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeAnthropic, type FakeAnthropic } from '../../fakes/anthropic';
import { startFakeOpenAi, type FakeOpenAi } from '../../fakes/openai';
import { startFakeOllama, type FakeOllama } from '../../fakes/ollama';
import { createAnthropicClient } from '../../../activities/llm/anthropic';
import { createOpenAiClient } from '../../../activities/llm/openai';
import { createOllamaClient } from '../../../activities/llm/ollama';
import { resolveLlmClient } from '../../../activities/llm/index';
import { describeLlmError } from '../../../activities/llm/errors';
import { LLM_ANSWER_JSON_SCHEMA } from '../../../domain/proposal-parse';
import type { LlmRequest } from '../../../activities/llm/types';
import { answer } from './inputs';

const req = (over: Partial<LlmRequest> = {}): LlmRequest => ({
  system: 'SYSTEM TEXT',
  user: 'USER TEXT',
  jsonSchema: LLM_ANSWER_JSON_SCHEMA,
  maxTokens: 321,
  temperature: 0,
  timeoutMs: 5000,
  ...over,
});

async function failure(p: Promise<unknown>, timeoutMs?: number): Promise<string> {
  try {
    await p;
  } catch (err) {
    return describeLlmError(err, timeoutMs);
  }
  assert.fail('expected the call to fail');
}

void describe('Anthropic client (@anthropic-ai/sdk against a Messages API fake)', () => {
  let fake: FakeAnthropic;
  before(async () => {
    fake = await startFakeAnthropic({ apiKey: 'sk-ant-test' });
  });
  after(() => fake.close());

  void it('sends the documented request and maps the answer', async () => {
    fake.script.push({ text: answer(), inputTokens: 812, outputTokens: 57 });
    const c = createAnthropicClient({ apiKey: 'sk-ant-test', model: 'claude-test', baseURL: `${fake.url}/v1/` });
    const r = await c.complete(req());
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, '/v1/messages', 'a base URL ending in /v1 must not double the prefix');
    // The installed SDK (1.12) sends the key as a Bearer token; older ones used x-api-key. Either reaches the API.
    assert.equal(sent.headers['x-api-key'] ?? sent.headers.authorization, sent.headers['x-api-key'] ? 'sk-ant-test' : 'Bearer sk-ant-test');
    assert.match(String(sent.headers['anthropic-version']), /^\d{4}-\d{2}-\d{2}$/);
    assert.equal(sent.body.system, 'SYSTEM TEXT');
    assert.deepEqual(sent.body.messages, [{ role: 'user', content: 'USER TEXT' }]);
    assert.equal(sent.body.max_tokens, 321);
    assert.deepEqual(sent.body.output_config, { format: { type: 'json_schema', schema: LLM_ANSWER_JSON_SCHEMA.schema } });
    assert.equal(r.text, answer());
    assert.deepEqual([r.promptTokens, r.completionTokens, r.stopReason, r.provider, r.model], [812, 57, 'stop', 'anthropic', 'claude-test']);
  });

  void it('maps max_tokens to length and refusal to refusal', async () => {
    const c = createAnthropicClient({ apiKey: 'sk-ant-test', model: 'claude-test', baseURL: fake.url });
    fake.script.push({ text: '{"action":"blo', stopReason: 'max_tokens' }, { text: '', stopReason: 'refusal' });
    assert.equal((await c.complete(req())).stopReason, 'length');
    assert.equal((await c.complete(req())).stopReason, 'refusal');
  });

  void it('retries a 429 after its Retry-After and then succeeds', async () => {
    const c = createAnthropicClient({ apiKey: 'sk-ant-test', model: 'claude-test', baseURL: fake.url, maxRetries: 2 });
    const before = fake.requests.length;
    fake.script.push({ status: 429, type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit', headers: { 'retry-after': '1' } }, { text: answer() });
    const r = await c.complete(req());
    assert.equal(r.text, answer());
    assert.equal(fake.requests.length - before, 2);
  });

  void it('reports error envelopes, timeouts and dropped connections without secrets', async () => {
    const c = createAnthropicClient({ apiKey: 'sk-ant-test', model: 'claude-test', baseURL: fake.url, maxRetries: 0 });
    fake.script.push({ status: 529, type: 'overloaded_error', message: 'Overloaded' });
    assert.equal(await failure(c.complete(req())), 'HTTP 529 overloaded_error: Overloaded');
    const wrongKey = createAnthropicClient({ apiKey: 'sk-ant-wrong', model: 'claude-test', baseURL: fake.url, maxRetries: 0 });
    const auth = await failure(wrongKey.complete(req()));
    assert.equal(auth, 'HTTP 401 authentication_error: invalid x-api-key');
    assert.ok(!auth.includes('sk-ant'));
    fake.script.push('hang');
    assert.equal(await failure(c.complete(req({ timeoutMs: 300 })), 300), 'timeout after 0.3 s');
    fake.script.push('destroy');
    assert.match(await failure(c.complete(req())), /^network error: /);
  });

  void it('llm.timeoutSeconds bounds the whole call: SDK retries never outlive it', async () => {
    const c = createAnthropicClient({ apiKey: 'sk-ant-test', model: 'claude-test', baseURL: fake.url, maxRetries: 2 });
    const n = fake.requests.length;
    fake.script.push('hang', 'hang', 'hang');
    assert.equal(await failure(c.complete(req({ timeoutMs: 400 })), 400), 'timeout after 0.4 s');
    assert.equal(fake.requests.length - n, 1, 'no retry was started after the deadline');
    fake.script.splice(0);
  });
});

void describe('OpenAI client (openai SDK against a chat-completions fake)', () => {
  let fake: FakeOpenAi;
  let keyless: FakeOpenAi;
  before(async () => {
    fake = await startFakeOpenAi({ apiKey: 'sk-openai-test' });
    keyless = await startFakeOpenAi();
  });
  after(async () => {
    await fake.close();
    await keyless.close();
  });

  void it('sends Bearer auth, strict json_schema response_format and max_completion_tokens', async () => {
    fake.script.push({ text: answer(), promptTokens: 700, completionTokens: 40 });
    const c = createOpenAiClient({ provider: 'openai', apiKey: 'sk-openai-test', model: 'gpt-test', baseURL: `${fake.url}/v1` });
    const r = await c.complete(req());
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, '/v1/chat/completions');
    assert.equal(sent.headers.authorization, 'Bearer sk-openai-test');
    assert.deepEqual(sent.body.messages, [{ role: 'system', content: 'SYSTEM TEXT' }, { role: 'user', content: 'USER TEXT' }]);
    assert.equal(sent.body.max_completion_tokens, 321);
    assert.deepEqual(sent.body.response_format, { type: 'json_schema', json_schema: { name: 'palisade_proposal', schema: LLM_ANSWER_JSON_SCHEMA.schema, strict: true } });
    assert.deepEqual([r.text, r.promptTokens, r.completionTokens, r.stopReason, r.provider], [answer(), 700, 40, 'stop', 'openai']);
  });

  void it('talks to a keyless OpenAI-compatible server with a dummy key and max_tokens', async () => {
    keyless.script.push({ text: answer() });
    const c = createOpenAiClient({ provider: 'openai-compatible', model: 'qwen3:8b', baseURL: `${keyless.url}/v1` });
    const r = await c.complete(req());
    const sent = keyless.requests.at(-1)!;
    assert.match(String(sent.headers.authorization), /^Bearer \S+/);
    assert.equal(sent.body.max_tokens, 321);
    assert.equal(sent.body.max_completion_tokens, undefined);
    assert.equal(r.provider, 'openai-compatible');
  });

  void it('maps refusal, length and content_filter', async () => {
    const c = createOpenAiClient({ provider: 'openai', apiKey: 'sk-openai-test', model: 'gpt-test', baseURL: `${fake.url}/v1` });
    fake.script.push({ text: null, refusal: "I can't help with that." }, { text: '{"action":', finishReason: 'length' }, { text: '', finishReason: 'content_filter' });
    const refused = await c.complete(req());
    assert.equal(refused.stopReason, 'refusal');
    assert.match(refused.text, /can't help/);
    assert.equal((await c.complete(req())).stopReason, 'length');
    assert.equal((await c.complete(req())).stopReason, 'refusal');
  });

  void it('retries 429 with Retry-After; reports error envelopes and timeouts', async () => {
    const c = createOpenAiClient({ provider: 'openai', apiKey: 'sk-openai-test', model: 'gpt-test', baseURL: `${fake.url}/v1`, maxRetries: 1 });
    const n = fake.requests.length;
    fake.script.push({ status: 429, type: 'requests', message: 'Rate limit reached for requests', code: 'rate_limit_exceeded', headers: { 'retry-after': '1' } }, { text: answer() });
    assert.equal((await c.complete(req())).text, answer());
    assert.equal(fake.requests.length - n, 2);
    const noRetry = createOpenAiClient({ provider: 'openai', apiKey: 'sk-wrong', model: 'gpt-test', baseURL: `${fake.url}/v1`, maxRetries: 0 });
    assert.equal(await failure(noRetry.complete(req())), 'HTTP 401 invalid_request_error: Incorrect API key provided.');
    const c0 = createOpenAiClient({ provider: 'openai', apiKey: 'sk-openai-test', model: 'gpt-test', baseURL: `${fake.url}/v1`, maxRetries: 0 });
    fake.script.push('hang');
    assert.equal(await failure(c0.complete(req({ timeoutMs: 300 })), 300), 'timeout after 0.3 s');
  });
});

void describe('Ollama client (native /api/chat against an Ollama fake)', () => {
  let fake: FakeOllama;
  before(async () => {
    fake = await startFakeOllama({ models: [{ name: 'qwen3:8b', thinking: true }, { name: 'llama3.1:8b' }] });
  });
  after(() => fake.close());

  void it('sends stream:false, think:false, the schema as format and num_predict; reads eval counts', async () => {
    fake.script.push({ text: answer(), promptEvalCount: 900, evalCount: 61 });
    const c = createOllamaClient({ baseURL: `${fake.url}/`, model: 'qwen3:8b' });
    const r = await c.complete(req());
    const sent = fake.requests.at(-1)!;
    assert.equal(sent.path, '/api/chat');
    assert.equal(sent.body.stream, false);
    assert.equal(sent.body.think, false);
    assert.deepEqual(sent.body.format, LLM_ANSWER_JSON_SCHEMA.schema);
    assert.equal(sent.body.options.num_predict, 321);
    assert.deepEqual([r.text, r.promptTokens, r.completionTokens, r.stopReason], [answer(), 900, 61, 'stop']);
  });

  void it('the fake behaves like Ollama when think is left at its default (why the client sends think:false)', async () => {
    const res = await fetch(`${fake.url}/api/chat`, { method: 'POST', body: JSON.stringify({ model: 'qwen3:8b', stream: false, messages: [{ role: 'user', content: 'x' }] }) });
    const body = (await res.json()) as { message: { content: string; thinking?: string }; done_reason: string };
    assert.equal(body.message.content, '');
    assert.ok(body.message.thinking);
    assert.equal(body.done_reason, 'length');
  });

  void it('reports a missing model, retries a 500, and times out', async () => {
    const missing = createOllamaClient({ baseURL: fake.url, model: 'nope:1b', retries: 0 });
    assert.equal(await failure(missing.complete(req())), "HTTP 404 ollama: model 'nope:1b' not found");
    const c = createOllamaClient({ baseURL: fake.url, model: 'llama3.1:8b', retries: 1 });
    const n = fake.requests.length;
    fake.script.push({ status: 500, error: 'llama runner process has terminated' }, { text: answer() });
    assert.equal((await c.complete(req())).text, answer());
    assert.equal(fake.requests.length - n, 2);
    fake.script.push('hang');
    assert.equal(await failure(c.complete(req({ timeoutMs: 300 })), 300), 'timeout after 0.3 s');
    // A 503 whose Retry-After would outlive the call's budget is not waited for.
    const m = fake.requests.length;
    fake.faults.push({ status: 503, headers: { 'Retry-After': '5' }, json: { error: 'server busy' } });
    const busy = createOllamaClient({ baseURL: fake.url, model: 'llama3.1:8b', retries: 2 });
    assert.equal(await failure(busy.complete(req({ timeoutMs: 300 }))), 'HTTP 503 ollama: server busy');
    assert.equal(fake.requests.length - m, 1);
    fake.script.push({ text: '{"action":"block","tar', doneReason: 'length' });
    assert.equal((await c.complete(req())).stopReason, 'length');
  });
});

void describe('createLlmClient / resolveLlmClient', () => {
  const base = { model: 'm', timeoutSeconds: 5, maxTokens: 100, temperature: 0 };
  const secrets = (values: Record<string, string>) => async (ref: { env?: string; file?: string } | undefined) => (ref?.env ? values[ref.env] : undefined);

  void it('explains every case without a client', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ provider: 'none' }, /provider is "none"/],
      [{ provider: 'anthropic' }, /missing Anthropic API key \(expected in environment variable ANTHROPIC_API_KEY\)/],
      [{ provider: 'openai', apiKey: { env: 'MY_OPENAI' } }, /missing OpenAI API key \(expected in environment variable MY_OPENAI\)/],
      [{ provider: 'openai-compatible' }, /missing llm.baseUrl/],
      [{ provider: 'ollama' }, /missing llm.baseUrl for Ollama/],
      [{ provider: 'ollama', baseUrl: 'http://127.0.0.1:11434', model: '' }, /llm.model is not set/],
    ];
    for (const [over, expected] of cases) {
      const r = await resolveLlmClient({ ...base, ...over } as never, secrets({}));
      assert.equal(r.client, undefined);
      assert.match(r.unavailable!, expected);
    }
  });

  void it('builds the configured client when key and URL are there', async () => {
    const r1 = await resolveLlmClient({ ...base, provider: 'anthropic' }, secrets({ ANTHROPIC_API_KEY: 'k' }));
    assert.equal(r1.client?.provider, 'anthropic');
    const r2 = await resolveLlmClient({ ...base, provider: 'ollama', baseUrl: 'http://127.0.0.1:11434' }, secrets({}));
    assert.equal(r2.client?.provider, 'ollama');
    const r3 = await resolveLlmClient({ ...base, provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:8000/v1' }, secrets({}));
    assert.equal(r3.client?.provider, 'openai-compatible');
  });
});
