// Outcome and review notifications to a Discord channel through an incoming webhook.
// Every string that may carry attacker-influenced text (paths, user agents, org names) is neutralised twice:
// mentions are defanged in the text and `allowed_mentions: { parse: [] }` tells Discord to ping nobody anyway.
// Limits are enforced here because Discord answers 400 to the whole message when any one of them is exceeded.
import { ApplicationFailure } from '@temporalio/common';
import type { Notification, ThreatOutcome } from '../../domain/types';
import { escapeDiscordMarkdown, sanitizeUntrusted, sanitizeUntrustedBlock } from '../../domain/sanitize';
import type { Notifier } from './index';

/** Discord's documented embed limits (developers/resources/message.mdx, "Embed Limits"). */
export const EMBED_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footerText: 2048,
  authorName: 256,
  total: 6000,
  embedsPerMessage: 10,
  content: 2000,
} as const;

export interface WebhookEmbed {
  title: string;
  description?: string;
  color?: number;
  timestamp?: string;
  url?: string;
  fields?: { name: string; value: string; inline?: boolean }[];
  footer?: { text: string };
}

export interface WebhookPayload {
  username?: string;
  content?: string;
  allowed_mentions: { parse: [] };
  embeds: WebhookEmbed[];
}

const COLORS = { red: 0xe74c3c, orange: 0xe67e22, green: 0x2ecc71, grey: 0x95a5a6, blue: 0x3498db } as const;
const OUTCOME_COLORS: Record<ThreatOutcome, number> = {
  recorded: COLORS.grey,
  skipped_never_block: COLORS.grey,
  rejected: COLORS.grey,
  review_expired: COLORS.orange,
  expired: COLORS.green,
  released: COLORS.green,
  failed: COLORS.red,
};

