// Per (client IP, window) counters: plain JSON so they can be persisted between scan runs.

export interface WindowTally {
  ip: string;
  windowStartMs: number;
  windowEndMs: number;
  /** Requests answered with a counted status (401/403, 404 if configured) on a sensitive path. */
  sensitiveHits: number;
  /** Status → count, over the sensitive hits. */
  statusCounts: Record<string, number>;
  /** Normalised sensitive path → hits (at most MAX_TRACKED_PATHS keys; see pathsTruncated). */
  paths: Record<string, number>;
  pathsTruncated: boolean;
  /** Path category (env-file, vcs, ...) → hits. */
  categories: Record<string, number>;
  /** User agent → requests, over the sensitive hits and scanner-UA requests (capped). */
  userAgents: Record<string, number>;
  /** Scanner names recognised in the user agents. */
  scannerAgents: string[];
  /** Requests in the window that carried a scanner user agent (any path, any status). */
  scannerUaRequests: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Set once a sighting was emitted for this window, so later runs never report it again. */
  reported: boolean;
}

export const MAX_TRACKED_PATHS = 500;
export const MAX_TRACKED_USER_AGENTS = 20;
const MAX_UA_LENGTH = 300;

export function newTally(ip: string, windowStartMs: number, windowMs: number): WindowTally {
  return {
    ip, windowStartMs, windowEndMs: windowStartMs + windowMs, sensitiveHits: 0, statusCounts: {}, paths: {},
    pathsTruncated: false, categories: {}, userAgents: {}, scannerAgents: [], scannerUaRequests: 0,
    firstSeenMs: Number.POSITIVE_INFINITY, lastSeenMs: 0, reported: false,
  };
}

export interface Observation {
  timeMs?: number;
  /** Set when the path is sensitive and the status is counted. */
  sensitive?: { path: string; category: string; status: number };
  userAgent?: string;
  scanner?: string;
  count: number;
}

export function observe(t: WindowTally, o: Observation): void {
  if (o.timeMs !== undefined) {
    if (o.timeMs < t.firstSeenMs) t.firstSeenMs = o.timeMs;
    if (o.timeMs > t.lastSeenMs) t.lastSeenMs = o.timeMs;
  }
  if (o.sensitive) {
    const { path, category, status } = o.sensitive;
    t.sensitiveHits += o.count;
    t.statusCounts[status] = (t.statusCounts[status] ?? 0) + o.count;
    t.categories[category] = (t.categories[category] ?? 0) + o.count;
    if (path in t.paths) t.paths[path] += o.count;
    else if (Object.keys(t.paths).length < MAX_TRACKED_PATHS) t.paths[path] = o.count;
    else t.pathsTruncated = true;
  }
  if (o.scanner) {
    t.scannerUaRequests += o.count;
    if (!t.scannerAgents.includes(o.scanner)) t.scannerAgents.push(o.scanner);
  }
  if (o.userAgent && (o.sensitive || o.scanner)) {
    const ua = o.userAgent.length > MAX_UA_LENGTH ? o.userAgent.slice(0, MAX_UA_LENGTH) : o.userAgent;
    if (ua in t.userAgents) t.userAgents[ua] += o.count;
    else if (Object.keys(t.userAgents).length < MAX_TRACKED_USER_AGENTS) t.userAgents[ua] = o.count;
  }
}

export const distinctPaths = (t: WindowTally) => Object.keys(t.paths).length;
