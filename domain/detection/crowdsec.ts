// CrowdSec Local API decisions as sightings. The bouncer stream (GET /v1/decisions/stream, X-Api-Key) answers
// {"new": [...] | null, "deleted": [...] | null}; each decision is {id, origin, scenario, scope, type, value, duration}
// (checked against crowdsec 1.4.6). What CrowdSec detected on the operator's own traffic (origin crowdsec, or an
// operator's cscli) is an attack observed on our edge; the community blocklist (CAPI, lists) is a feed's reputation.
import { z } from 'zod';
import { normaliseIp } from '../ip';
import type { Sighting } from '../types';

export const crowdsecDecisionSchema = z.object({
  id: z.number().int(),
  origin: z.string().max(100),
  scenario: z.string().max(500),
  scope: z.string().max(50),
  type: z.string().max(50),
  value: z.string().max(200),
  duration: z.string().max(100).optional(),
});
export type CrowdSecDecision = z.infer<typeof crowdsecDecisionSchema>;

export const crowdsecStreamSchema = z.object({
  new: z.array(crowdsecDecisionSchema).nullable().optional(),
  deleted: z.array(crowdsecDecisionSchema).nullable().optional(),
});

/** Where a decision's knowledge comes from: our own edge, or a shared blocklist. */
export const isCommunityOrigin = (origin: string) => ['capi', 'lists', 'community-blocklist'].includes(origin.toLowerCase());

/** Scores on the detection scale (domain/detection/behaviours.ts): a local CrowdSec ban is a confirmed attack. */
export const CROWDSEC_SCORE = { local: 85, community: 80 } as const;

export type DecisionOutcome = { kind: 'sighting'; ip: string; sighting: Sighting } | { kind: 'ignored'; reason: string };

export function decisionToSighting(d: CrowdSecDecision, observedAt: string, includeCommunity: boolean): DecisionOutcome {
  if (d.type.toLowerCase() !== 'ban') return { kind: 'ignored', reason: `decision ${d.id}: type ${d.type} is not a ban` };
  if (d.scope.toLowerCase() !== 'ip') return { kind: 'ignored', reason: `decision ${d.id}: scope ${d.scope} is not a single address` };
  const community = isCommunityOrigin(d.origin);
  if (community && !includeCommunity) return { kind: 'ignored', reason: `decision ${d.id}: community blocklist (crowdsec.includeCommunityBlocklist is false)` };
  const ip = normaliseIp(d.value);
  if (!ip.ok) return { kind: 'ignored', reason: `decision ${d.id}: not a valid address` };
  const scenario = d.scenario.slice(0, 200);
  return {
    kind: 'sighting',
    ip: ip.ip,
    sighting: {
      source: 'crowdsec',
      score: community ? CROWDSEC_SCORE.community : CROWDSEC_SCORE.local,
      direction: 'inbound',
      observedAt,
      ...(community ? { knownBad: true } : { observedAttack: true }),
      evidence: {
        summary: `CrowdSec ${d.type} decision ${d.id} (${d.origin}): ${scenario}${d.duration ? `, CrowdSec duration ${d.duration}` : ''}`,
        extra: {
          detector: 'crowdsec', scenario, crowdsecDecisionId: d.id, crowdsecOrigin: d.origin.slice(0, 50),
          ...(d.duration ? { crowdsecDuration: d.duration.slice(0, 50) } : {}),
        },
      },
    },
  };
}
