// Structured logs (pino). Secret-looking keys are redacted wherever they appear, as a second line of defence:
// the first is that secrets are never put in objects that get logged.
import pino, { type Logger } from 'pino';
import type { PalisadeConfig } from '../domain/config';

export type { Logger };

const SECRET_KEYS = ['token', 'apiKey', 'api_key', 'password', 'secret', 'authorization', 'Authorization', 'privateKey', 'botToken', 'webhookUrl'];
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `headers.${k}`, `req.headers.${k}`]);

export function createLogger(config: Pick<PalisadeConfig, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: 'palisade',
      level: config.logLevel,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
    },
    destination,
  );
}
