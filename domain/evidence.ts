// Merging sightings of one IP into one evidence record: duplicates enrich the evidence instead of re-alerting.
import { MAX_CASE_ADDRESSES } from './case-key';
import type { Direction, MergedEvidence, Sighting } from './types';

export const EVIDENCE_CAPS = { paths: 25, userAgents: 10, narratives: 3, narrativeChars: 1000, recent: 10, sources: 20 } as const;

function unionCapped(into: string[], add: string[] | undefined, cap: number, maxLen = 300): string[] {
  if (!add) return into;
  const out = [...into];
  for (const v of add) {
    const s = String(v).slice(0, maxLen);
    if (out.length >= cap) break;
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

/** A copy of the sighting safe to keep in `recent`: long lists trimmed so history stays small. */
function compact(s: Sighting): Sighting {
  return {
    ...s,
    evidence: {
      ...s.evidence,
      paths: s.evidence.paths?.slice(0, 5),
      userAgents: s.evidence.userAgents?.slice(0, 3),
      narrative: s.evidence.narrative?.slice(0, 300),
    },
  };
}

const stricter = (a: Direction, b: Direction): Direction => (a === 'outbound' || b === 'outbound' ? 'outbound' : 'inbound');

export function emptyEvidence(ip: string, at: string): MergedEvidence {
  return {
    ip, sightingCount: 0, firstSeen: at, lastSeen: at, sources: [], maxScore: 0, direction: 'inbound',
    knownBad: false, likelyFalsePositive: false, requestCount: 0, paths: [], userAgents: [], statusCounts: {},
    narratives: [], recent: [],
  };
}

export function mergeSighting(current: MergedEvidence, s: Sighting): MergedEvidence {
  const first = current.sightingCount === 0;
  const statusCounts = { ...current.statusCounts };
  for (const [k, v] of Object.entries(s.evidence.statusCounts ?? {})) statusCounts[k] = (statusCounts[k] ?? 0) + v;
  const narratives = s.evidence.narrative
    ? unionCapped(current.narratives, [s.evidence.narrative], EVIDENCE_CAPS.narratives, EVIDENCE_CAPS.narrativeChars)
    : current.narratives;
  return {
    ip: current.ip,
    sightingCount: current.sightingCount + 1,
    firstSeen: first || s.observedAt < current.firstSeen ? s.observedAt : current.firstSeen,
    lastSeen: first || s.observedAt > current.lastSeen ? s.observedAt : current.lastSeen,
    sources: unionCapped(current.sources, [s.source], EVIDENCE_CAPS.sources, 64),
    maxScore: Math.max(current.maxScore, clampScore(s.score)),
    direction: first ? s.direction : stricter(current.direction, s.direction),
    knownBad: current.knownBad || Boolean(s.knownBad),
    observedAttack: Boolean(current.observedAttack) || Boolean(s.observedAttack),
    // Any source calling it a likely false positive is enough to hold back: the conservative side for blocking.
    likelyFalsePositive: current.likelyFalsePositive || Boolean(s.likelyFalsePositive),
    requestCount: current.requestCount + Math.max(0, Math.floor(s.evidence.requestCount ?? 0)),
    paths: unionCapped(current.paths, s.evidence.paths, EVIDENCE_CAPS.paths),
    userAgents: unionCapped(current.userAgents, s.evidence.userAgents, EVIDENCE_CAPS.userAgents),
    statusCounts,
    narratives,
    recent: [...current.recent, compact(s)].slice(-EVIDENCE_CAPS.recent),
    ...mergeAddress(current, s),
  };
}

/** A prefix case keeps its distinct addresses (capped) and the latest one; single-address cases carry neither. */
function mergeAddress(current: MergedEvidence, s: Sighting): Pick<MergedEvidence, 'addresses' | 'latestAddress'> {
  if (typeof s.address !== 'string') return current.addresses ? { addresses: current.addresses, latestAddress: current.latestAddress } : {};
  const known = current.addresses ?? [];
  const addresses = known.includes(s.address) || known.length >= MAX_CASE_ADDRESSES ? known : [...known, s.address];
  const latest = current.latestAddress === undefined || current.sightingCount === 0 || s.observedAt >= current.lastSeen ? s.address : current.latestAddress;
  return { addresses, latestAddress: latest };
}

export function clampScore(n: number): number {
  if (!Number.isFinite(n)) return 0;
  return Math.min(100, Math.max(0, Math.round(n)));
}

/** Requests per hour over the evidence window (a window shorter than an hour counts as one hour). */
export function hourlyVolume(e: MergedEvidence): number {
  const spanHours = (Date.parse(e.lastSeen) - Date.parse(e.firstSeen)) / 3_600_000;
  const requests = Math.max(e.requestCount, e.sightingCount);
  return Math.round((requests / Math.max(spanHours, 1)) * 100) / 100;
}
