// Wire-compatible fake of OpenAI chat completions (POST /v1/chat/completions): Bearer auth (or keyless, like
// vLLM/llama.cpp/Ollama's shim), the {error:{message,type,param,code}} envelope, finish_reason stop/length/
// content_filter, message.refusal, content null, and usage. Drive it with the real `openai` SDK.
import { randomUUID } from 'node:crypto';
import { startScriptedServer, type Outcome, type RecordedRequest, type ScriptedServer } from './scripted-http';

export type OpenAiBehaviour =
  | { text: string | null; finishReason?: 'stop' | 'length' | 'content_filter'; refusal?: string; promptTokens?: number; completionTokens?: number }
  | { status: number; type: string; message: string; code?: string; headers?: Record<string, string> }
  | 'hang'
  | 'destroy';

export interface FakeOpenAi extends ScriptedServer {
  script: (OpenAiBehaviour | ((req: RecordedRequest) => OpenAiBehaviour))[];
  respond: (req: RecordedRequest) => OpenAiBehaviour;
}

const errorReply = (status: number, type: string, message: string, code: string | null = null, headers: Record<string, string> = {}): Outcome => ({
  status,
  headers,
  json: { error: { message, type, param: null, code } },
});

/** apiKey undefined = keyless server (accepts any or no Authorization header). */
export async function startFakeOpenAi(opts: { apiKey?: string } = {}): Promise<FakeOpenAi> {
  const fake = {} as FakeOpenAi;
  fake.script = [];
  fake.respond = () => ({ text: '{"action":"no_action","target":"","duration_hours":0,"reason":"default","confidence":0.5,"recommend_permanent":false,"notes":""}' });
  const server = await startScriptedServer((req) => {
    if (req.method !== 'POST' || req.path !== '/v1/chat/completions') return errorReply(404, 'invalid_request_error', `Unknown request URL: ${req.method} ${req.path}`, 'unknown_url');
    if (opts.apiKey !== undefined && req.headers.authorization !== `Bearer ${opts.apiKey}`)
      return errorReply(401, 'invalid_request_error', 'Incorrect API key provided.', 'invalid_api_key');
    const b = req.body;
    if (!b || typeof b.model !== 'string') return errorReply(400, 'invalid_request_error', "Missing required parameter: 'model'.", 'missing_required_parameter');
    if (!Array.isArray(b.messages) || b.messages.length === 0) return errorReply(400, 'invalid_request_error', "Missing required parameter: 'messages'.", 'missing_required_parameter');
    const rf = b.response_format;
    if (rf?.type === 'json_schema' && !/^[a-zA-Z0-9_-]{1,64}$/.test(rf.json_schema?.name ?? ''))
      return errorReply(400, 'invalid_request_error', "Invalid 'response_format.json_schema.name'.", 'invalid_value');
    const next = fake.script.shift();
    const beh = typeof next === 'function' ? next(req) : (next ?? fake.respond(req));
    if (beh === 'hang' || beh === 'destroy') return beh;
    if ('status' in beh) return errorReply(beh.status, beh.type, beh.message, beh.code ?? null, beh.headers);
    const promptTokens = beh.promptTokens ?? Math.ceil(JSON.stringify(b.messages).length / 4);
    const completionTokens = beh.completionTokens ?? Math.ceil((beh.text ?? '').length / 4);
    return {
      status: 200,
      headers: { 'x-request-id': randomUUID() },
      json: {
        id: `chatcmpl-${randomUUID().slice(0, 12)}`,
        object: 'chat.completion',
        created: 1_763_800_000,
        model: b.model,
        choices: [{ index: 0, message: { role: 'assistant', content: beh.refusal ? null : beh.text, refusal: beh.refusal ?? null }, logprobs: null, finish_reason: beh.finishReason ?? 'stop' }],
        usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
      },
    };
  });
  return Object.assign(fake, server);
}
