// One JSON error envelope for the whole API: `{ error, details? }`, never a stack trace.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { redactTokens } from '../runtime/logger';
import { OperatorActionError, type OperatorErrorCode } from '../runtime/operator-actions';

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly details?: unknown) {
    super(message);
    this.name = 'ApiError';
  }
}

export const OPERATOR_ERROR_STATUS: Record<OperatorErrorCode, number> = {
  invalid_input: 400,
  not_found: 404,
  invalid_state: 409,
  unavailable: 503,
};

/** Parses a request part with a zod schema; failures become a 400 naming each bad field. */
export function validate<T>(schema: z.ZodType<T>, value: unknown, what = 'request body'): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const details = r.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
  throw new ApiError(400, `invalid ${what}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, details);
}

/**
 * Requires a JSON body on methods that carry one (a form or text body is a client mistake, not an empty object). A
 * request with no body at all (`POST /api/proactive/pause`) passes; each route's schema says whether it needs one.
 */
export const requireJson: RequestHandler = (req, _res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  const length = req.get('content-length');
  if ((length === undefined || length === '0') && req.get('transfer-encoding') === undefined) return next();
  if (!req.is('application/json')) return next(new ApiError(415, 'the request body must be JSON (Content-Type: application/json)'));
  next();
};

export const apiNotFound: RequestHandler = (req, _res, next) => next(new ApiError(404, `no such endpoint: ${req.method} ${redactTokens(req.path.slice(0, 200))}`));

interface HttpishError { type?: string; status?: number; statusCode?: number; expose?: boolean }

/** The error translation: body-parser errors, validation, operator actions; anything else is a logged 500. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    let status = 500;
    let body: { error: string; details?: unknown } = { error: 'internal error' };
    const h = err as HttpishError;
    if (err instanceof ApiError) {
      status = err.status;
      body = { error: err.message, ...(err.details !== undefined ? { details: err.details } : {}) };
    } else if (err instanceof OperatorActionError) {
      status = OPERATOR_ERROR_STATUS[err.code];
      body = { error: err.message, ...(err.details !== undefined ? { details: err.details } : {}) };
    } else if (h && h.type === 'entity.too.large') {
      status = 413;
      body = { error: 'request body too large' };
    } else if (h && h.type === 'entity.parse.failed') {
      status = 400;
      body = { error: 'request body is not valid JSON' };
    } else if (h && (h.type === 'encoding.unsupported' || h.type === 'charset.unsupported')) {
      status = 415;
      body = { error: 'unsupported request body encoding or charset' };
    } else if (h && h.expose && typeof (h.status ?? h.statusCode) === 'number' && (h.status ?? h.statusCode)! < 500) {
      status = (h.status ?? h.statusCode)!;
      body = { error: 'bad request' };
    }
    // A signed link's path is its credential: never logged as is (the logger redacts tokens in every line too).
    const path = redactTokens(req.path);
    if (status >= 500) logger.error({ err, method: req.method, path }, 'request failed');
    else logger.debug({ status, method: req.method, path, error: body.error }, 'request refused');
    if (res.headersSent) return;
    res.status(status).json(body);
  };
}
