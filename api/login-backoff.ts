// Per-client backoff after failed logins (wrong or missing bearer tokens): after FREE_FAILURES failures in a row a
// client must wait, doubling up to MAX_WAIT_MS, before its next attempt is even checked. In memory and bounded:
// a restart forgets, which only shortens a wait.
export const FREE_FAILURES = 10;
const FIRST_WAIT_MS = 1000;
const MAX_WAIT_MS = 15 * 60_000;
const MAX_CLIENTS = 10_000;

interface ClientState { failures: number; blockedUntil: number }

export class LoginBackoff {
  private readonly clients = new Map<string, ClientState>();
  constructor(private readonly now: () => number = Date.now) {}

  /** Milliseconds the client must still wait (0 = it may try). */
  waitMs(client: string): number {
    const s = this.clients.get(client);
    return s ? Math.max(0, s.blockedUntil - this.now()) : 0;
  }

  failed(client: string): void {
    const s = this.clients.get(client) ?? { failures: 0, blockedUntil: 0 };
    s.failures++;
    if (s.failures >= FREE_FAILURES) s.blockedUntil = this.now() + Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** (s.failures - FREE_FAILURES));
    // Re-insert so that the Map's order is least recently failed first; drop the oldest beyond the bound.
    this.clients.delete(client);
    this.clients.set(client, s);
    if (this.clients.size > MAX_CLIENTS) this.clients.delete(this.clients.keys().next().value!);
  }

  succeeded(client: string): void {
    this.clients.delete(client);
  }
}
