// The built-in rule-based proposer: the answer when no LLM is configured, and the fallback when one fails.
import { hourlyVolume } from './evidence';
import type { Proposal, ProposeInput } from './types';

export const HIGH_VOLUME_PER_HOUR = 50;
const PERSISTENT = { otxPulses: 5, abuseScore: 70 };

export function proposeByRules(input: ProposeInput): Proposal {
  const { intel, evidence, history, bounds } = input;
  const target = input.ip.includes(':') ? `${input.ip}/128` : `${input.ip}/32`;
  const base = { target, origin: 'rules' as const, recommendPermanent: false };
  if (intel.likelyFalsePositive) {
    return { ...base, action: 'no_action', durationHours: 0, confidence: 0.8, reason: 'intel marks the address as a likely false positive (CDN, crawler or known-benign service)' };
  }
  const reasons: string[] = [];
  const n = history.priorBlocks;
  const score = Math.max(intel.compositeScore, evidence.maxScore);
  let hours = bounds.ladderHours[Math.min(n, bounds.ladderHours.length - 1)];
  if (n === 0) {
    // Prior art's guide: a first sighting gets 24 h, a borderline one (below the auto bar) 12 h.
    const strong = bounds.autoThreshold !== undefined && score >= bounds.autoThreshold;
    hours = strong ? Math.max(hours, 24) : hours;
    reasons.push(strong ? `first block with strong evidence (score ${score} ≥ ${bounds.autoThreshold}): ${hours} h` : `first block: ${hours} h`);
  } else {
    reasons.push(`${n} earlier block${n === 1 ? '' : 's'}: ${hours} h`);
  }
  if ((intel.otxPulses ?? 0) > PERSISTENT.otxPulses || (intel.abuseScore ?? 0) > PERSISTENT.abuseScore) {
    if (hours < 72) reasons.push('persistent threat (OTX pulses > 5 or abuse score > 70): 72 h');
    hours = Math.max(hours, 72);
  }
  const volume = hourlyVolume(evidence);
  if (volume >= HIGH_VOLUME_PER_HOUR) {
    if (hours < 168) reasons.push(`high volume (${volume}/h ≥ ${HIGH_VOLUME_PER_HOUR}/h): 168 h`);
    hours = Math.max(hours, 168);
  }
  const repeatOffender = n >= bounds.repeatOffenderThreshold;
  if (repeatOffender) {
    reasons.push(`repeat offender (${n} earlier blocks): maximum duration, permanent block recommended`);
    hours = bounds.maxHours;
  }
  hours = Math.min(bounds.maxHours, Math.max(bounds.minHours, hours));
  return {
    ...base,
    action: 'block',
    durationHours: hours,
    recommendPermanent: repeatOffender,
    confidence: Math.round(Math.min(1, score / 100) * 100) / 100,
    reason: `score ${score}${evidence.observedAttack ? ', attack observed' : ''}${intel.knownBad || evidence.knownBad ? ', known bad' : ''}; ${reasons.join('; ')}`,
  };
}
