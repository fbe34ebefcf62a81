// The rate governor's sliding window: at most N unattended actions per window. Human approvals are never
// refused but are counted, so a burst of approvals also slows the automation that follows it.
//
// The state stays small however many actions a window holds (it is the governor's continue-as-new payload, and
// the server refuses payloads over 2 MB):
// - counted actions are kept as counts per time bucket, at most about BUCKETS_PER_WINDOW buckets per window;
// - the answers kept for idempotent retries are only the most recent ones (RECENT_LIMIT, within RECENT_HORIZON_MS).
// An action counts from its bucket's end, not its own time, so it may leave the window up to one bucket later than
// it would exactly: the window never frees a slot early, it can only grant later.
import type { GovernorVerdict } from './types';

export interface GovernorAction {
  at: string;
  kind: 'auto' | 'human';
  /** Idempotency key: the threat workflow id and cycle. */
  key: string;
  ip: string;
  granted: boolean;
}

/** Counted actions (grants and human approvals) whose time falls in the bucket ending at `until` (ISO). */
export interface GovernorBucket {
  until: string;
  count: number;
}

export interface GovernorState {
  /** Counted actions per bucket, oldest first. */
  counted: GovernorBucket[];
  /** The latest answers, oldest first: a repeated key gets its first answer; operators see recent activity. */
  recent: GovernorAction[];
}

/** The state of a run started or continued before the state was bucketed: every answer, one entry each. */
export interface LegacyGovernorState {
  actions: GovernorAction[];
}

export interface GovernorLimits {
  cap: number;
  windowMinutes: number;
}

export const BUCKETS_PER_WINDOW = 500;
export const RECENT_LIMIT = 1000;
/** Retries of a request come within minutes (activity retries, a workflow task retried on another worker). */
export const RECENT_HORIZON_MS = 15 * 60_000;

export const emptyGovernorState = (): GovernorState => ({ counted: [], recent: [] });

/** Accepts either state shape (a run continued by the previous version passes the old one). */
export function governorStateFrom(input: Partial<GovernorState & LegacyGovernorState> | undefined, limits: GovernorLimits = { cap: 0, windowMinutes: 60 }): GovernorState {
  let state: GovernorState = { counted: [...(input?.counted ?? [])], recent: [...(input?.recent ?? [])] };
  for (const a of input?.actions ?? []) {
    state = a.granted ? countAction(state, limits.windowMinutes, Date.parse(a.at)) : state;
    state = remember(state, a);
  }
  return state;
}

/** The bucket width for a window: whole seconds, so that a window holds at most about BUCKETS_PER_WINDOW. */
export function bucketMs(windowMinutes: number): number {
  return Math.max(1000, Math.ceil((windowMinutes * 60_000) / BUCKETS_PER_WINDOW / 1000) * 1000);
}

export function pruneWindow(state: GovernorState, nowMs: number, windowMinutes: number): GovernorState {
  const from = nowMs - windowMinutes * 60_000;
  const horizon = nowMs - Math.min(RECENT_HORIZON_MS, windowMinutes * 60_000);
  return {
    counted: dropOlder(state.counted, (b) => b.until, from),
    recent: dropOlder(state.recent, (a) => a.at, horizon).slice(-RECENT_LIMIT),
  };
}

/** Both lists are in time order: only their heads can be too old (this runs for every request of a burst). */
function dropOlder<T>(items: T[], time: (item: T) => string, from: number): T[] {
  let i = 0;
  while (i < items.length && Date.parse(time(items[i])) <= from) i += 1;
  return i === 0 ? items : items.slice(i);
}

const used = (s: GovernorState) => s.counted.reduce((n, b) => n + b.count, 0);

export function verdict(state: GovernorState, limits: GovernorLimits, granted: boolean): GovernorVerdict {
  const inWindow = used(state);
  // While the window is full, no request can be granted before enough counted actions leave it: counted actions
  // only ever age out, they are never withdrawn. Workers rely on this to refuse locally (governor-client).
  const full = inWindow >= limits.cap;
  let nextSlotAt: string | undefined;
  if (full) {
    // The window has room again once `inWindow - cap + 1` actions have left it, oldest bucket first.
    let toLeave = inWindow - limits.cap + 1;
    for (const b of state.counted) {
      toLeave -= b.count;
      if (toLeave <= 0) {
        nextSlotAt = new Date(Date.parse(b.until) + limits.windowMinutes * 60_000).toISOString();
        break;
      }
    }
  }
  return { granted, used: inWindow, cap: limits.cap, windowMinutes: limits.windowMinutes, nextSlotAt };
}

/**
 * Until when a worker may answer "refused" without asking, given the governor's latest verdict for these limits:
 * the time a slot frees up when the window is full, otherwise never (0).
 */
export function fullWindowUntil(v: GovernorVerdict): number {
  return v.used >= v.cap && v.nextSlotAt ? Date.parse(v.nextSlotAt) : 0;
}

function countAction(state: GovernorState, windowMinutes: number, atMs: number): GovernorState {
  const width = bucketMs(windowMinutes);
  const until = new Date(Math.ceil((atMs + 1) / width) * width).toISOString();
  const counted = [...state.counted];
  // Buckets are kept in order of their end; a new action almost always lands in the last one.
  let i = counted.length;
  while (i > 0 && Date.parse(counted[i - 1].until) > Date.parse(until)) i -= 1;
  if (i > 0 && counted[i - 1].until === until) counted[i - 1] = { until, count: counted[i - 1].count + 1 };
  else counted.splice(i, 0, { until, count: 1 });
  return { ...state, counted };
}

function remember(state: GovernorState, action: GovernorAction): GovernorState {
  return { ...state, recent: [...state.recent, action].slice(-RECENT_LIMIT) };
}

/** Asks for one unattended action. Repeating the same key returns the first answer (activity retries are safe). */
export function reserveUnattended(state: GovernorState, limits: GovernorLimits, req: { key: string; ip: string }, nowMs: number): { state: GovernorState; verdict: GovernorVerdict } {
  const s = pruneWindow(state, nowMs, limits.windowMinutes);
  const previous = s.recent.find((a) => a.key === req.key && a.kind === 'auto');
  if (previous) return { state: s, verdict: verdict(s, limits, previous.granted) };
  const granted = used(s) < limits.cap;
  const action: GovernorAction = { at: new Date(nowMs).toISOString(), kind: 'auto', key: req.key, ip: req.ip, granted };
  const next = remember(granted ? countAction(s, limits.windowMinutes, nowMs) : s, action);
  return { state: next, verdict: verdict(next, limits, granted) };
}

/** Records a human-approved action: never refused, always counted. */
export function recordHuman(state: GovernorState, limits: GovernorLimits, req: { key: string; ip: string }, nowMs: number): { state: GovernorState; verdict: GovernorVerdict } {
  const s = pruneWindow(state, nowMs, limits.windowMinutes);
  if (s.recent.some((a) => a.key === req.key && a.kind === 'human')) return { state: s, verdict: verdict(s, limits, true) };
  const action: GovernorAction = { at: new Date(nowMs).toISOString(), kind: 'human', key: req.key, ip: req.ip, granted: true };
  const next = remember(countAction(s, limits.windowMinutes, nowMs), action);
  return { state: next, verdict: verdict(next, limits, true) };
}
