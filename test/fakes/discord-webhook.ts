// A local server speaking the parts of Discord's HTTP API Palisade uses, with Discord's status codes, error
// envelopes and rate-limit headers:
//   POST /api[/v10]/webhooks/{id}/{token}[?wait=true]        execute webhook (200 Message with wait, else 204)
//   PUT  /api/v10/applications/{app}/guilds/{guild}/commands  bulk-overwrite guild commands (Bot auth)
//   PUT  /api/v10/applications/{app}/commands                 bulk-overwrite global commands (Bot auth)
//   POST /api/v10/channels/{channel}/messages                 create a message (Bot auth)
//   GET  /api/v10/gateway/bot + a WebSocket gateway on /gateway  HELLO, IDENTIFY→READY, heartbeats, dispatches
//   POST /api/v10/interactions/{id}/{token}/callback          interaction responses (defer, update)
//   PATCH/POST /api/v10/webhooks/{app}/{token}[/messages/@original]  edit the original response, follow-ups
// Message bodies are validated against Discord's documented embed limits; anything over answers 400 50035.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export interface ReceivedWebhookMessage {
  webhookId: string;
  wait: boolean;
  body: any;
}

export interface FakeDiscord {
  url: string;
  /** Base for discord.js REST's `api` option (…/api). */
  apiBase: string;
  webhookUrl(id?: string, token?: string): string;
  webhookMessages: ReceivedWebhookMessage[];
  channelMessages: { channelId: string; body: any }[];
  registeredCommands: Map<string, any[]>;
  /** Interaction responses: callbacks, edits of the original response, follow-ups, in order. */
  interactionResponses: { kind: 'callback' | 'edit-original' | 'followup'; interactionToken: string; body: any }[];
  /** Resolves once a bot has identified on the gateway with the right token. */
  identified(): Promise<void>;
  /** Sends an INTERACTION_CREATE dispatch to every connected bot. */
  dispatchInteraction(d: Record<string, unknown>): void;
  /** All requests seen, in order (method, path, status answered). */
  requests: { method: string; path: string; status: number }[];
  /** The next `count` requests to the webhook answer 429 with this retry_after (seconds). */
  rateLimitNext(count: number, retryAfterSeconds: number, opts?: { global?: boolean; headerOnly?: boolean }): void;
  /** The next `count` webhook requests answer this 5xx. */
  failNext(count: number, status: number): void;
  close(): Promise<void>;
}

/** The bot's application id (READY); interaction follow-ups are webhooks of this id. */
export const FAKE_APPLICATION_ID = '800000000000000008';

const LIMITS = { title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, footer: 2048, author: 256, total: 6000, embeds: 10, content: 2000 };

/** Discord's form-body validation, returning error paths like Discord's `errors` object (flattened). */
export function validateMessageBody(body: any): string[] {
  const errors: string[] = [];
  if (body === null || typeof body !== 'object') return ['body: must be an object'];
  const embeds: any[] = Array.isArray(body.embeds) ? body.embeds : [];
  const hasContent = typeof body.content === 'string' && body.content.trim().length > 0;
  if (!hasContent && embeds.length === 0 && !body.components && !body.files && !body.poll) errors.push('_: Cannot send an empty message');
  if (typeof body.content === 'string' && body.content.length > LIMITS.content) errors.push(`content: Must be ${LIMITS.content} or fewer in length.`);
  if (embeds.length > LIMITS.embeds) errors.push(`embeds: Must be ${LIMITS.embeds} or fewer in length.`);
  let total = 0;
  const len = (s: unknown) => (typeof s === 'string' ? s.trim().length : 0);
  embeds.forEach((e, i) => {
    const p = `embeds.${i}`;
    if (len(e.title) > LIMITS.title) errors.push(`${p}.title: Must be ${LIMITS.title} or fewer in length.`);
    if (len(e.description) > LIMITS.description) errors.push(`${p}.description: Must be ${LIMITS.description} or fewer in length.`);
    if (e.footer && len(e.footer.text) > LIMITS.footer) errors.push(`${p}.footer.text: Must be ${LIMITS.footer} or fewer in length.`);
    if (e.author && len(e.author.name) > LIMITS.author) errors.push(`${p}.author.name: Must be ${LIMITS.author} or fewer in length.`);
    if (e.color !== undefined && (!Number.isInteger(e.color) || e.color < 0 || e.color > 0xffffff)) errors.push(`${p}.color: Not a valid color.`);
    if (e.timestamp !== undefined && Number.isNaN(Date.parse(e.timestamp))) errors.push(`${p}.timestamp: Could not interpret as a timestamp.`);
    if (e.url !== undefined && (typeof e.url !== 'string' || !/^https?:\/\/[^\s/]+\S*$/.test(e.url))) errors.push(`${p}.url: Not a well formed URL.`);
    const fields: any[] = Array.isArray(e.fields) ? e.fields : [];
    if (fields.length > LIMITS.fields) errors.push(`${p}.fields: Must be ${LIMITS.fields} or fewer in length.`);
    fields.forEach((f, j) => {
      if (len(f.name) === 0) errors.push(`${p}.fields.${j}.name: This field is required`);
      if (len(f.value) === 0) errors.push(`${p}.fields.${j}.value: This field is required`);
      if (len(f.name) > LIMITS.fieldName) errors.push(`${p}.fields.${j}.name: Must be ${LIMITS.fieldName} or fewer in length.`);
      if (len(f.value) > LIMITS.fieldValue) errors.push(`${p}.fields.${j}.value: Must be ${LIMITS.fieldValue} or fewer in length.`);
      total += len(f.name) + len(f.value);
    });
    total += len(e.title) + len(e.description) + len(e.footer?.text) + len(e.author?.name);
  });
  if (total > LIMITS.total) errors.push(`embeds: Embed size exceeds maximum size of ${LIMITS.total}`);
  return errors;
}

