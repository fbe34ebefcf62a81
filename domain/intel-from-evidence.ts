// Intel built from the sightings themselves: used when no intel provider is configured (and as the floor when
// every provider is down). Confidence is "low" because nothing independent confirmed the sources.
import type { EnrichInput, ThreatIntel } from './types';

export function intelFromEvidence(input: EnrichInput): ThreatIntel {
  const e = input.evidence;
  return {
    ip: input.ip,
    compositeScore: e.maxScore,
    knownBad: e.knownBad,
    likelyFalsePositive: e.likelyFalsePositive,
    confidence: 'low',
    narrative: e.narratives[0],
    providers: [{ provider: 'sighting', status: 'ok', detail: `${e.sightingCount} sighting(s) from ${e.sources.join(', ')}` }],
    notes: ['intel built from the sighting data only'],
  };
}
