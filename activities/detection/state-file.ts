// Small JSON state files under dataDir (scan cursors), written atomically (temp file + rename) under a lock, so a
// crash never leaves half a cursor and two workers never interleave a read-modify-write.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import lockfile from 'proper-lockfile';

export async function readJsonState<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as T;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (err instanceof SyntaxError) {
      // A corrupt cursor must not wedge the scan forever: keep it for inspection and start over.
      await fs.rename(file, `${file}.corrupt-${Date.now()}`).catch(() => undefined);
      return undefined;
    }
    throw err;
  }
}

export async function writeJsonState(file: string, value: unknown): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(value));
  await fs.rename(tmp, file);
}

/** Runs fn while holding an exclusive lock on `file` (the file itself need not exist). */
export async function withStateLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const release = await lockfile.lock(file, { realpath: false, stale: 120_000, retries: { retries: 20, minTimeout: 100, maxTimeout: 2000 } });
  try {
    return await fn();
  } finally {
    await release();
  }
}
