// Drift repair: the desired block set (threat workflows holding a block) against what an enforcer reports. Pure.
// Firewalls get reloaded and flushed; the reconciler re-applies what is missing and (only when configured) removes
// entries Palisade owns that no workflow wants. Entries Palisade did not create are counted and never touched.
import type { BlockEntry, Direction } from './types';

export const RECONCILER_WORKFLOW_TYPE = 'reconcilerWorkflow';
/** Fixed id (the Schedule appends its own timestamp suffix to the runs it starts). */
export const RECONCILER_WORKFLOW_ID = 'palisade-reconciler';
export const RECONCILER_SCHEDULE_ID = 'palisade-reconciler';

/** A block some open threat workflow holds right now (confirmed by its `state` query, not just by visibility). */
export interface DesiredBlock {
  workflowId: string;
  ip: string;
  /** Host CIDR as the workflow wrote it (PalisadeTarget). */
  target: string;
  blockId: string;
  direction: Direction;
}

export interface BlockDiff {
  /** Desired and present with our ownership for the same blockId. */
  inSync: DesiredBlock[];
  /** Desired and absent: re-apply. */
  missing: DesiredBlock[];
  /** Desired, present, but owned under another blockId (an earlier cycle): re-apply to take ownership back. */
  relabel: DesiredBlock[];
  /** Desired and present only as an entry Palisade did not add: it blocks, and it is left alone. */
  coveredByForeign: DesiredBlock[];
  /** Entries Palisade owns that no workflow wants. */
  orphans: BlockEntry[];
  /** Entries Palisade did not add (never touched). */
  foreign: BlockEntry[];
}

/** Canonical comparison key for a target: lower-case, and a bare address compares equal to its host CIDR. */
export function targetKey(target: string): string {
  const t = target.trim().toLowerCase();
  if (t.includes('/')) return t;
  return `${t}/${t.includes(':') ? 128 : 32}`;
}

export function diffBlocks(desired: DesiredBlock[], actual: BlockEntry[]): BlockDiff {
  const diff: BlockDiff = { inSync: [], missing: [], relabel: [], coveredByForeign: [], orphans: [], foreign: [] };
  const byTarget = new Map<string, BlockEntry[]>();
  for (const e of actual) byTarget.set(targetKey(e.target), [...(byTarget.get(targetKey(e.target)) ?? []), e]);
  const wanted = new Map<string, DesiredBlock>();
  for (const d of [...desired].sort((a, b) => a.workflowId.localeCompare(b.workflowId))) {
    if (!wanted.has(targetKey(d.target))) wanted.set(targetKey(d.target), d);
  }
  for (const [key, d] of wanted) {
    const entries = byTarget.get(key) ?? [];
    const owned = entries.filter((e) => e.ownedByPalisade);
    if (owned.some((e) => e.blockId === d.blockId)) diff.inSync.push(d);
    else if (owned.length > 0) diff.relabel.push(d);
    else if (entries.length > 0) diff.coveredByForeign.push(d);
    else diff.missing.push(d);
  }
  for (const e of actual) {
    if (!e.ownedByPalisade) diff.foreign.push(e);
    else if (!wanted.has(targetKey(e.target))) diff.orphans.push(e);
  }
  return diff;
}

export interface RepairPlan {
  reapply: DesiredBlock[];
  remove: BlockEntry[];
  /** Repairs beyond the per-run budget; the next run picks them up. */
  deferred: number;
}

/** Re-applies first (a missing block is an open door), then orphan removals if enabled, within the budget. */
export function planRepairs(diff: BlockDiff, opts: { removeOrphans: boolean; maxRepairs: number }): RepairPlan {
  const reapply = [...diff.missing, ...diff.relabel];
  const remove = opts.removeOrphans ? diff.orphans.filter((o) => o.blockId) : [];
  const budget = Math.max(0, opts.maxRepairs);
  const r = reapply.slice(0, budget);
  const rm = remove.slice(0, Math.max(0, budget - r.length));
  return { reapply: r, remove: rm, deferred: reapply.length + remove.length - r.length - rm.length };
}

/** The IP a blockId (`<ip>#<cycle>`) belongs to, or undefined for anything else. */
export function ipOfBlockId(blockId: string | undefined): string | undefined {
  const m = /^([0-9a-fA-F:.]+)#\d+$/.exec(blockId ?? '');
  return m?.[1];
}

export interface ReconcilerInput {
  /** Enforcer names to reconcile (never "simulated": dry-run blocks touch no firewall). */
  enforcers: string[];
  removeOrphans: boolean;
  maxRepairsPerRun: number;
  /** Queue of the enforcement worker, where the enforcer-side activities run. */
  enforceTaskQueue: string;
}

export interface EnforcerReconcileReport {
  enforcer: string;
  desired: number;
  listed: number;
  inSync: number;
  foreign: number;
  coveredByForeign: string[];
  missing: string[];
  restored: string[];
  orphans: string[];
  removed: string[];
  failed: Array<{ target: string; op: 'reapply' | 'remove' | 'list'; error: string }>;
  deferred: number;
  /** Workflows visibility reported as blocked whose state could not be read (their targets are kept). */
  unreadable: string[];
  /** Missing blocks whose workflow lifted them while this run was under way: not re-applied, or taken off again. */
  liftedMeanwhile?: string[];
}

export interface ReconcileReport {
  startedAt: string;
  removeOrphans: boolean;
  enforcers: EnforcerReconcileReport[];
  totals: { desired: number; missing: number; restored: number; orphans: number; removed: number; failed: number };
}

export function totals(reports: EnforcerReconcileReport[]): ReconcileReport['totals'] {
  const sum = (f: (r: EnforcerReconcileReport) => number) => reports.reduce((n, r) => n + f(r), 0);
  return {
    desired: sum((r) => r.desired), missing: sum((r) => r.missing.length), restored: sum((r) => r.restored.length),
    orphans: sum((r) => r.orphans.length), removed: sum((r) => r.removed.length), failed: sum((r) => r.failed.length),
  };
}

/** What the Schedule runs, from configuration. Simulated enforcement has nothing to reconcile. */
export function reconcilerPlan(cfg: {
  enforcement: { enforcer: string; reconcile: { enabled: boolean; intervalMinutes: number; removeOrphans: boolean; maxRepairsPerRun: number } };
  temporal: { enforceTaskQueue: string };
}): { enabled: boolean; scheduleId: string; workflowId: string; workflowType: string; intervalMinutes: number; input: ReconcilerInput } {
  const r = cfg.enforcement.reconcile;
  const enforcers = cfg.enforcement.enforcer === 'simulated' ? [] : [cfg.enforcement.enforcer];
  return {
    enabled: r.enabled && enforcers.length > 0,
    scheduleId: RECONCILER_SCHEDULE_ID,
    workflowId: RECONCILER_WORKFLOW_ID,
    workflowType: RECONCILER_WORKFLOW_TYPE,
    intervalMinutes: r.intervalMinutes,
    input: { enforcers, removeOrphans: r.removeOrphans, maxRepairsPerRun: r.maxRepairsPerRun, enforceTaskQueue: cfg.temporal.enforceTaskQueue },
  };
}
