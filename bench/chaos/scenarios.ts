// The chaos scenarios. Each feeds scans through the access-log file source, decides the review cases through the
// API, injects its fault while that traffic is in flight, waits until every threat has settled, then audits.
//   R1  worker processes SIGKILLed at random points (and restarted), at least `kills` times
//   R2  the Temporal server restarted mid-run, twice
//   R3  the firewall unreachable (connection refused) for `outageMinutes` of real time, with short blocks
//   R7  the firewall's alias wiped; the reconciler must restore exactly the owned entries within one cycle
import { appendFile } from 'node:fs/promises';
import { scanLines, scannerIps } from '../../test/helpers/access-log';
import { audit, targetOf, type AuditResult, type Expected, type ThreatView } from './audit';
import { ALIAS, OPERATOR_ENTRY, type Topology } from './topology';

export type ScenarioName = 'R1' | 'R2' | 'R3' | 'R7';
export const SCENARIOS: readonly ScenarioName[] = ['R1', 'R2', 'R3', 'R7'];

export interface ScenarioResult extends AuditResult {
  scenario: ScenarioName;
  target: string;
  faults: number;
  seconds: number;
  /** R7: how long after the wipe the alias held every owned entry again; R3: outage length. */
  recoverySeconds?: number;
}

export interface ScenarioOptions {
  threats: number;
  kills: number;
  outageMinutes: number;
  /** Short approvals (R3) last as long as the auto blocks. */
  shortHours: number;
  settleTimeoutMs: number;
  log: (line: string) => void;
}

