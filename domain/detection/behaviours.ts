// The behaviours the access-log detector recognises, and the one score scale they share with the policy.
//
// The scale is the policy's (domain/config/policy.ts defaults): below 80 a finding is recorded only; 80-94 is
// analysed and, in review mode or below the auto bar, waits for a human (`pending_review`); 95+ may act without a
// human in mode `auto`. A finding is "confirmed" (an attack Palisade observed itself) when its behaviour reached its
// trigger level; that is a separate fact from a feed's known-bad reputation (see Sighting.observedAttack).
//
// | behaviour          | counts (per client, leaky bucket)                      | recorded (< 80)              | pending review (80-94)                                  | 95+                           |
// |--------------------|--------------------------------------------------------|------------------------------|---------------------------------------------------------|-------------------------------|
// | secrets-scan       | requests to sensitive paths (path statuses)            | -                            | > 50 in ~1 min and ≥ 2 paths, or > 4 with a scanner UA: 80, +5 at ≥ 2× volume, +5 at ≥ 10 paths, +5 scanner UA | ≥ 2× volume and ≥ 25 paths (+10), ≥ 4× (+10) |
// | scanner-user-agent | requests with a known scanner user agent               | one request: 50              | more than 4 in the bucket (1 leaks per 2 min): 80; 100+ requests: 85 | -                  |
// | probing            | distinct paths answered 400/403/404 (no static files) | -                            | more than 30 distinct (1 leaks per 10 s): 80; 100+: 85; 300+: 90 | -                     |
// | path-traversal     | distinct targets with `../`, encoded forms, LFI files  | one dot-dot probe: 60        | a system file or stream wrapper (/etc/passwd, win.ini, file://): 80; more than 3 probes: 85; 10+: 90 | - |
// | admin-cve-probe    | distinct admin families; exploit (CVE) paths            | two admin families: 60       | an exploit path (phpunit eval-stdin, log4shell, ...): 80; more than 2 families or 3+ exploits: 85; 10+ exploits: 90 | - |
//
// At default settings (mode review, no intel keys) nothing reaches `auto`: every block waits for a human. In mode
// auto with the default bars, only a fast and broad secrets scan (≥ 2× the rate over ≥ 25 sensitive paths) acts
// alone, or a feed's composite score ≥ 95.
import type { DetectorConfig } from '../config/detection';

export const BEHAVIOURS = ['secrets-scan', 'scanner-user-agent', 'probing', 'path-traversal', 'admin-cve-probe'] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

export const SCORE = { recordScannerUa: 50, recordWeak: 60, confirmed: 80 } as const;

/** What one client did under one behaviour in the current episode (plain JSON, persisted between runs). */
export interface BehaviourTally {
  requests: number;
  /** Distinct keys (paths, families): at most MAX_DISTINCT kept; `distinctCount` keeps counting past it. */
  distinct: string[];
  distinctCount: number;
  /** Requests with a strong indicator (a system file, an exploit path). */
  strong: number;
  /** Distinct strong keys (exploit labels, LFI targets). */
  strongKeys: string[];
  statusCounts: Record<string, number>;
  paths: string[];
  userAgents: string[];
  scanners: string[];
  /** Traefik routers the requests went to (sample). */
  routers: string[];
  firstSeenMs: number;
  lastSeenMs: number;
}

export interface Assessment {
  score: number;
  /** Reached its trigger level: an attack observed, not merely something to note. */
  confirmed: boolean;
  reasons: string[];
}

const tier = (n: number, steps: [number, number][]) => steps.reduce((acc, [min, pts]) => (n >= min ? pts : acc), 0);

