// Condition waits for tests, in a module of their own so that light helpers can use them without the API stack.

/** Polls until pred(value) holds; fails with the last value seen. A condition wait, not a timing assertion. */
export async function waitUntil<T>(read: () => Promise<T>, pred: (v: T) => boolean, what: string, attempts = 600): Promise<T> {
  let last: T | undefined;
  let lastErr: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      last = await read();
      if (pred(last)) return last;
    } catch (err) {
      lastErr = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; last value: ${JSON.stringify(last)?.slice(0, 500)}; last error: ${String(lastErr)}`);
}
