// Bearer-token authentication for the control and ingest APIs. Tokens are compared in constant time over SHA-256
// digests (equal length whatever the input), so neither the content nor the length of a token leaks through timing.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { authFailures } from '../runtime/metrics';
import { ApiError } from './errors';
import { LoginBackoff } from './login-backoff';

/** The client a failed login is counted against: the socket peer (the API listens on loopback or behind a proxy). */
const clientOf = (req: { ip?: string; socket?: { remoteAddress?: string } }) => req.ip ?? req.socket?.remoteAddress ?? 'unknown';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

export function tokenMatches(given: string, expected: string): boolean {
  return timingSafeEqual(digest(given), digest(expected));
}

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer[ ]+([^\s]+)\s*$/i.exec(header);
  return m ? m[1] : undefined;
}

/**
 * Accepts a request whose bearer token equals one of the configured tokens. With no token configured at all the
 * endpoint is closed (503), never open.
 */
export function requireToken(kind: string, tokens: (string | undefined)[], backoff: LoginBackoff = new LoginBackoff()): RequestHandler {
  const configured = tokens.filter((t): t is string => typeof t === 'string' && t.length > 0);
  return (req, res, next) => {
    if (configured.length === 0) {
      return next(new ApiError(503, `the ${kind} API is disabled: no token is configured for it`));
    }
    const client = clientOf(req);
    const wait = backoff.waitMs(client);
    if (wait > 0) {
      res.set('Retry-After', String(Math.ceil(wait / 1000)));
      return next(new ApiError(429, `too many failed logins from this client: retry in ${Math.ceil(wait / 1000)} s`));
    }
    const given = bearerToken(req.get('authorization'));
    if (given === undefined) {
      authFailures.inc({ kind });
      backoff.failed(client);
      res.set('WWW-Authenticate', 'Bearer realm="palisade"');
      return next(new ApiError(401, 'authentication required: send Authorization: Bearer <token>'));
    }
    // Check every configured token (no early exit), so timing does not reveal which one matched.
    let ok = false;
    for (const t of configured) ok = tokenMatches(given, t) || ok;
    if (!ok) {
      authFailures.inc({ kind });
      backoff.failed(client);
      return next(new ApiError(403, 'the token is not valid for this endpoint'));
    }
    backoff.succeeded(client);
    next();
  };
}

/** The same check as a predicate, for routers that take an authorisation hook (the alert webhooks). */
export function bearerAuthorizer(kind: string, tokens: (string | undefined)[], backoff: LoginBackoff = new LoginBackoff()): (req: { get(name: string): string | undefined; ip?: string }) => boolean {
  const configured = tokens.filter((t): t is string => typeof t === 'string' && t.length > 0);
  return (req) => {
    const client = clientOf(req);
    // A client in backoff is refused without checking its token.
    if (backoff.waitMs(client) > 0) return false;
    const given = bearerToken(req.get('authorization'));
    let ok = false;
    if (given !== undefined) for (const t of configured) ok = tokenMatches(given, t) || ok;
    if (ok) backoff.succeeded(client);
    else {
      authFailures.inc({ kind });
      backoff.failed(client);
    }
    return ok;
  };
}