/** Secrets scan: `peak` is the bucket's highest level (≈ sensitive requests in about a minute). */
export function assessSecretsScan(
  t: { peak: number; distinct: number; scanner: boolean },
  cfg: Pick<DetectorConfig, 'sensitiveHitsAbove' | 'sensitiveHitsAboveWithScannerUa' | 'minDistinctPathsWithoutScannerUa'>,
): Assessment | undefined {
  const threshold = t.scanner ? cfg.sensitiveHitsAboveWithScannerUa : cfg.sensitiveHitsAbove;
  if (!(t.peak > threshold) || !(t.scanner || t.distinct >= cfg.minDistinctPathsWithoutScannerUa)) return undefined;
  const ratio = t.peak / cfg.sensitiveHitsAbove;
  const volume = tier(ratio, [[2, 5], [4, 10]]);
  const breadth = tier(t.distinct, [[10, 5], [25, 10]]);
  const tooling = t.scanner ? 5 : 0;
  const reasons = [`${Math.round(t.peak)} sensitive-path requests in about a minute over ${t.distinct} path(s) (more than ${threshold}${t.scanner ? ', lowered for a scanner user agent' : ''}): confirmed secrets scan ${SCORE.confirmed}`];
  if (volume) reasons.push(`volume +${volume} (${ratio.toFixed(1)}x the plain threshold)`);
  if (breadth) reasons.push(`breadth +${breadth} (${t.distinct} distinct sensitive paths)`);
  if (tooling) reasons.push('tooling +5 (scanner user agent)');
  return { score: Math.min(100, SCORE.confirmed + volume + breadth + tooling), confirmed: true, reasons };
}

export interface BucketSettings { capacity: number; leakSeconds: number }

/** Score of one behaviour tally whose bucket peaked at `peak`; undefined = nothing worth a sighting. */
export function assessBehaviour(b: Exclude<Behaviour, 'secrets-scan'>, t: BehaviourTally, peak: number, s: BucketSettings): Assessment | undefined {
  const over = peak > s.capacity;
  const horizon = `${s.capacity} (1 leaks every ${s.leakSeconds} s)`;
  switch (b) {
    case 'scanner-user-agent': {
      const who = t.scanners.join(', ');
      if (!over) return { score: SCORE.recordScannerUa, confirmed: false, reasons: [`scanner user agent ${who}: ${t.requests} request(s), below the bucket capacity ${horizon}`] };
      const score = t.requests >= 100 ? 85 : SCORE.confirmed;
      return { score, confirmed: true, reasons: [`scanner user agent ${who}: ${t.requests} requests overflowed the bucket of ${horizon}: ${score}`] };
    }
    case 'probing': {
      if (!over) return undefined;
      const score = SCORE.confirmed + tier(t.distinctCount, [[100, 5], [300, 10]]);
      return { score, confirmed: true, reasons: [`${t.distinctCount} distinct paths answered ${Object.keys(t.statusCounts).join('/')} overflowed the bucket of ${horizon}: ${score}`] };
    }
    case 'path-traversal': {
      const score = over ? 85 + tier(t.distinctCount, [[10, 5]]) : t.strong > 0 ? SCORE.confirmed : SCORE.recordWeak;
      const what = t.strongKeys.length ? ` (${t.strongKeys.join(', ')})` : '';
      return {
        score, confirmed: score >= SCORE.confirmed,
        reasons: [`${t.distinctCount} traversal / file-inclusion probe(s)${what}${over ? `, more than the bucket of ${horizon}` : ''}: ${score}`],
      };
    }
    case 'admin-cve-probe': {
      const exploits = t.strongKeys.length;
      const families = t.distinct.filter((d) => !t.strongKeys.includes(d)).length;
      const score = exploits >= 10 ? 90 : exploits >= 3 || over ? 85 : exploits > 0 ? SCORE.confirmed : families >= 2 ? SCORE.recordWeak : 0;
      // One admin family is what an administrator of that product looks like: nothing to report.
      if (score === 0) return undefined;
      const parts = [exploits ? `exploit probes: ${t.strongKeys.join(', ')}` : '', families ? `${families} admin-interface famil${families === 1 ? 'y' : 'ies'}` : ''].filter(Boolean);
      return { score, confirmed: score >= SCORE.confirmed, reasons: [`${parts.join('; ')}${over ? ` (more than ${s.capacity} families in the bucket)` : ''}: ${score}`] };
    }
  }
}
