// How many threats one scan run may hand to threat workflows. Pure.
//
// Each case (workflow) a run signals may cost intel lookups, an LLM call and a review message, and an attacker who
// holds a /48 has 65,536 /64s. So one run signals at most `maxThreatsPerRun` cases, at most `maxThreatsPerPrefix`
// of them inside one wider prefix (IPv4 /24, IPv6 /48 by default), and at most `maxSightingsPerThreat` sightings per
// case. The strongest cases go first (score, then subject for a stable order); what is left out is counted and
// named so the scan's history says the cap bit.
import { compileRange } from './ip';

export interface ThreatCaps {
  maxThreatsPerRun: number;
  maxThreatsPerPrefix: number;
  prefixV4: number;
  prefixV6: number;
  maxSightingsPerThreat: number;
}

export interface CapCandidate {
  /** The case subject (address or IPv6 prefix, see case-key.ts). */
  subject: string;
  /** The host address of this sighting. */
  address: string;
  score: number;
}

export interface CapResult<T> {
  admitted: T[];
  /** Left out, each with why. */
  capped: Array<{ item: T; reason: string }>;
  /** One line for the scan's history when any cap bit, else undefined. */
  note?: string;
}

/** The wider prefix a case counts against ("203.0.113.0/24", "2001:db8:1::/48"). */
export function widePrefixOf(address: string, caps: Pick<ThreatCaps, 'prefixV4' | 'prefixV6'>): string {
  const len = address.includes(':') ? caps.prefixV6 : caps.prefixV4;
  return compileRange(`${address}/${len}`)?.cidr ?? address;
}

export function capThreats<T extends CapCandidate>(items: T[], caps: ThreatCaps): CapResult<T> {
  const byCase = new Map<string, T[]>();
  for (const it of items) byCase.set(it.subject, [...(byCase.get(it.subject) ?? []), it]);
  const cases = [...byCase.entries()]
    .map(([subject, list]) => ({ subject, list: [...list].sort((a, b) => b.score - a.score), score: Math.max(...list.map((x) => x.score)) }))
    .sort((a, b) => b.score - a.score || a.subject.localeCompare(b.subject));

  const admitted: T[] = [];
  const capped: CapResult<T>['capped'] = [];
  const perPrefix = new Map<string, number>();
  let threats = 0;
  const counts = { run: 0, prefix: 0, sightings: 0 };
  for (const c of cases) {
    const wide = widePrefixOf(c.list[0].address, caps);
    let reason: string | undefined;
    if (threats >= caps.maxThreatsPerRun) {
      reason = `run cap: ${caps.maxThreatsPerRun} threats per scan run`;
      counts.run += 1;
    } else if ((perPrefix.get(wide) ?? 0) >= caps.maxThreatsPerPrefix) {
      reason = `prefix cap: ${caps.maxThreatsPerPrefix} threats per ${wide} per scan run`;
      counts.prefix += 1;
    }
    if (reason) {
      for (const item of c.list) capped.push({ item, reason });
      continue;
    }
    threats += 1;
    perPrefix.set(wide, (perPrefix.get(wide) ?? 0) + 1);
    admitted.push(...c.list.slice(0, caps.maxSightingsPerThreat));
    for (const item of c.list.slice(caps.maxSightingsPerThreat)) {
      capped.push({ item, reason: `sighting cap: ${caps.maxSightingsPerThreat} sightings per threat per scan run` });
      counts.sightings += 1;
    }
  }
  if (capped.length === 0) return { admitted, capped };
  const parts = [
    counts.run ? `${counts.run} threat(s) over the run cap (${caps.maxThreatsPerRun})` : '',
    counts.prefix ? `${counts.prefix} threat(s) over the per-prefix cap (${caps.maxThreatsPerPrefix} per /${caps.prefixV4} or /${caps.prefixV6})` : '',
    counts.sightings ? `${counts.sightings} sighting(s) over the per-threat cap (${caps.maxSightingsPerThreat})` : '',
  ].filter(Boolean);
  const examples = [...new Set(capped.map((c) => c.item.subject))].slice(0, 5);
  return { admitted, capped, note: `cap reached: ${parts.join('; ')}; not submitted this run, e.g. ${examples.join(', ')}` };
}
