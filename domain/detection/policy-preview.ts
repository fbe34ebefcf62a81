// What the policy would do with findings of one address under a configuration, before any intel: the same pure
// decide() the threat workflow runs, fed the merged sighting evidence, the sighting-only intel and the rule-based
// proposal. Used by `palisade detect` and by the calibration tests (the scale in behaviours.ts meets the policy here).
import type { PolicyConfig } from '../config';
import { emptyEvidence, mergeSighting } from '../evidence';
import { intelFromEvidence } from '../intel-from-evidence';
import { decide } from '../policy';
import { proposeByRules } from '../rule-proposer';
import type { Sighting, ThreatOutcome, ThreatStatus } from '../types';

export interface PolicyPreview {
  /** pending_review and blocked (auto) are statuses a threat reaches; recorded / skipped_never_block are outcomes. */
  result: Extract<ThreatStatus, 'pending_review'> | 'auto' | Extract<ThreatOutcome, 'recorded' | 'skipped_never_block'>;
  reasons: string[];
}

export function previewPolicy(ip: string, sightings: Sighting[], policy: PolicyConfig, now: string): PolicyPreview {
  const evidence = sightings.reduce(mergeSighting, emptyEvidence(ip, now));
  const intel = intelFromEvidence({ ip, evidence });
  const d = policy.durations;
  const proposal = proposeByRules({
    ip, evidence, intel, history: { priorBlocks: 0 },
    bounds: { minHours: d.minHours, maxHours: d.maxHours, ladderHours: d.ladderHours, repeatOffenderThreshold: d.repeatOffenderThreshold, autoThreshold: policy.thresholds.auto },
  });
  const decision = decide({ ip, evidence, intel, policy, allowlist: [], priorBlocks: 0, now, proposal });
  const result = decision.kind === 'review' ? 'pending_review' : decision.kind === 'auto' ? 'auto' : decision.kind === 'skip_never_block' ? 'skipped_never_block' : 'recorded';
  return { result, reasons: decision.reasons };
}
