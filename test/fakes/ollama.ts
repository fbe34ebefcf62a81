// Wire-compatible fake of Ollama's native POST /api/chat: stream defaults to true (NDJSON chunks), think defaults to
// true for thinking-capable models (which then spend the budget reasoning and return empty content), think:true on
// a non-thinking model is a 400, unknown models are a 404 {"error":"model '<name>' not found"}, durations are
// nanoseconds, prompt_eval_count/eval_count are the token counts, done_reason "length" at num_predict.
import { startScriptedServer, type RecordedRequest, type ScriptedServer } from './scripted-http';

export type OllamaBehaviour =
  | { text: string; doneReason?: 'stop' | 'length'; promptEvalCount?: number; evalCount?: number }
  | { status: number; error: string }
  | 'hang'
  | 'destroy';

export interface FakeOllama extends ScriptedServer {
  script: (OllamaBehaviour | ((req: RecordedRequest) => OllamaBehaviour))[];
  respond: (req: RecordedRequest) => OllamaBehaviour;
}

export async function startFakeOllama(opts: { models: { name: string; thinking?: boolean }[] }): Promise<FakeOllama> {
  const fake = {} as FakeOllama;
  fake.script = [];
  fake.respond = () => ({ text: '{"action":"no_action","target":"","duration_hours":0,"reason":"default","confidence":0.5,"recommend_permanent":false,"notes":""}' });
  const server = await startScriptedServer((req) => {
    if (req.method !== 'POST' || req.path !== '/api/chat') return { status: 404, text: '404 page not found' };
    const b = req.body;
    if (!b || typeof b.model !== 'string') return { status: 400, json: { error: 'model is required' } };
    const model = opts.models.find((m) => m.name === b.model || `${m.name}:latest` === b.model);
    if (!model) return { status: 404, json: { error: `model '${b.model}' not found` } };
    if (b.think === true && !model.thinking) return { status: 400, json: { error: `"${b.model}" does not support thinking` } };
    const next = fake.script.shift();
    let beh = typeof next === 'function' ? next(req) : (next ?? fake.respond(req));
    if (beh === 'hang' || beh === 'destroy') return beh;
    if ('error' in beh) return { status: beh.status, json: { error: beh.error } };
    let thinking: string | undefined;
    // A thinking model left at its default reasons first and, with a small num_predict, never gets to the answer.
    if (model.thinking && b.think !== false) {
      thinking = 'Let me consider the evidence carefully. '.repeat(40);
      beh = { text: '', doneReason: 'length', evalCount: b.options?.num_predict ?? 512 };
    }
    const final = {
      model: b.model,
      created_at: '2026-11-22T16:00:00.000000Z',
      message: { role: 'assistant', content: beh.text, ...(thinking ? { thinking } : {}) },
      done: true,
      done_reason: beh.doneReason ?? 'stop',
      total_duration: 1_234_000_000,
      load_duration: 12_000_000,
      prompt_eval_count: beh.promptEvalCount ?? Math.ceil(JSON.stringify(b.messages).length / 4),
      prompt_eval_duration: 300_000_000,
      eval_count: beh.evalCount ?? Math.ceil(beh.text.length / 4),
      eval_duration: 900_000_000,
    };
    if (b.stream !== false) {
      // Streaming (the default): NDJSON, one chunk per piece, then the final object with done:true.
      const chunk = { model: b.model, created_at: final.created_at, message: { role: 'assistant', content: beh.text }, done: false };
      return { status: 200, headers: { 'content-type': 'application/x-ndjson' }, text: `${JSON.stringify(chunk)}\n${JSON.stringify({ ...final, message: { role: 'assistant', content: '' } })}\n` };
    }
    return { status: 200, json: final };
  });
  return Object.assign(fake, server);
}
