// Reads what was appended to a log file since the last run, like `tail -F`: survives rotation by rename (finishes the
// renamed file first), truncation (starts over), partial last lines (left for the next run) and over-long lines
// (skipped and counted). The cursor is plain JSON so the caller can persist it.
import { promises as fs, type Stats } from 'node:fs';
import path from 'node:path';

export interface FileCursor {
  dev: number;
  ino: number;
  /** Byte offset just after the last complete line consumed. */
  offset: number;
  /** True when the previous run stopped inside an over-long line: discard up to the next newline. */
  skipping?: boolean;
  /** Base64 of the file's first bytes (up to HEAD_BYTES): a different head at the same inode means the file was
   *  truncated and rewritten past our offset (copytruncate), which the size alone cannot tell. */
  head?: string;
}

const HEAD_BYTES = 64;

async function readHead(fh: fs.FileHandle, size: number): Promise<string> {
  const n = Math.min(HEAD_BYTES, size);
  if (n === 0) return '';
  const b = Buffer.alloc(n);
  const { bytesRead } = await fh.read(b, 0, n, 0);
  return b.subarray(0, bytesRead).toString('base64');
}

export interface FollowStats {
  bytesRead: number;
  lines: number;
  /** Lines longer than maxLineBytes (skipped). */
  overlongLines: number;
  rotated: boolean;
  truncated: boolean;
  /** Bytes of an incomplete last line left for the next run. */
  pendingBytes: number;
  missing: boolean;
}

export interface FollowOptions {
  maxBytes: number;
  maxLineBytes: number;
  chunkBytes?: number;
}

const NL = 0x0a;

async function statOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await fs.stat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** The renamed predecessor of `file` (same inode as the cursor), e.g. access.log.1 or access.log-20261122. */
async function findRotated(file: string, cursor: FileCursor): Promise<string | undefined> {
  const dir = path.dirname(file);
  const base = path.basename(file);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return undefined;
  }
  for (const name of names) {
    if (name === base || !name.startsWith(base)) continue;
    const st = await statOrUndefined(path.join(dir, name));
    if (st && st.ino === cursor.ino && st.dev === cursor.dev) return path.join(dir, name);
  }
  return undefined;
}

interface RangeResult { offset: number; skipping: boolean; pendingBytes: number; bytesRead: number }

/**
 * Reads [start, end) of an open file, calling onLine per complete line. `final` = the file will not grow (a rotated
 * predecessor): a last line without newline is delivered too.
 */
async function readRange(
  fh: fs.FileHandle, start: number, end: number, skippingIn: boolean, final: boolean,
  onLine: (line: string) => void, stats: FollowStats, opts: FollowOptions,
): Promise<RangeResult> {
  const chunkSize = opts.chunkBytes ?? 1024 * 1024;
  const buf = Buffer.allocUnsafe(chunkSize);
  let pos = start;
  let consumed = start;
  let skipping = skippingIn;
  let pending: Buffer | undefined;
  while (pos < end) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(chunkSize, end - pos), pos);
    if (bytesRead === 0) break;
    const chunkStart = pos;
    pos += bytesRead;
    let data = buf.subarray(0, bytesRead);
    let dataStart = chunkStart;
    if (pending) {
      data = Buffer.concat([pending, data]);
      dataStart = chunkStart - pending.length;
      pending = undefined;
    }
    let lineStart = 0;
    for (;;) {
      const nl = data.indexOf(NL, lineStart);
      if (nl < 0) break;
      if (skipping) {
        skipping = false;
      } else if (nl - lineStart > opts.maxLineBytes) {
        stats.overlongLines++;
      } else {
        let lineEnd = nl;
        if (lineEnd > lineStart && data[lineEnd - 1] === 0x0d) lineEnd--;
        stats.lines++;
        onLine(data.toString('utf8', lineStart, lineEnd));
      }
      lineStart = nl + 1;
      consumed = dataStart + lineStart;
    }
    if (lineStart < data.length) {
      const rest = data.subarray(lineStart);
      if (skipping || rest.length > opts.maxLineBytes) {
        // Inside an over-long line: drop what we have and skip to its newline.
        if (!skipping) stats.overlongLines++;
        skipping = true;
        consumed = dataStart + data.length;
      } else {
        pending = Buffer.from(rest);
      }
    }
  }
  let pendingBytes = pending?.length ?? 0;
  if (final && pending && !skipping) {
    stats.lines++;
    onLine(pending.toString('utf8'));
    consumed += pending.length;
    pendingBytes = 0;
  }
  return { offset: consumed, skipping, pendingBytes, bytesRead: pos - start };
}

/** Delivers the lines appended to `file` since `cursor` and returns the new cursor (undefined while the file is absent). */
export async function readAppendedLines(
  file: string, cursor: FileCursor | undefined, onLine: (line: string) => void, opts: FollowOptions,
): Promise<{ cursor: FileCursor | undefined; stats: FollowStats }> {
  const stats: FollowStats = { bytesRead: 0, lines: 0, overlongLines: 0, rotated: false, truncated: false, pendingBytes: 0, missing: false };
  let budget = opts.maxBytes;
  let cur = cursor;
  let st = await statOrUndefined(file);
  if (cur && (!st || st.ino !== cur.ino || st.dev !== cur.dev)) {
    // Rotated by rename (or deleted): finish the old file if we can still find it, then start the new one at 0.
    stats.rotated = true;
    const old = await findRotated(file, cur);
    if (old) {
      const fh = await fs.open(old, 'r');
      try {
        const size = (await fh.stat()).size;
        const end = Math.min(size, cur.offset + budget);
        const r = await readRange(fh, cur.offset, end, cur.skipping ?? false, end === size, onLine, stats, opts);
        stats.bytesRead += r.bytesRead;
        budget -= r.bytesRead;
        if (end < size) {
          // Out of budget inside the old file: keep following it next run.
          stats.pendingBytes = r.pendingBytes;
          return { cursor: { dev: cur.dev, ino: cur.ino, offset: r.offset, skipping: r.skipping }, stats };
        }
      } finally {
        await fh.close();
      }
    }
    cur = undefined;
  }
  st = await statOrUndefined(file);
  if (!st) {
    stats.missing = true;
    return { cursor: cur, stats };
  }
  const fh = await fs.open(file, 'r');
  try {
    const fst = await fh.stat();
    if (!cur || cur.ino !== fst.ino || cur.dev !== fst.dev) cur = { dev: fst.dev, ino: fst.ino, offset: 0 };
    const head = await readHead(fh, fst.size);
    const was = cur.head !== undefined ? Buffer.from(cur.head, 'base64') : undefined;
    const is = Buffer.from(head, 'base64');
    const headChanged = was !== undefined && cur.offset > 0 && !(is.length >= was.length && is.subarray(0, was.length).equals(was));
    if (fst.size < cur.offset || headChanged) {
      stats.truncated = true;
      cur = { dev: fst.dev, ino: fst.ino, offset: 0 };
    }
    const end = Math.min(fst.size, cur.offset + Math.max(0, budget));
    const r = await readRange(fh, cur.offset, end, cur.skipping ?? false, false, onLine, stats, opts);
    stats.bytesRead += r.bytesRead;
    stats.pendingBytes = r.pendingBytes;
    const newHead = await readHead(fh, Math.min(r.offset, HEAD_BYTES));
    return { cursor: { dev: fst.dev, ino: fst.ino, offset: r.offset, head: newHead, ...(r.skipping ? { skipping: true } : {}) }, stats };
  } finally {
    await fh.close();
  }
}
