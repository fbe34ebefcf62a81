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
  const used = counted(state).length;
  const oldest = counted(state)[0];
  return {
    granted, used, cap: limits.cap, windowMinutes: limits.windowMinutes,
    nextSlotAt: !granted && oldest ? new Date(Date.parse(oldest.at) + limits.windowMinutes * 60_000).toISOString() : undefined,
  };
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
