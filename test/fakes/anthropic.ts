// Wire-compatible fake of the Anthropic Messages API (POST /v1/messages): x-api-key (or Bearer) auth, anthropic-version header,
// request validation, the error envelope {type:"error", error:{type,message}, request_id} with a request-id header,
// stop_reason values (end_turn, max_tokens, refusal) and usage. Drive it with the real @anthropic-ai/sdk.
import { randomUUID } from 'node:crypto';
import { startScriptedServer, type Outcome, type RecordedRequest, type ScriptedServer } from './scripted-http';

export type AnthropicBehaviour =
  | { text: string; stopReason?: 'end_turn' | 'max_tokens' | 'refusal' | 'stop_sequence'; inputTokens?: number; outputTokens?: number }
  | { status: number; type: string; message: string; headers?: Record<string, string> }
  | 'hang'
  | 'destroy';

export interface FakeAnthropic extends ScriptedServer {
  /** Behaviours for the next requests, in order; when empty, `respond` decides. */
  script: (AnthropicBehaviour | ((req: RecordedRequest) => AnthropicBehaviour))[];
  respond: (req: RecordedRequest) => AnthropicBehaviour;
}

const errorReply = (status: number, type: string, message: string, headers: Record<string, string> = {}): Outcome => {
  const requestId = `req_${randomUUID().replace(/-/g, '').slice(0, 24)}`;
  return { status, headers: { 'request-id': requestId, ...headers }, json: { type: 'error', error: { type, message }, request_id: requestId } };
};

export async function startFakeAnthropic(opts: { apiKey: string }): Promise<FakeAnthropic> {
  const fake = {} as FakeAnthropic;
  fake.script = [];
  fake.respond = () => ({ text: '{"action":"no_action","target":"","duration_hours":0,"reason":"default","confidence":0.5,"recommend_permanent":false,"notes":""}' });
  const server = await startScriptedServer((req) => {
    if (req.method !== 'POST' || req.path !== '/v1/messages') return errorReply(404, 'not_found_error', `${req.method} ${req.path} not found`);
    // x-api-key is the documented header; SDK 1.x sends the same key as `Authorization: Bearer` instead.
    const given = req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer /, '');
    if (given !== opts.apiKey) return errorReply(401, 'authentication_error', 'invalid x-api-key');
    if (!req.headers['anthropic-version']) return errorReply(400, 'invalid_request_error', 'anthropic-version header is required');
    const b = req.body;
    if (!b || typeof b.model !== 'string') return errorReply(400, 'invalid_request_error', 'model: Field required');
    if (typeof b.max_tokens !== 'number') return errorReply(400, 'invalid_request_error', 'max_tokens: Field required');
    if (!Array.isArray(b.messages) || b.messages.length === 0) return errorReply(400, 'invalid_request_error', 'messages: at least one message is required');
    const next = fake.script.shift();
    const beh = typeof next === 'function' ? next(req) : (next ?? fake.respond(req));
    if (beh === 'hang' || beh === 'destroy') return beh;
    if ('status' in beh) return errorReply(beh.status, beh.type, beh.message, beh.headers);
    return {
      status: 200,
      headers: { 'request-id': `req_${randomUUID().replace(/-/g, '').slice(0, 24)}` },
      json: {
        id: `msg_${randomUUID().replace(/-/g, '').slice(0, 24)}`,
        type: 'message',
        role: 'assistant',
        model: b.model,
        content: beh.text.length ? [{ type: 'text', text: beh.text }] : [],
        stop_reason: beh.stopReason ?? 'end_turn',
        stop_sequence: null,
        usage: { input_tokens: beh.inputTokens ?? Math.ceil(JSON.stringify(b.messages).length / 4), output_tokens: beh.outputTokens ?? Math.ceil(beh.text.length / 4) },
      },
    };
  });
  return Object.assign(fake, server);
}
