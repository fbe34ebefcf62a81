// The access-log detector: every behaviour (domain/detection/behaviours.ts) over one stream of parsed records, with
// a leaky bucket per client and behaviour so slow scanners add up over a horizon longer than a minute. Memory is
// bounded (maxTrackedClients, least recently active forgotten first; capped samples per tally) and the whole state
// is plain JSON, persisted by the file source next to its cursor. Time is the log's own clock.
import type { DetectorConfig } from '../config/detection';
import { assessBehaviour, assessSecretsScan, BEHAVIOURS, type Assessment, type Behaviour, type BehaviourTally } from './behaviours';
import { drained, newBucket, pour, type LeakyBucket } from './bucket';
import { createClassifier, type Classifier } from './classify';
import type { AccessRecord } from './records';

interface BehaviourState {
  bucket: LeakyBucket;
  tally: BehaviourTally;
  /** Highest score already reported in this episode: a finding is emitted only when the score rises. */
  reported: number;
}

interface ClientState {
  lastMs: number;
  b: Partial<Record<Behaviour, BehaviourState>>;
}

export interface EngineState {
  version: 2;
  clients: Record<string, ClientState>;
  latestMs: number;
}

export interface BehaviourFinding extends Assessment {
  ip: string;
  behaviour: Behaviour;
  tally: BehaviourTally;
}

const MAX_DISTINCT = 400;
const MAX_SAMPLE_PATHS = 20;
const MAX_SAMPLE_AGENTS = 5;
const MAX_UA_LENGTH = 300;

function newTally(atMs: number): BehaviourTally {
  return {
    requests: 0, distinct: [], distinctCount: 0, strong: 0, strongKeys: [], statusCounts: {}, paths: [], userAgents: [],
    scanners: [], routers: [], firstSeenMs: atMs, lastSeenMs: atMs,
  };
}

const pushCapped = (list: string[], v: string, cap: number) => {
  if (list.length < cap && !list.includes(v)) list.push(v);
};

export class AccessLogDetector {
  readonly classifier: Classifier;
  private readonly clients: Map<string, ClientState>;
  /** Distinct keys per client+behaviour, as Sets while in memory (persisted as the tally's capped array). */
  private readonly distinctSets = new Map<string, Set<string>>();
  private readonly dirty = new Set<string>();
  private latestMs: number;
  readonly stats = { records: 0, counted: 0, evictedClients: 0 };

  constructor(private readonly cfg: DetectorConfig, state?: EngineState) {
    this.classifier = createClassifier(cfg);
    this.clients = new Map(state?.version === 2 ? Object.entries(state.clients) : []);
    this.latestMs = state?.version === 2 ? state.latestMs : 0;
  }

  private settings(b: Behaviour): { capacity: number; leakMs: number; enabled: boolean } {
    const c = this.cfg.behaviours;
    if (b === 'secrets-scan') return { capacity: this.cfg.sensitiveHitsAbove, leakMs: c['secrets-scan'].leakSeconds * 1000, enabled: c['secrets-scan'].enabled };
    const s = c[b];
    return { capacity: s.capacity, leakMs: s.leakSeconds * 1000, enabled: s.enabled };
  }

  /** Whether a request could matter to any behaviour: lets a parser skip resolving the client of ordinary lines. */
  readonly wants = (status: number, path: string, userAgent: string | undefined): boolean => {
    const c = this.classifier;
    if (userAgent !== undefined) {
      const a = c.agent(userAgent);
      if (a.scanner || a.exploit) return true;
    }
    const probing = c.probingStatuses.has(status);
    if (!probing && !c.pathStatuses.has(status)) return false;
    const p = c.path(path);
    if (probing && !p.staticFile) return true;
    return c.pathStatuses.has(status) && (p.sensitive !== undefined || p.traversal !== undefined || p.probe !== undefined);
  };

  /** A line the parser skipped after `wants` said no (counted only). */
  skip(): void {
    this.stats.records++;
  }

  add(r: AccessRecord): void {
    this.stats.records++;
    if (r.timeMs > this.latestMs) this.latestMs = r.timeMs;
    const c = this.classifier;
    const agent = c.agent(r.userAgent);
    const pathCounted = c.pathStatuses.has(r.status);
    const probingCounted = c.probingStatuses.has(r.status);
    const p = pathCounted || probingCounted ? c.path(r.path) : undefined;
    let counted = false;
    if (agent.scanner) counted = this.observe(r, 'scanner-user-agent', { key: agent.scanner, scanner: agent.scanner, pourAlways: true }) || counted;
    if (p && pathCounted) {
      if (p.sensitive) counted = this.observe(r, 'secrets-scan', { key: p.normalised.toLowerCase(), scanner: agent.scanner, pourAlways: true }) || counted;
      if (p.traversal) counted = this.observe(r, 'path-traversal', { key: r.path.slice(0, 200).toLowerCase(), strong: p.traversal.strength === 'strong' ? p.traversal.indicator : undefined }) || counted;
      if (p.probe) {
        counted = this.observe(r, 'admin-cve-probe', p.probe.kind === 'exploit' ? { key: p.probe.label, strong: p.probe.label, noPour: true } : { key: p.probe.label }) || counted;
      }
    }
    if (agent.exploit) counted = this.observe(r, 'admin-cve-probe', { key: agent.exploit.label, strong: agent.exploit.label, noPour: true }) || counted;
    if (p && probingCounted && !p.staticFile) counted = this.observe(r, 'probing', { key: p.normalised }) || counted;
    if (counted) this.stats.counted++;
  }

