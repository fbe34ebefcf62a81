// Approvals are bound to a case, not to an address. A signed link stays valid for days and a Discord review message
// stays in the channel forever; both name an IP, and one IP has many cases over time (cycles, and new workflows once
// an old one is forgotten). Without a binding, an unused link or an old button approves a later case of the same IP
// with a different proposal. So when a review opens, the workflow issues a case reference: its cycle plus a nonce
// (deterministic workflow randomness, so a new workflow of the same IP at cycle 1 gets a different one). Every link
// and button embeds it; channels where an operator looks at the case (review page, API, CLI) send the one they saw.
import type { ApprovalChannel } from './types';

/** Channels whose decision was issued earlier as a token: without a case reference it is refused. */
export const CASE_REQUIRED_CHANNELS = ['signed-link', 'discord'] as const satisfies readonly ApprovalChannel[];

export interface CaseRef {
  cycle: number;
  nonce: string;
}

const NONCE = /^[0-9a-z]{8,32}$/;
const MAX_REF_LENGTH = 48;

/** `<cycle>-<nonce>`, e.g. `3-9f2c4e1a7b3d`: no character of an IP address, so it can follow one in a button id. */
export function formatCaseRef(c: CaseRef): string {
  return `${c.cycle}-${c.nonce}`;
}

/** A nonce from a UUID the workflow drew (uuid4() in workflow code is replay-safe). */
export function caseNonceFromUuid(uuid: string): string {
  return uuid.replace(/-/g, '').toLowerCase().slice(0, 12);
}

export function parseCaseRef(s: unknown): CaseRef | undefined {
  if (typeof s !== 'string' || s.length > MAX_REF_LENGTH) return undefined;
  const dash = s.indexOf('-');
  if (dash < 1 || dash > 9) return undefined;
  const cycleText = s.slice(0, dash);
  const nonce = s.slice(dash + 1);
  if (!/^[1-9][0-9]*$/.test(cycleText) || !NONCE.test(nonce)) return undefined;
  return { cycle: Number(cycleText), nonce };
}

const WHAT: Partial<Record<ApprovalChannel, string>> = { 'signed-link': 'link', discord: 'button' };

/**
 * Does a decision's case reference match the review pending now? `pending` is the reference the workflow issued
 * when the review opened (undefined for a review opened by a workflow version without case binding, where nothing
 * can be checked). Called only once the threat is known to be pending review.
 */
export function checkCaseBinding(given: unknown, pending: string | undefined, channel: ApprovalChannel): string | undefined {
  const what = WHAT[channel] ?? 'decision';
  const ref = given === undefined ? undefined : parseCaseRef(given);
  if (given !== undefined && !ref) return 'case must be a case reference like "3-9f2c4e1a7b3d" (<cycle>-<nonce>), as the threat\'s state shows under review.case';
  const now = pending ? parseCaseRef(pending) : undefined;
  if (!now) return undefined;
  if (!ref) {
    if (!(CASE_REQUIRED_CHANNELS as readonly string[]).includes(channel)) return undefined;
    return `this ${what} names no case, so it cannot be checked against the review pending now (case ${now.cycle}, ${pending}): ${channel === 'signed-link' ? 'mint a new link' : 'use /status <ip> for current buttons'}`;
  }
  if (ref.cycle !== now.cycle) return `this ${what} was for case ${ref.cycle}; case ${now.cycle} is pending (${pending})`;
  if (ref.nonce !== now.nonce) {
    return `this ${what} was for case ${ref.cycle} of an earlier workflow of this address (${formatCaseRef(ref)}); the review pending now is ${pending}`;
  }
  return undefined;
}