interface Plan {
  auto: string[];
  approveHeld: string[];
  approveShort: string[];
  reject: string[];
  expected: Map<string, Expected>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rand = (min: number, max: number) => min + Math.random() * (max - min);

/** Splits n fresh IPs: 50% auto (expire), 35% approved to be held, 15% rejected, unless overridden. */
function plan(n: number, offset: number, shares = { auto: 0.5, held: 0.35, short: 0, reject: 0.15 }): Plan {
  const ips = scannerIps(n, offset);
  const take = (k: number) => ips.splice(0, k);
  const auto = take(Math.round(n * shares.auto));
  const approveHeld = take(Math.round(n * shares.held));
  const approveShort = take(Math.round(n * shares.short));
  const reject = ips.splice(0);
  const expected = new Map<string, Expected>();
  for (const ip of auto) expected.set(ip, 'expired');
  for (const ip of approveHeld) expected.set(ip, 'held');
  for (const ip of approveShort) expected.set(ip, 'expired');
  for (const ip of reject) expected.set(ip, 'rejected');
  return { auto, approveHeld, approveShort, reject, expected };
}

async function feed(t: Topology, p: Plan) {
  const review = [...p.approveHeld, ...p.approveShort, ...p.reject];
  // Shuffled, so auto and review cases interleave in the log and in the scan's submissions.
  const lines = [...p.auto.map((ip) => scanLines(ip, 'auto')), ...review.map((ip) => scanLines(ip, 'review'))].sort(() => Math.random() - 0.5);
  await appendFile(t.accessLog, lines.join(''));
}

/** Decides each review case through the API as it becomes pending, until all are decided or `until` resolves. */
async function decideAsPending(t: Topology, p: Plan, o: ScenarioOptions, until: { done: boolean }) {
  const groups: { ips: Set<string>; body: Record<string, unknown> }[] = [
    { ips: new Set(p.approveHeld), body: { decision: 'approve' } },
    { ips: new Set(p.approveShort), body: { decision: 'approve', durationHours: o.shortHours } },
    { ips: new Set(p.reject), body: { decision: 'reject', comment: 'benign crawler' } },
  ];
  // Approved blocks that must be held through the run are made permanent by the operator once they are on.
  const toKeep = new Set(p.approveHeld);
  while (!until.done && (toKeep.size > 0 || groups.some((g) => g.ips.size > 0))) {
    try {
      if (groups.some((g) => g.ips.size > 0)) {
        const pending = await t.api('GET', '/api/threats?status=pending_review&limit=5000');
        const now = new Set<string>((pending.json.threats ?? []).map((x: { ip: string }) => x.ip));
        for (const g of groups) {
          const ips = [...g.ips].filter((ip) => now.has(ip));
          if (ips.length === 0) continue;
          const r = await t.api('POST', '/api/decisions/bulk', { ...g.body, approver: 'chaos', ips });
          for (const x of r.json.results ?? []) if (x.ok) g.ips.delete(x.ip);
        }
      }
      if (toKeep.size > 0) {
        const blocked = await t.api('GET', '/api/threats?status=blocked&limit=5000');
        for (const x of (blocked.json.threats ?? []) as { ip: string }[]) {
          if (!toKeep.has(x.ip)) continue;
          const r = await t.api('POST', `/api/threats/${x.ip}/hold`, { action: 'make_permanent', approver: 'chaos', reason: 'keep through the run' });
          if (r.status === 200) toKeep.delete(x.ip);
        }
      }
    } catch {
      // The API or Temporal is being restarted: try again.
    }
    await sleep(2000);
  }
}

function settled(want: Expected, s: { status?: string; outcome?: string } | undefined) {
  if (!s) return false;
  if (want === 'held') return s.status === 'blocked';
  return s.outcome === (want === 'expired' ? 'expired' : 'rejected') || s.outcome === 'failed';
}

/** Waits until every threat of the plan reports its expected end (visibility), or the timeout. */
async function settle(t: Topology, p: Plan, o: ScenarioOptions) {
  const deadline = Date.now() + o.settleTimeoutMs;
  let open = p.expected.size;
  let lastReport = Date.now();
  while (Date.now() < deadline) {
    try {
      const r = await t.api('GET', '/api/threats?limit=5000');
      const byIp = new Map<string, { status?: string; outcome?: string }>((r.json.threats ?? []).map((x: { ip: string }) => [x.ip, x]));
      const waiting = [...p.expected].filter(([ip, want]) => !settled(want, byIp.get(ip)));
      open = waiting.length;
      if (open === 0) return;
      if (Date.now() - lastReport > 30_000) {
        lastReport = Date.now();
        const tally = new Map<string, number>();
        for (const [ip, want] of waiting) {
          const s = byIp.get(ip);
          const k = `${want}←${s ? `${s.status}/${s.outcome ?? '-'}` : 'not listed'}`;
          tally.set(k, (tally.get(k) ?? 0) + 1);
        }
        o.log(`  waiting for ${open}: ${[...tally].map(([k, n]) => `${n} ${k}`).join(', ')}`);
      }
    } catch {
      // restarting
    }
    await sleep(3000);
  }
  o.log(`  ${open} threats had not settled after ${o.settleTimeoutMs / 1000} s (the audit says which)`);
}

async function states(t: Topology, ips: string[]): Promise<Map<string, ThreatView | undefined>> {
  const out = new Map<string, ThreatView | undefined>();
  const queue = [...ips];
  await Promise.all(Array.from({ length: 8 }, async () => {
    for (let ip = queue.shift(); ip; ip = queue.shift()) {
      // A state query that timed out on a loaded machine (stateError, or the API itself timing out) is asked
      // again: only a workflow that does not exist counts as "no workflow".
      for (let attempt = 1; ; attempt++) {
        const r = await t.api('GET', `/api/threats/${ip}`).catch(() => ({ status: 0, json: {} as Record<string, unknown> }));
        if (r.status === 200 && r.json.state) {
          out.set(ip, { ip, ...r.json.state });
          break;
        }
        if (r.status === 404 || attempt >= 10) {
          out.set(ip, undefined);
          break;
        }
        await sleep(3000);
      }
    }
  }));
  return out;
}

const aliasOf = (t: Topology) => t.firewall.aliases.find((a) => a.name === ALIAS)?.address ?? [];

/** Shared by every scenario: feed, decide, fault, settle, audit. */
async function runPlan(name: ScenarioName, t: Topology, p: Plan, o: ScenarioOptions, heldBefore: string[],
  fault: (until: { done: boolean }) => Promise<{ faults: number; recoverySeconds?: number }>): Promise<ScenarioResult> {
  const started = Date.now();
  o.log(`${name} on ${t.target.kind}: ${p.expected.size} threats (${p.auto.length} auto, ${p.approveHeld.length + p.approveShort.length} approved, ${p.reject.length} rejected)`);
  await feed(t, p);
  const until = { done: false };
  const deciding = decideAsPending(t, p, o, until);
  const faulting = fault(until);
  const { faults, recoverySeconds } = await faulting;
  await settle(t, p, o);
  until.done = true;
  await deciding;
  const result = audit({
    expected: p.expected, states: await states(t, [...p.expected.keys()]), firewall: aliasOf(t),
    operatorEntries: [OPERATOR_ENTRY], heldBefore,
  });
  for (const line of result.problems.slice(0, 20)) o.log(`  ${line}`);
  return { scenario: name, target: t.target.kind, faults, seconds: Math.round((Date.now() - started) / 1000), recoverySeconds, ...result };
}

export async function runScenario(name: ScenarioName, t: Topology, o: ScenarioOptions, heldBefore: string[], offset: number): Promise<{ result: ScenarioResult; held: string[] }> {
  let p: Plan;
  let fault: (until: { done: boolean }) => Promise<{ faults: number; recoverySeconds?: number }>;
  if (name === 'R1') {
    p = plan(o.threats, offset);
    fault = async () => {
      let kills = 0;
      const restarts: Promise<unknown>[] = [];
      while (kills < o.kills) {
        await sleep(rand(2000, 8000));
        const victims = [...t.procs.values()].filter((x) => x.role !== 'api' && x.child.exitCode === null && x.child.signalCode === null);
        if (victims.length === 0) continue;
        const v = victims[Math.floor(Math.random() * victims.length)]!;
        await v.kill('SIGKILL');
        kills++;
        o.log(`  SIGKILL ${v.name} (${kills}/${o.kills})`);
        restarts.push(t.startRole(v.role, v.name).catch((err: Error) => o.log(`  restart of ${v.name} failed: ${err.message}`)));
      }
      await Promise.all(restarts);
      return { faults: kills };
    };
  } else if (name === 'R2') {
    p = plan(Math.max(20, Math.round(o.threats / 2)), offset);
    fault = async () => {
      for (let i = 0; i < 2; i++) {
        await sleep(rand(10_000, 25_000));
        o.log(`  restarting the Temporal server (${i + 1}/2)`);
        await t.target.restart();
      }
      return { faults: 2 };
    };
  } else if (name === 'R3') {
    p = plan(Math.max(20, Math.round(o.threats / 4)), offset, { auto: 0.5, held: 0, short: 0.35, reject: 0.15 });
    fault = async () => {
      // Down once the first blocks are on the firewall: they expire during the outage; the approvals arrive in it.
      const deadline = Date.now() + 180_000;
      while (Date.now() < deadline && !p.auto.some((ip) => aliasOf(t).includes(targetOf(ip)))) await sleep(500);
      o.log(`  firewall unreachable for ${o.outageMinutes} min`);
      await t.firewallDown();
      await sleep(o.outageMinutes * 60_000);
      await t.firewallUp();
      o.log('  firewall back');
      return { faults: 1, recoverySeconds: o.outageMinutes * 60 };
    };
  } else {
    p = plan(Math.max(20, Math.round(o.threats / 5)), offset, { auto: 0, held: 0.85, short: 0, reject: 0.15 });
    fault = async () => {
      // Wipe once every held block is settled (verified, made permanent, on the firewall): a wipe between apply and
      // verify is a block that did not take, which the workflow rightly rolls back as failed.
      const deadline = Date.now() + o.settleTimeoutMs;
      // (A case that already failed is the audit's business; it must not hold the wipe back.)
      const stable = async () => [...(await states(t, p.approveHeld)).values()]
        .every((x) => x?.outcome === 'failed' || (x?.status === 'blocked' && x.block?.permanent && aliasOf(t).includes(targetOf(x.ip))));
      while (Date.now() < deadline && !(await stable())) await sleep(2000);
      const alias = t.firewall.aliases.find((a) => a.name === ALIAS)!;
      // Palisade's entries as they were: exactly these must come back, and nothing else (not the operator's entry).
      const before = alias.address.filter((a) => a !== OPERATOR_ENTRY).sort();
      o.log(`  wiping alias ${ALIAS} (${alias.address.length} entries, ${before.length} Palisade's)`);
      alias.address = [];
      alias.detail = [];
      // A flush: the running ruleset loses them too.
      for (const l of t.firewall.live) if (l.name === ALIAS) l.address = [];
      t.firewall.tables.set(ALIAS, []);
      const wiped = Date.now();
      // One reconciler cycle, plus the time one run takes.
      const limit = wiped + t.reconcileEveryMs + 60_000;
      const restored = () => JSON.stringify([...aliasOf(t)].sort()) === JSON.stringify(before);
      while (Date.now() < limit && !restored()) await sleep(500);
      if (!restored()) return { faults: 1, recoverySeconds: Infinity };
      return { faults: 1, recoverySeconds: Math.round((Date.now() - wiped) / 1000) };
    };
  }
  const result = await runPlan(name, t, p, o, heldBefore, fault);
  if (name === 'R7') {
    const cycle = t.reconcileEveryMs / 1000 + 60;
    if ((result.recoverySeconds ?? Infinity) > cycle) {
      result.problems.push(`the alias did not hold exactly Palisade's entries again within one reconciler cycle (${cycle} s)`);
      result.lost++;
    }
    // The operator's own entry is not Palisade's to restore: it must not come back by itself; put it back by hand.
    const alias = t.firewall.aliases.find((a) => a.name === ALIAS)!;
    if (alias.address.includes(OPERATOR_ENTRY)) {
      result.problems.push('the operator entry was restored by Palisade');
      result.orphaned++;
    } else {
      alias.address.push(OPERATOR_ENTRY);
      alias.detail.push('operator entry');
    }
  }
  return { result, held: [...heldBefore, ...p.approveHeld.map(targetOf)] };
}
