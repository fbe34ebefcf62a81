// Notifiers that reach Discord. Outcomes go through the webhook (no bot needed). Review requests need buttons,
// which only an application's own messages can carry, so the bot posts those to the review channel(s) over REST.
import { REST, Routes } from 'discord.js';
import { ApplicationFailure } from '@temporalio/common';
import type { PalisadeConfig } from '../../domain/config';
import type { Notification } from '../../domain/types';
import type { Notifier } from '../../activities/notify/index';
import { createDiscordWebhookNotifier } from '../../activities/notify/discord-webhook';
import { threatUiLink } from '../../domain/temporal-ui';
import { readSecret } from '../../runtime/secrets';
import { incidentMessage, reviewRequestMessage } from './messages';

export interface ReviewPosterOptions {
  botToken: () => Promise<string | undefined>;
  channelIds: string[];
  /** Discord API base (default https://discord.com/api). */
  api?: string;
  /** The workflow's page in the Temporal UI (embed title link), when a UI is known. */
  workflowLink?: (workflowId: string) => string | undefined;
}

/**
 * Posts review_needed / review_escalated notifications with Approve/Reject buttons, and incidents awaiting a decision
 * (alert_investigation naming its incident) with Approve/Reject/Ack buttons; ignores other kinds.
 */
export function createDiscordReviewPoster(opts: ReviewPosterOptions): Notifier {
  return {
    name: 'discord-review',
    async send(n: Notification) {
      const isReview = (n.kind === 'review_needed' || n.kind === 'review_escalated') && Boolean(n.ip);
      const isIncident = n.kind === 'alert_investigation' && Boolean(n.incident);
      if (!isReview && !isIncident) return;
      if (opts.channelIds.length === 0) return;
      const token = await opts.botToken();
      if (!token) throw ApplicationFailure.create({ type: 'DiscordBotNotConfigured', nonRetryable: true, message: 'Discord bot token is not set' });
      // discord.js REST queues per route and honours 429 retry_after itself.
      const rest = new REST({ version: '10', retries: 3, ...(opts.api ? { api: opts.api } : {}) }).setToken(token);
      const url = opts.workflowLink?.(n.workflowId);
      const body = isIncident
        ? incidentMessage({ incident: n.incident!, title: n.title, body: n.body, fields: n.fields, workflowId: n.workflowId, url })
        : reviewRequestMessage({ ip: n.ip!, title: n.title, body: n.body, fields: n.fields, workflowId: n.workflowId, url, case: n.case });
      for (const channelId of opts.channelIds) {
        await rest.post(Routes.channelMessages(channelId), { body });
      }
    },
  };
}

const secretConfigured = (ref: { env?: string; file?: string } | undefined, env: NodeJS.ProcessEnv) =>
  Boolean(ref && (ref.env ? env[ref.env] : ref.file));

/**
 * The Discord notifiers a worker should add to its list for this config: the webhook notifier when a webhook URL is
 * configured, and the review poster when the bot is enabled with review channels. Secrets are read at send time.
 */
export function discordNotifiersFromConfig(config: PalisadeConfig, env: NodeJS.ProcessEnv = process.env, api?: string): Notifier[] {
  const out: Notifier[] = [];
  const d = config.discord;
  const workflowLink = (workflowId: string) => threatUiLink(config.temporal, workflowId);
  if (secretConfigured(d.webhookUrl, env)) {
    out.push(createDiscordWebhookNotifier({ webhookUrl: () => readSecret(d.webhookUrl), username: 'Palisade', workflowLink }));
  }
  if (d.enabled && d.channelIds.length > 0 && secretConfigured(d.botToken, env)) {
    out.push(createDiscordReviewPoster({ botToken: () => readSecret(d.botToken), channelIds: d.channelIds, api, workflowLink }));
  }
  return out;
}
