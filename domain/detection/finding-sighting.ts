// The sighting a behaviour finding becomes. Paths and user agents are attacker-controlled: capped here, sanitised
// downstream. The finding states what Palisade observed (observedAttack) and never claims a feed's reputation.
import type { Sighting } from '../types';
import type { BehaviourFinding } from './engine';

const BEHAVIOUR_TEXT: Record<BehaviourFinding['behaviour'], string> = {
  'secrets-scan': 'secrets scan',
  'scanner-user-agent': 'scanner user agent',
  probing: 'probing',
  'path-traversal': 'path traversal / file inclusion',
  'admin-cve-probe': 'admin-interface / exploit probing',
};

export function behaviourSummary(f: BehaviourFinding): string {
  const t = f.tally;
  const seconds = Math.max(0, Math.round((t.lastSeenMs - t.firstSeenMs) / 1000));
  const extra = t.scanners.length ? `, scanner user agent ${t.scanners.join(', ')}` : '';
  return `${BEHAVIOUR_TEXT[f.behaviour]}: ${t.requests} request(s), ${t.distinctCount} distinct, over ${seconds} s${extra}`;
}

export function behaviourFindingToSighting(
  f: BehaviourFinding, source: string, caps: { maxSamplePaths: number; maxSampleUserAgents: number }, extra: Record<string, string | number | boolean> = {},
): Sighting {
  const t = f.tally;
  return {
    source,
    score: f.score,
    direction: 'inbound',
    observedAt: new Date(t.lastSeenMs).toISOString(),
    observedAttack: f.confirmed,
    evidence: {
      summary: behaviourSummary(f),
      requestCount: t.requests,
      paths: t.paths.slice(0, caps.maxSamplePaths),
      userAgents: t.userAgents.slice(0, caps.maxSampleUserAgents),
      statusCounts: { ...t.statusCounts },
      windowStart: new Date(t.firstSeenMs).toISOString(),
      windowEnd: new Date(t.lastSeenMs).toISOString(),
      extra: {
        detector: f.behaviour,
        confirmed: f.confirmed,
        distinct: t.distinctCount,
        scoring: f.reasons.join('; ').slice(0, 500),
        ...(t.scanners.length ? { scanners: t.scanners.join(',') } : {}),
        ...(t.strongKeys.length ? { indicators: t.strongKeys.join('; ').slice(0, 300) } : {}),
        ...(t.routers.length ? { routers: t.routers.join(',') } : {}),
        ...extra,
      },
    },
  };
}

/**
 * One sighting per address per scan run: the behaviours seen are listed in the evidence (each with its score), the
 * sighting's score is the highest, and it is an observed attack when any behaviour reached its trigger level. One
 * signal per address keeps the threat's history small when a scanner trips several detectors at once.
 */
export function findingsToSightings(
  findings: BehaviourFinding[], source: string, caps: { maxSamplePaths: number; maxSampleUserAgents: number }, extra: Record<string, string | number | boolean> = {},
): { ip: string; sighting: Sighting }[] {
  const byIp = new Map<string, BehaviourFinding[]>();
  for (const f of findings) byIp.set(f.ip, [...(byIp.get(f.ip) ?? []), f]);
  const out: { ip: string; sighting: Sighting }[] = [];
  for (const [ip, list] of byIp) {
    const sorted = [...list].sort((a, b) => b.score - a.score);
    const [top] = sorted;
    if (sorted.length === 1) {
      out.push({ ip, sighting: behaviourFindingToSighting(top, source, caps, extra) });
      continue;
    }
    const base = behaviourFindingToSighting(top, source, caps, extra);
    const union = (pick: (f: BehaviourFinding) => string[], cap: number) => [...new Set(sorted.flatMap(pick))].slice(0, cap);
    const statusCounts: Record<string, number> = {};
    // Requests counted by several behaviours are the same requests: keep the largest tally's statuses.
    const widest = sorted.reduce((a, b) => (b.tally.requests > a.tally.requests ? b : a));
    Object.assign(statusCounts, widest.tally.statusCounts);
    out.push({
      ip,
      sighting: {
        ...base,
        observedAt: new Date(Math.max(...sorted.map((f) => f.tally.lastSeenMs))).toISOString(),
        observedAttack: sorted.some((f) => f.confirmed),
        evidence: {
          ...base.evidence,
          summary: sorted.map(behaviourSummary).join('; ').slice(0, 600),
          requestCount: widest.tally.requests,
          paths: union((f) => f.tally.paths, caps.maxSamplePaths),
          userAgents: union((f) => f.tally.userAgents, caps.maxSampleUserAgents),
          statusCounts,
          windowStart: new Date(Math.min(...sorted.map((f) => f.tally.firstSeenMs))).toISOString(),
          windowEnd: new Date(Math.max(...sorted.map((f) => f.tally.lastSeenMs))).toISOString(),
          extra: {
            ...base.evidence.extra,
            detector: top.behaviour,
            behaviours: sorted.map((f) => `${f.behaviour}=${f.score}${f.confirmed ? '' : ' (recorded)'}`).join(', '),
            scoring: sorted.map((f) => f.reasons.join('; ')).join(' | ').slice(0, 500),
          },
        },
      },
    });
  }
  return out;
}
