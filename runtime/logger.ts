// Structured logs (pino). Secret-looking keys are redacted wherever they appear, as a second line of defence:
// the first is that secrets are never put in objects that get logged.
import pino, { type Logger } from 'pino';
import type { PalisadeConfig } from '../domain/config';

export type { Logger };

const SECRET_KEYS = ['token', 'apiKey', 'api_key', 'password', 'secret', 'authorization', 'Authorization', 'privateKey', 'botToken', 'webhookUrl'];
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers.${k}`, `req.headers.${k}`]);

/**
 * Credentials that travel inside text (a signed link in a URL path, a bearer header echoed in an error) replaced
 * wherever they appear in a log line. Linear-time patterns: character classes with no nested repetition.
 */
export function redactTokens(text: string): string {
  return text
    .replace(/\/approve\/[^\s"'?#/\\]+/g, '/approve/[redacted]')
    .replace(/\bv1\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, '[redacted link token]')
    .replace(/\b(Bearer)\s+[^\s"'\\]+/gi, '$1 [redacted]');
}

export function createLogger(config: Pick<PalisadeConfig, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  const out = destination ?? pino.destination(1);
  return pino(
    {
      name: 'palisade',
      level: config.logLevel,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    // Every serialised line passes through redactTokens, whatever object or message carried the token.
    { write: (line: string) => out.write(redactTokens(line)) },
  );
}
