// The verdict of a chaos run, from what each threat workflow says and what the firewall holds. Pure.
//   lost        a threat that did not reach what it should (no workflow, a failed outcome, a block that should be
//               held but is not on the firewall, an approved block never applied)
//   duplicated  an entry twice in the alias, a block applied more than once in a threat's history, or a threat
//               reopened into a later cycle (every chaos IP is sighted once: a second case is its evidence
//               processed twice, e.g. a retried scan's sightings opening a second block)
//   orphaned    an entry on the firewall that no held block wants (e.g. an expired block never lifted)
export type Expected = 'held' | 'expired' | 'rejected';

export interface ThreatView {
  ip: string;
  cycle?: number;
  status?: string;
  outcome?: string;
  enforcement?: { step: string }[];
  block?: { target?: string; liftedAt?: string; permanent?: boolean };
}

export interface AuditInput {
  expected: Map<string, Expected>;
  /** What each threat workflow reports (undefined: no workflow for that IP). */
  states: Map<string, ThreatView | undefined>;
  /** Every address in the block alias. */
  firewall: string[];
  /** Addresses the operator put there (not Palisade's). */
  operatorEntries: string[];
  /** Targets held by earlier scenarios on the same firewall (they must still be there). */
  heldBefore: string[];
}

export interface AuditResult {
  threats: number;
  held: number;
  expired: number;
  rejected: number;
  lost: number;
  duplicated: number;
  orphaned: number;
  problems: string[];
}

export const targetOf = (ip: string) => `${ip}/${ip.includes(':') ? 128 : 32}`;

export function audit(input: AuditInput): AuditResult {
  const problems: string[] = [];
  const lost = new Set<string>();
  const duplicated = new Set<string>();
  const orphaned = new Set<string>();
  const counts = new Map<string, number>();
  for (const a of input.firewall) counts.set(a, (counts.get(a) ?? 0) + 1);
  for (const [a, n] of counts) {
    if (n > 1) {
      duplicated.add(a);
      problems.push(`${a} is ${n} times in the alias`);
    }
  }
  const wanted = new Set([...input.operatorEntries, ...input.heldBefore]);
  let held = 0;
  let expired = 0;
  let rejected = 0;
  for (const [ip, want] of input.expected) {
    const s = input.states.get(ip);
    const target = targetOf(ip);
    if (!s) {
      lost.add(ip);
      problems.push(`${ip}: no threat workflow`);
      continue;
    }
    const applies = (s.enforcement ?? []).filter((e) => e.step === 'apply').length;
    if ((s.cycle ?? 1) > 1) {
      duplicated.add(ip);
      problems.push(`${ip}: reopened into cycle ${s.cycle} (its one sighting was processed again)`);
    }
    if (applies > 1) {
      duplicated.add(ip);
      problems.push(`${ip}: applied ${applies} times`);
    }
    if (want === 'held') {
      wanted.add(target);
      if (s.status === 'blocked' && s.block?.permanent && counts.has(target) && applies === 1) held++;
      else {
        lost.add(ip);
        problems.push(`${ip}: should be held; status ${s.status}, outcome ${s.outcome ?? '-'}, on the firewall: ${counts.has(target)}`);
      }
    } else if (want === 'expired') {
      if (s.outcome === 'expired' && s.block?.liftedAt && applies === 1) expired++;
      else {
        lost.add(ip);
        problems.push(`${ip}: should have expired and been lifted; status ${s.status}, outcome ${s.outcome ?? '-'}, applies ${applies}`);
      }
    } else if (s.outcome === 'rejected' && applies === 0) {
      rejected++;
    } else {
      lost.add(ip);
      problems.push(`${ip}: should be rejected and never applied; outcome ${s.outcome ?? '-'}, applies ${applies}`);
    }
  }
  for (const a of input.heldBefore) {
    if (!counts.has(a)) {
      lost.add(a);
      problems.push(`${a}: held by an earlier scenario, gone from the firewall`);
    }
  }
  for (const a of counts.keys()) {
    if (!wanted.has(a)) {
      orphaned.add(a);
      problems.push(`${a} is on the firewall but no held block wants it`);
    }
  }
  return { threats: input.expected.size, held, expired, rejected, lost: lost.size, duplicated: duplicated.size, orphaned: orphaned.size, problems };
}
