// The rate governor's sliding window: at most N unattended actions per window. Human approvals are never
// refused but are counted, so a burst of approvals also slows the automation that follows it.
import type { GovernorVerdict } from './types';

export interface GovernorAction {
  at: string;
  kind: 'auto' | 'human';
  /** Idempotency key: the threat workflow id and cycle. */
  key: string;
  ip: string;
  granted: boolean;
}

export interface GovernorState {
  actions: GovernorAction[];
}

export interface GovernorLimits {
  cap: number;
  windowMinutes: number;
}

export function pruneWindow(state: GovernorState, nowMs: number, windowMinutes: number): GovernorState {
  const from = nowMs - windowMinutes * 60_000;
  return { actions: state.actions.filter((a) => Date.parse(a.at) > from) };
}

const counted = (s: GovernorState) => s.actions.filter((a) => a.granted);

export function verdict(state: GovernorState, limits: GovernorLimits, granted: boolean): GovernorVerdict {
  const c = counted(state);
  const used = c.length;
  // While the window is full, no request can be granted before the oldest counted action leaves it: counted
  // actions only ever age out, they are never withdrawn. Workers rely on this to refuse locally (governor-client).
  const full = used >= limits.cap;
  const oldest = c[Math.max(0, used - limits.cap)];
  return {
    granted, used, cap: limits.cap, windowMinutes: limits.windowMinutes,
    nextSlotAt: full && oldest ? new Date(Date.parse(oldest.at) + limits.windowMinutes * 60_000).toISOString() : undefined,
  };
}

/**
 * Until when a worker may answer "refused" without asking, given the governor's latest verdict for these limits:
 * the time a slot frees up when the window is full, otherwise never (0).
 */
export function fullWindowUntil(v: GovernorVerdict): number {
  return v.used >= v.cap && v.nextSlotAt ? Date.parse(v.nextSlotAt) : 0;
}

/** Asks for one unattended action. Repeating the same key returns the first answer (activity retries are safe). */
export function reserveUnattended(state: GovernorState, limits: GovernorLimits, req: { key: string; ip: string }, nowMs: number): { state: GovernorState; verdict: GovernorVerdict } {
  const s = pruneWindow(state, nowMs, limits.windowMinutes);
  const previous = s.actions.find((a) => a.key === req.key && a.kind === 'auto');
  if (previous) return { state: s, verdict: verdict(s, limits, previous.granted) };
  const granted = counted(s).length < limits.cap;
  const action: GovernorAction = { at: new Date(nowMs).toISOString(), kind: 'auto', key: req.key, ip: req.ip, granted };
  const next = { actions: [...s.actions, action] };
  return { state: next, verdict: verdict(next, limits, granted) };
}

/** Records a human-approved action: never refused, always counted. */
export function recordHuman(state: GovernorState, limits: GovernorLimits, req: { key: string; ip: string }, nowMs: number): { state: GovernorState; verdict: GovernorVerdict } {
  const s = pruneWindow(state, nowMs, limits.windowMinutes);
  if (s.actions.some((a) => a.key === req.key && a.kind === 'human')) return { state: s, verdict: verdict(s, limits, true) };
  const next = { actions: [...s.actions, { at: new Date(nowMs).toISOString(), kind: 'human' as const, key: req.key, ip: req.ip, granted: true }] };
  return { state: next, verdict: verdict(next, limits, true) };
}