export async function startFakeDiscord(opts: { webhookId?: string; webhookToken?: string; botToken?: string } = {}): Promise<FakeDiscord> {
  const webhookId = opts.webhookId ?? '1234567890';
  const webhookToken = opts.webhookToken ?? 'webhook-token-abc';
  const botToken = opts.botToken ?? 'bot-token-xyz';
  const webhookMessages: ReceivedWebhookMessage[] = [];
  const channelMessages: FakeDiscord['channelMessages'] = [];
  const registeredCommands = new Map<string, any[]>();
  const requests: FakeDiscord['requests'] = [];
  const interactionResponses: FakeDiscord['interactionResponses'] = [];
  const sockets = new Set<WebSocket>();
  let seq = 0;
  let markIdentified!: () => void;
  const identifiedPromise = new Promise<void>((r) => (markIdentified = r));
  let rateLimited: { count: number; retryAfter: number; global: boolean; headerOnly: boolean } = { count: 0, retryAfter: 0, global: false, headerOnly: false };
  let failing = { count: 0, status: 500 };
  let nextId = 1_000_000n;
  const snowflake = () => (nextId++).toString();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
        requests.push({ method: req.method ?? '', path: url.pathname, status });
        if (body === undefined) {
          res.writeHead(status, headers).end();
          return;
        }
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      };
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: any;
      if (raw.length > 0) {
        if (!/application\/json/.test(req.headers['content-type'] ?? '')) return send(400, { message: 'Cannot send an empty message', code: 50006 });
        try {
          body = JSON.parse(raw);
        } catch {
          return send(400, { message: 'The request body contains invalid JSON.', code: 50109 });
        }
      }
      const botAuthorised = req.headers.authorization === `Bot ${botToken}`;

      const wh = url.pathname.match(/^\/api(?:\/v\d+)?\/webhooks\/([^/]+)\/([^/]+)$/);
      if (wh && req.method === 'POST' && wh[1] !== FAKE_APPLICATION_ID) {
        if (wh[1] !== webhookId) return send(404, { message: 'Unknown Webhook', code: 10015 });
        if (wh[2] !== webhookToken) return send(401, { message: 'Invalid Webhook Token', code: 50027 });
        if (rateLimited.count > 0) {
          rateLimited.count--;
          const headers = {
            'retry-after': String(rateLimited.retryAfter),
            'x-ratelimit-limit': '5',
            'x-ratelimit-remaining': '0',
            'x-ratelimit-reset': String(Date.now() / 1000 + rateLimited.retryAfter),
            'x-ratelimit-reset-after': String(rateLimited.retryAfter),
            'x-ratelimit-bucket': 'fakebucket',
            ...(rateLimited.global ? { 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' } : { 'x-ratelimit-scope': 'user' }),
          };
          if (rateLimited.headerOnly) return send(429, undefined, headers);
          return send(429, { message: 'You are being rate limited.', retry_after: rateLimited.retryAfter, global: rateLimited.global }, headers);
        }
        if (failing.count > 0) {
          failing.count--;
          return send(failing.status, { message: 'Internal Server Error', code: 0 });
        }
        const errors = validateMessageBody(body);
        if (errors.length) return send(400, { message: 'Invalid Form Body', code: 50035, errors });
        const wait = url.searchParams.get('wait') === 'true';
        webhookMessages.push({ webhookId: wh[1], wait, body });
        if (!wait) return send(204);
        return send(200, { id: snowflake(), type: 0, channel_id: '555', webhook_id: webhookId, content: body.content ?? '', embeds: body.embeds ?? [], mentions: [], mention_everyone: false, timestamp: new Date().toISOString() });
      }

      const cmds = url.pathname.match(/^\/api\/v10\/applications\/([^/]+)(?:\/guilds\/([^/]+))?\/commands$/);
      if (cmds && req.method === 'PUT') {
        if (!botAuthorised) return send(401, { message: '401: Unauthorized', code: 0 });
        if (!Array.isArray(body)) return send(400, { message: 'Invalid Form Body', code: 50035 });
        for (const [i, c] of body.entries()) {
          if (typeof c.name !== 'string' || !/^[-_\p{L}\p{N}]{1,32}$/u.test(c.name) || c.name !== c.name.toLowerCase()) {
            return send(400, { message: 'Invalid Form Body', code: 50035, errors: [`${i}.name: invalid`] });
          }
          if (typeof c.description !== 'string' || c.description.length < 1 || c.description.length > 100) {
            return send(400, { message: 'Invalid Form Body', code: 50035, errors: [`${i}.description: invalid`] });
          }
        }
        const key = cmds[2] ? `${cmds[1]}/guild/${cmds[2]}` : `${cmds[1]}/global`;
        const stored = body.map((c: any) => ({ id: snowflake(), application_id: cmds[1], guild_id: cmds[2], version: snowflake(), ...c }));
        registeredCommands.set(key, stored);
        return send(200, stored);
      }

      const chan = url.pathname.match(/^\/api\/v10\/channels\/([^/]+)\/messages$/);
      if (chan && req.method === 'POST') {
        if (!botAuthorised) return send(401, { message: '401: Unauthorized', code: 0 });
        const errors = validateMessageBody(body);
        if (errors.length) return send(400, { message: 'Invalid Form Body', code: 50035, errors });
        channelMessages.push({ channelId: chan[1], body });
        return send(200, { id: snowflake(), type: 0, channel_id: chan[1], content: body.content ?? '', embeds: body.embeds ?? [], components: body.components ?? [], timestamp: new Date().toISOString() });
      }

      if (url.pathname === '/api/v10/gateway/bot' && req.method === 'GET') {
        if (!botAuthorised) return send(401, { message: '401: Unauthorized', code: 0 });
        return send(200, { url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/gateway`, shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } });
      }
      const cb = url.pathname.match(/^\/api\/v10\/interactions\/([^/]+)\/([^/]+)\/callback$/);
      if (cb && req.method === 'POST') {
        interactionResponses.push({ kind: 'callback', interactionToken: cb[2]!, body });
        return send(204);
      }
      const orig = url.pathname.match(/^\/api\/v10\/webhooks\/([^/]+)\/([^/]+)\/messages\/(?:@|%40)original$/);
      if (orig && req.method === 'PATCH') {
        interactionResponses.push({ kind: 'edit-original', interactionToken: orig[2]!, body });
        return send(200, { id: snowflake(), type: 0, channel_id: '0', content: body?.content ?? '', embeds: body?.embeds ?? [], components: body?.components ?? [], timestamp: new Date().toISOString(), author: { id: orig[1], username: 'palisade-bot', discriminator: '0' } });
      }
      const follow = url.pathname.match(/^\/api\/v10\/webhooks\/([^/]+)\/([^/]+)$/);
      if (follow && req.method === 'POST' && follow[1] === FAKE_APPLICATION_ID) {
        const errors = validateMessageBody(body);
        if (errors.length) return send(400, { message: 'Invalid Form Body', code: 50035, errors });
        interactionResponses.push({ kind: 'followup', interactionToken: follow[2]!, body });
        return send(200, { id: snowflake(), type: 0, channel_id: '0', content: body.content ?? '', embeds: body.embeds ?? [], components: [], flags: body.flags ?? 0, timestamp: new Date().toISOString(), author: { id: follow[1], username: 'palisade-bot', discriminator: '0' } });
      }

      send(404, { message: '404: Not Found', code: 0 });
    });
  });

  // The gateway: HELLO on connect, READY after a valid IDENTIFY, ACK for every heartbeat (Discord gateway v10, JSON).
  const wss = new WebSocketServer({ server, path: '/gateway' });
  wss.on('connection', (ws) => {
    ws.send(JSON.stringify({ op: 10, d: { heartbeat_interval: 41_250 }, s: null, t: null }));
    ws.on('message', (raw) => {
      const msg = JSON.parse(raw.toString()) as { op: number; d: any };
      if (msg.op === 1) ws.send(JSON.stringify({ op: 11, d: null, s: null, t: null }));
      if (msg.op === 2) {
        if (msg.d?.token !== botToken) return ws.close(4004, 'Authentication failed.');
        sockets.add(ws);
        ws.send(JSON.stringify({
          op: 0, t: 'READY', s: ++seq,
          d: { v: 10, user: { id: '900000000000000009', username: 'palisade-bot', discriminator: '0', bot: true, avatar: null, global_name: null }, guilds: [], session_id: 'fake-session', resume_gateway_url: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/gateway`, application: { id: FAKE_APPLICATION_ID, flags: 0 }, shard: [0, 1] },
        }));
        markIdentified();
      }
    });
    ws.on('close', () => sockets.delete(ws));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    apiBase: `${url}/api`,
    webhookUrl: (id = webhookId, token = webhookToken) => `${url}/api/webhooks/${id}/${token}`,
    webhookMessages,
    channelMessages,
    registeredCommands,
    requests,
    interactionResponses,
    identified: () => identifiedPromise,
    dispatchInteraction(d) {
      for (const ws of sockets) ws.send(JSON.stringify({ op: 0, t: 'INTERACTION_CREATE', s: ++seq, d }));
    },
    rateLimitNext(count, retryAfterSeconds, o = {}) {
      rateLimited = { count, retryAfter: retryAfterSeconds, global: o.global ?? false, headerOnly: o.headerOnly ?? false };
    },
    failNext(count, status) {
      failing = { count, status };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
