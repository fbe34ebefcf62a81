import { z } from 'zod';
import { envSecret, hostPort, httpUrl, secretRef } from './common';

export const apiSchema = z.strictObject({
  /** Loopback by default: put a reverse proxy with TLS in front to expose it. */
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8080),
  controlToken: envSecret('PALISADE_CONTROL_TOKEN'),
  /** HMAC key for signed approval links. */
  linkSigningKey: envSecret('PALISADE_LINK_SIGNING_KEY'),
  /** Token for POST /api/sightings and webhooks (may equal the control token). */
  ingestToken: secretRef.optional(),
  publicUrl: httpUrl.default('http://127.0.0.1:8080'),
  /** Serve the review page at / (`palisade start --serve-spa` / `--no-serve-spa`); the API, webhooks and signed links are served either way. */
  serveReviewPage: z.boolean().default(true),
  maxBodyBytes: z.number().int().positive().max(10 * 1024 * 1024).default(256 * 1024),
  signedLinkTtlSeconds: z.number().int().positive().max(7 * 86_400).default(3600),
  /** Deprecated name of temporal.metricsAddress (which wins when both are set); still honoured. */
  temporalMetricsAddress: hostPort.optional(),
});

export const discordSchema = z.strictObject({
  enabled: z.boolean().default(false),
  botToken: envSecret('DISCORD_BOT_TOKEN'),
  /** Outcome notifications go through this webhook. */
  webhookUrl: envSecret('DISCORD_WEBHOOK_URL'),
  applicationId: z.string().optional(),
  guildIds: z.array(z.string()).default([]),
  channelIds: z.array(z.string()).default([]),
  roleIds: z.array(z.string()).default([]),
});