  private client(ip: string, atMs: number): ClientState {
    let s = this.clients.get(ip);
    if (s) {
      // Least-recently-active order: re-insert on touch.
      this.clients.delete(ip);
    } else {
      s = { lastMs: atMs, b: {} };
      while (this.clients.size >= this.cfg.maxTrackedClients) {
        const oldest = this.clients.keys().next().value as string;
        this.forget(oldest);
        this.stats.evictedClients++;
      }
    }
    this.clients.set(ip, s);
    if (atMs > s.lastMs) s.lastMs = atMs;
    return s;
  }

  private forget(ip: string): void {
    this.clients.delete(ip);
    this.dirty.delete(ip);
    for (const b of BEHAVIOURS) this.distinctSets.delete(`${ip}|${b}`);
  }

  private observe(r: AccessRecord, b: Behaviour, o: { key: string; scanner?: string; strong?: string; pourAlways?: boolean; noPour?: boolean }): boolean {
    const set = this.settings(b);
    if (!set.enabled) return false;
    const client = this.client(r.ip, r.timeMs);
    let st = client.b[b];
    const setKey = `${r.ip}|${b}`;
    // A drained bucket whose last request is older than its horizon ends the episode: a new one starts clean.
    if (st && drained(st.bucket, r.timeMs, set.leakMs) && r.timeMs - st.tally.lastSeenMs > set.leakMs * Math.max(1, set.capacity)) {
      st = undefined;
      this.distinctSets.delete(setKey);
    }
    if (!st) {
      st = { bucket: newBucket(r.timeMs), tally: newTally(r.timeMs), reported: 0 };
      client.b[b] = st;
    }
    const t = st.tally;
    let distinct = this.distinctSets.get(setKey);
    if (!distinct) {
      distinct = new Set(t.distinct);
      this.distinctSets.set(setKey, distinct);
    }
    const isNew = !distinct.has(o.key);
    if (isNew) {
      t.distinctCount++;
      if (distinct.size < MAX_DISTINCT) {
        distinct.add(o.key);
        t.distinct.push(o.key);
      }
    }
    if (!o.noPour && (o.pourAlways || isNew)) pour(st.bucket, r.timeMs, set.leakMs);
    t.requests++;
    if (o.strong) {
      t.strong++;
      pushCapped(t.strongKeys, o.strong, 20);
    }
    t.statusCounts[r.status] = (t.statusCounts[r.status] ?? 0) + 1;
    pushCapped(t.paths, r.path.length > 300 ? r.path.slice(0, 300) : r.path, MAX_SAMPLE_PATHS);
    if (r.userAgent) pushCapped(t.userAgents, r.userAgent.length > MAX_UA_LENGTH ? r.userAgent.slice(0, MAX_UA_LENGTH) : r.userAgent, MAX_SAMPLE_AGENTS);
    if (o.scanner) pushCapped(t.scanners, o.scanner, 5);
    if (r.router) pushCapped(t.routers, r.router.slice(0, 120), 3);
    if (r.timeMs < t.firstSeenMs) t.firstSeenMs = r.timeMs;
    if (r.timeMs > t.lastSeenMs) t.lastSeenMs = r.timeMs;
    this.dirty.add(r.ip);
    return true;
  }

  private assess(b: Behaviour, st: BehaviourState): Assessment | undefined {
    if (b === 'secrets-scan') {
      return assessSecretsScan({ peak: st.bucket.peak, distinct: st.tally.distinctCount, scanner: st.tally.scanners.length > 0 }, this.cfg);
    }
    const s = this.settings(b);
    return assessBehaviour(b, st.tally, st.bucket.peak, { capacity: s.capacity, leakSeconds: s.leakMs / 1000 });
  }

  /** Findings whose score rose since they were last reported; then forgets clients whose every episode is over. */
  collect(): BehaviourFinding[] {
    const out: BehaviourFinding[] = [];
    for (const ip of this.dirty) {
      const client = this.clients.get(ip);
      if (!client) continue;
      for (const b of BEHAVIOURS) {
        const st = client.b[b];
        if (!st) continue;
        const a = this.assess(b, st);
        if (!a || a.score <= st.reported) continue;
        st.reported = a.score;
        out.push({ ip, behaviour: b, ...a, tally: JSON.parse(JSON.stringify(st.tally)) as BehaviourTally });
      }
    }
    this.dirty.clear();
    this.prune();
    return out;
  }

  private prune(): void {
    for (const [ip, client] of this.clients) {
      let live = false;
      for (const b of BEHAVIOURS) {
        const st = client.b[b];
        if (!st) continue;
        const s = this.settings(b);
        if (!drained(st.bucket, this.latestMs, s.leakMs) || this.latestMs - st.tally.lastSeenMs <= s.leakMs * Math.max(1, s.capacity)) live = true;
        else delete client.b[b];
      }
      if (!live) this.forget(ip);
    }
  }

  get latestRequestMs(): number {
    return this.latestMs;
  }

  get trackedClients(): number {
    return this.clients.size;
  }

  state(): EngineState {
    return { version: 2, clients: Object.fromEntries(this.clients), latestMs: this.latestMs };
  }
}
