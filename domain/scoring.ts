// Composite threat score from the intel providers that answered. Pure.
//
//   component scores (0..100):
//     AbuseIPDB  abuseConfidenceScore
//     OTX        min(pulses, cap) / cap * 100          (cap defaults to 20 pulses)
//     GreyNoise  malicious 100, unknown+noise 50, unknown 0, benign 0
//   composite = Σ weight·component / Σ weight over the providers that answered  (weights 50 / 30 / 20 %)
//
// Renormalising means a missing provider neither drags the score to 0 nor inflates it; the notes say which weights
// were used. GreyNoise RIOT (a known business service: CDN, public DNS, ...) forces the score to 0, and a "benign"
// classification caps it at BENIGN_CAP; both set likelyFalsePositive. The policy still applies its own never-block
// rules on top (the score is advice, not permission).

export const SCORE_WEIGHTS = { abuseipdb: 0.5, otx: 0.3, greynoise: 0.2 } as const;
export const DEFAULT_OTX_PULSE_CAP = 20;
export const BENIGN_CAP = 20;
/** Known-bad thresholds: any one of these flags the IP as known-bad. */
export const KNOWN_BAD = { abuseScore: 50, otxPulses: 3 } as const;

export interface ScoreInputs {
  /** AbuseIPDB abuseConfidenceScore, undefined when AbuseIPDB did not answer. */
  abuseScore?: number;
  /** OTX pulse_info.count; 0 for a miss (unknown IP), undefined when OTX did not answer. */
  otxPulses?: number;
  /** GreyNoise answer; a 404 "not observed" is { classification: 'unknown', noise: false, riot: false }. */
  greynoise?: { classification: 'benign' | 'malicious' | 'unknown'; noise: boolean; riot: boolean };
  otxPulseCap?: number;
}

export interface CompositeScore {
  /** 0..100, integer; undefined when no provider answered (callers then fall back to the sighting's own score). */
  score?: number;
  knownBad: boolean;
  likelyFalsePositive: boolean;
  components: { abuseipdb?: number; otx?: number; greynoise?: number };
  /** Sum of the weights of providers that answered (1 = all three). */
  weightUsed: number;
  notes: string[];
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));

export function greynoiseComponent(g: NonNullable<ScoreInputs['greynoise']>): number {
  if (g.classification === 'malicious') return 100;
  if (g.classification === 'benign' || g.riot) return 0;
  return g.noise ? 50 : 0;
}

export function compositeScore(inp: ScoreInputs): CompositeScore {
  const cap = inp.otxPulseCap && inp.otxPulseCap > 0 ? inp.otxPulseCap : DEFAULT_OTX_PULSE_CAP;
  const components: CompositeScore['components'] = {};
  const notes: string[] = [];
  if (inp.abuseScore !== undefined && Number.isFinite(inp.abuseScore)) components.abuseipdb = clamp(inp.abuseScore, 0, 100);
  if (inp.otxPulses !== undefined && Number.isFinite(inp.otxPulses)) components.otx = (clamp(inp.otxPulses, 0, cap) / cap) * 100;
  if (inp.greynoise) components.greynoise = greynoiseComponent(inp.greynoise);

  let weighted = 0;
  let weightUsed = 0;
  for (const k of Object.keys(SCORE_WEIGHTS) as (keyof typeof SCORE_WEIGHTS)[]) {
    const c = components[k];
    if (c === undefined) continue;
    weighted += SCORE_WEIGHTS[k] * c;
    weightUsed += SCORE_WEIGHTS[k];
  }
  weightUsed = Math.round(weightUsed * 100) / 100;
  let score = weightUsed > 0 ? Math.round(weighted / weightUsed) : undefined;
  if (weightUsed > 0 && weightUsed < 1) {
    const answered = Object.keys(components).join(', ');
    notes.push(`composite renormalised over ${answered} (${Math.round(weightUsed * 100)} % of the weight answered)`);
  }
  if (weightUsed === 0) notes.push('no scoring provider answered; composite score unavailable');

  let likelyFalsePositive = false;
  if (inp.greynoise?.riot) {
    likelyFalsePositive = true;
    if (score !== undefined && score > 0) notes.push(`GreyNoise RIOT (known business service) forces the score from ${score} to 0`);
    score = 0;
  } else if (inp.greynoise?.classification === 'benign') {
    likelyFalsePositive = true;
    if (score !== undefined && score > BENIGN_CAP) {
      notes.push(`GreyNoise classifies the IP as benign: score capped from ${score} to ${BENIGN_CAP}`);
      score = BENIGN_CAP;
    }
  }

  const knownBad =
    (components.abuseipdb ?? 0) >= KNOWN_BAD.abuseScore ||
    (inp.otxPulses ?? 0) >= KNOWN_BAD.otxPulses ||
    inp.greynoise?.classification === 'malicious';

  return { score, knownBad, likelyFalsePositive, components, weightUsed, notes };
}
