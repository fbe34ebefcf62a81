// Traefik's own API (the `api` entrypoint, read-only): how the running Traefik sees a Middleware. This is the
// "loaded" level of a Traefik block: the cluster may hold an entry that Traefik has not (yet) loaded.
import type { TraefikApiLookup, TraefikApiMiddleware } from '../../../domain/traefik-preconditions';

export interface TraefikApiOptions {
  url: string;
  timeoutMs: number;
  /** Basic auth when the API sits behind a basicAuth middleware. */
  basicAuth?: () => Promise<{ username: string; password: string } | undefined>;
}

export async function getTraefikMiddleware(o: TraefikApiOptions, name: string): Promise<TraefikApiLookup> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const auth = await o.basicAuth?.();
  if (auth) headers.Authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
  const url = `${o.url.replace(/\/+$/, '')}/api/http/middlewares/${encodeURIComponent(name)}`;
  let res: Response;
  try {
    res = await fetch(url, { headers, signal: AbortSignal.timeout(o.timeoutMs) });
  } catch (err) {
    throw new Error(`Traefik API GET /api/http/middlewares/${name}: ${(err as Error).name === 'TimeoutError' ? 'timed out' : (err as Error).message}`);
  }
  if (res.status === 404) return { name, found: false };
  if (res.status !== 200) throw new Error(`Traefik API GET /api/http/middlewares/${name}: HTTP ${res.status}`);
  const body = (await res.json()) as TraefikApiMiddleware;
  return { name, found: true, middleware: body };
}
