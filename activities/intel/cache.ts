// A small TTL cache with LRU eviction, optionally persisted as one JSON file (under dataDir) so a worker restart
// does not re-spend a day's lookup budget. Writes are debounced and atomic (tmp + rename).
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';

interface Entry<V> {
  value: V;
  expiresAt: number;
}

export interface TtlCacheOptions {
  ttlMs: number;
  maxEntries?: number;
  /** JSON file to load from and save to; absent = memory only. */
  file?: string;
  now?: () => number;
}

export class TtlCache<V> {
  private readonly map = new Map<string, Entry<V>>();
  private readonly now: () => number;
  private saving: Promise<void> | undefined;
  private dirty = false;

  constructor(private readonly opts: TtlCacheOptions) {
    this.now = opts.now ?? Date.now;
    if (opts.file) this.load(opts.file);
  }

  get(key: string): V | undefined {
    const e = this.map.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.map.delete(key);
      return undefined;
    }
    // Re-insert to mark as most recently used.
    this.map.delete(key);
    this.map.set(key, e);
    return e.value;
  }

  set(key: string, value: V, ttlMs = this.opts.ttlMs): void {
    this.map.delete(key);
    this.map.set(key, { value, expiresAt: this.now() + ttlMs });
    const max = this.opts.maxEntries ?? 10_000;
    while (this.map.size > max) this.map.delete(this.map.keys().next().value as string);
    this.dirty = true;
  }

  get size(): number {
    return this.map.size;
  }

  /** Writes the cache file now (no-op without a file). Concurrent calls share one write. */
  async flush(): Promise<void> {
    const file = this.opts.file;
    if (!file || !this.dirty) return this.saving;
    if (this.saving) await this.saving;
    this.dirty = false;
    const now = this.now();
    const entries = [...this.map].filter(([, e]) => e.expiresAt > now);
    this.saving = (async () => {
      await fs.mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await fs.writeFile(tmp, JSON.stringify({ version: 1, entries }), { mode: 0o600 });
      await fs.rename(tmp, file);
    })().finally(() => {
      this.saving = undefined;
    });
    return this.saving;
  }

  private load(file: string): void {
    let raw: string;
    try {
      raw = readFileSync(file, 'utf8');
    } catch {
      return; // first run
    }
    try {
      const data = JSON.parse(raw) as { version?: number; entries?: [string, Entry<V>][] };
      const now = this.now();
      for (const [k, e] of data.entries ?? []) if (e && typeof e.expiresAt === 'number' && e.expiresAt > now) this.map.set(k, e);
    } catch {
      // A corrupt cache file is only a lost cache: start empty, it is rewritten on the next flush.
    }
  }
}