/** Zero-width space after '@' / inside mention syntax: the text still reads the same but can no longer ping. */
export function neutraliseMentions(text: string): string {
  return text
    .replace(/@(everyone|here)/gi, '@\u200b$1')
    .replace(/<(@[!&]?|#)(\d+)>/g, '<$1\u200b$2>');
}

/** One line of safe text (mentions neutralised, Markdown escaped), at most `max` characters after Discord trims it. */
export function discordLine(text: unknown, max: number): string {
  return fitEscaped(escapeDiscordMarkdown(neutraliseMentions(sanitizeUntrusted(text, max))), max);
}

/** Multi-line safe text (mentions neutralised, Markdown escaped), at most `max` characters. */
export function discordBlock(text: unknown, max: number): string {
  return fitEscaped(escapeDiscordMarkdown(neutraliseMentions(sanitizeUntrustedBlock(text, max))), max);
}

/** Cuts escaped text to `max` without leaving a dangling backslash that would escape whatever follows. */
function fitEscaped(text: string, max: number): string {
  let out = text.slice(0, max);
  let trailing = 0;
  while (trailing < out.length && out.charCodeAt(out.length - 1 - trailing) === 92) trailing++;
  if (trailing % 2 === 1) out = out.slice(0, -1);
  return out.trim();
}

function embedColor(n: Notification): number {
  if (n.outcome) return OUTCOME_COLORS[n.outcome];
  if (n.kind === 'review_escalated') return COLORS.orange;
  if (n.kind === 'review_needed') return COLORS.blue;
  if (n.kind === 'block_ineffective') return COLORS.orange;
  return COLORS.grey;
}

/** Characters Discord counts towards the 6000 total for one embed (whitespace-trimmed). */
export function embedTextLength(e: WebhookEmbed): number {
  let n = e.title.trim().length + (e.description?.trim().length ?? 0) + (e.footer?.text.trim().length ?? 0);
  for (const f of e.fields ?? []) n += f.name.trim().length + f.value.trim().length;
  return n;
}

/**
 * Builds the webhook body for one notification, inside every Discord limit. When the fields would push the
 * embed over the 6000-character total, the description is shortened first, then trailing fields are dropped.
 */
export function buildWebhookPayload(n: Notification, opts: { username?: string; now?: () => Date; url?: string; link?: (workflowId: string) => string | undefined } = {}): WebhookPayload {
  const title = discordLine(n.title, EMBED_LIMITS.title) || 'Palisade';
  const footerParts = [n.workflowId];
  if (typeof n.blockCount === 'number' && n.blockCount > 0) footerParts.push(`${n.blockCount}x blocked total`);
  const footer = { text: discordLine(footerParts.join(' · '), EMBED_LIMITS.footerText) };

  const fields: NonNullable<WebhookEmbed['fields']> = [];
  if (n.ip) fields.push({ name: 'IP', value: discordLine(n.ip, 64), inline: true });
  if (n.outcome) fields.push({ name: 'Outcome', value: n.outcome, inline: true });
  for (const f of n.fields ?? []) {
    if (fields.length >= EMBED_LIMITS.fields) break;
    const name = discordLine(f.name, EMBED_LIMITS.fieldName);
    // Our own link (never sender text), added after the escaping; only a plain http(s) URL fits Markdown's (…).
    const url = f.workflowId ? opts.link?.(f.workflowId) : undefined;
    const linkText = url && /^https?:\/\/[^\s()<>]+$/.test(url) ? `\n[open in Temporal UI](${url})` : '';
    const value = discordBlock(f.value, EMBED_LIMITS.fieldValue - linkText.length) + linkText;
    // Discord rejects empty field names and values.
    fields.push({ name: name || '-', value: value || '-', inline: value.length <= 40 });
  }

  const fixed = title.length + footer.text.length;
  let fieldChars = fields.reduce((s, f) => s + f.name.length + f.value.length, 0);
  while (fields.length > 0 && fixed + fieldChars > EMBED_LIMITS.total - 200) {
    const dropped = fields.pop()!;
    fieldChars -= dropped.name.length + dropped.value.length;
  }
  const descriptionBudget = Math.min(EMBED_LIMITS.description, EMBED_LIMITS.total - fixed - fieldChars);
  const description = discordBlock(n.body, Math.max(0, descriptionBudget));

  const embed: WebhookEmbed = {
    title,
    color: embedColor(n),
    timestamp: (opts.now ?? (() => new Date()))().toISOString(),
    footer,
  };
  if (opts.url) embed.url = opts.url;
  if (description) embed.description = description;
  if (fields.length) embed.fields = fields;
  const payload: WebhookPayload = { allowed_mentions: { parse: [] }, embeds: [embed] };
  if (opts.username) payload.username = discordLine(opts.username, 80);
  return payload;
}

export interface DiscordWebhookNotifierOptions {
  /** Resolved at send time (the URL carries the webhook token, so it is a secret: never logged or echoed). */
  webhookUrl: () => Promise<string | undefined>;
  username?: string;
  /** Attempts per send, including the first (429 and 5xx are retried inside one activity attempt). */
  maxAttempts?: number;
  /** Longest single wait honoured for a 429; a longer retry_after fails the attempt so Temporal retries later. */
  maxRetryWaitMs?: number;
  timeoutMs?: number;
  /** The workflow's page in the Temporal UI (the embed title links there), when a UI is known. */
  workflowLink?: (workflowId: string) => string | undefined;
  sleep?: (ms: number) => Promise<void>;
  fetch?: typeof fetch;
}

export class DiscordWebhookError extends Error {
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'DiscordWebhookError';
  }
}

/** Seconds to wait from a 429: JSON `retry_after` (float seconds) first, then the Retry-After header. */
export function retryAfterMs(body: unknown, header: string | null): number | undefined {
  const fromBody = (body as { retry_after?: unknown } | null)?.retry_after;
  if (typeof fromBody === 'number' && Number.isFinite(fromBody) && fromBody >= 0) return Math.ceil(fromBody * 1000);
  if (header !== null && header.trim() !== '') {
    const secs = Number(header);
    if (Number.isFinite(secs) && secs >= 0) return Math.ceil(secs * 1000);
  }
  return undefined;
}

/** The URL with `wait=true`, so Discord answers 200 with the message (or an error) instead of a silent 204. */
export function withWait(url: string): string {
  const u = new URL(url);
  u.searchParams.set('wait', 'true');
  return u.toString();
}

/** Describes the webhook without its token, for errors and logs. */
function redactedWebhook(url: string): string {
  try {
    const u = new URL(url);
    const m = u.pathname.match(/^(.*\/webhooks\/[^/]+)\//);
    return `${u.origin}${m ? `${m[1]}/***` : '/***'}`;
  } catch {
    return '(invalid webhook URL)';
  }
}

export function createDiscordWebhookNotifier(opts: DiscordWebhookNotifierOptions): Notifier {
  const maxAttempts = opts.maxAttempts ?? 4;
  const maxRetryWaitMs = opts.maxRetryWaitMs ?? 30_000;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const doFetch = opts.fetch ?? fetch;

  return {
    name: 'discord-webhook',
    async send(n: Notification): Promise<void> {
      const url = await opts.webhookUrl();
      if (!url) {
        throw ApplicationFailure.create({ type: 'DiscordWebhookNotConfigured', nonRetryable: true, message: 'Discord webhook URL is not set' });
      }
      let target: string;
      try {
        target = withWait(url);
      } catch {
        throw ApplicationFailure.create({ type: 'DiscordWebhookNotConfigured', nonRetryable: true, message: 'Discord webhook URL is not a valid URL' });
      }
      const where = redactedWebhook(url);
      const body = JSON.stringify(buildWebhookPayload(n, { username: opts.username, url: opts.workflowLink?.(n.workflowId), link: opts.workflowLink }));

      for (let attempt = 1; ; attempt++) {
        let res: Response;
        try {
          res = await doFetch(target, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
            signal: AbortSignal.timeout(timeoutMs),
          });
        } catch (err) {
          // Network failure: retryable by the activity's retry policy. The message names the host, never the token.
          throw new DiscordWebhookError(`Discord webhook ${where} unreachable: ${(err as Error).name}`);
        }
        if (res.ok) {
          await res.body?.cancel();
          return;
        }
        const text = await res.text();
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(text);
        } catch {
          // non-JSON error body (e.g. from a proxy)
        }
        const detail = typeof (parsed as { message?: unknown })?.message === 'string' ? (parsed as { message: string }).message : `HTTP ${res.status}`;

        if (res.status === 429) {
          const wait = retryAfterMs(parsed, res.headers.get('retry-after')) ?? 1000;
          if (attempt >= maxAttempts || wait > maxRetryWaitMs) {
            throw new DiscordWebhookError(`Discord webhook ${where} rate limited (retry after ${wait} ms, attempt ${attempt})`, 429);
          }
          await sleep(wait);
          continue;
        }
        if (res.status >= 400 && res.status < 500) {
          // Bad payload, unknown or deleted webhook, wrong token: retrying cannot help.
          throw ApplicationFailure.create({
            type: 'DiscordWebhookRejected',
            nonRetryable: true,
            message: `Discord webhook ${where} rejected the message: ${res.status} ${sanitizeUntrusted(detail, 300)}`,
          });
        }
        if (attempt >= maxAttempts) {
          throw new DiscordWebhookError(`Discord webhook ${where} failed: ${res.status} ${sanitizeUntrusted(detail, 300)}`, res.status);
        }
        await sleep(Math.min(maxRetryWaitMs, 250 * 2 ** (attempt - 1)));
      }
    },
  };
}
