// The audit trail of one IP, read back from Temporal: every run of `threat/<ip>` (continue-as-new chains and later
// cases), turned into a readable timeline of what was seen, what the model was asked and answered, what the policy
// decided and why, who approved through which channel, and what the firewall did. Payloads are decoded with the
// default payload converter (Palisade uses no custom converter or codec).
import type { Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';
import type { AppliedAndVerified, EnforcementActivities, RemovedAndVerified } from '../activities/enforcement';
import type { DecisionRecord, Evaluation } from '../activities/threat';
import { SA } from '../domain/search-attributes';
import type { HoldAction, ThreatWorkflowInput } from '../domain/threat-state';
import type {
  EnforcementResult, GovernorVerdict, HumanDecision, Notification, Proposal, Sighting, ThreatIntel, ThreatStatus,
} from '../domain/types';
import { decideSignal, decideUpdate, holdSignal, holdUpdate, sightingSignal, threatWorkflowId } from '../workflows/messages';
import { normaliseThreatIp } from './operator-actions';
import type { EffectBaseline, EffectCheck } from '../domain/verification';

const levelWord = (ok: boolean | null | undefined) => (ok === null ? 'not observable' : ok ? 'yes' : 'NO');

type History = proto.temporal.api.history.v1.IHistory;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

export interface RunHistory {
  workflowId: string;
  runId: string;
  history: History;
}

export type AuditCategory =
  | 'run' | 'sighting' | 'screening' | 'intel' | 'model' | 'policy' | 'governor' | 'human' | 'enforcement'
  | 'hold' | 'notification' | 'status' | 'timer' | 'activity' | 'error';

export interface AuditEntry {
  at: string;
  runId: string;
  eventId: number;
  category: AuditCategory;
  summary: string;
  /** Further lines: reasons, the prompt the model saw, its raw answer, enforcement detail. */
  details?: string[];
}

// ---- history JSON ---------------------------------------------------------------------------------------------
// @temporalio/common's historyFromJSON/historyToJSON check `instanceof Type` against the protobufjs copy *they*
// resolve, while the types come from @temporalio/proto's copy. Whenever npm nests separate copies (it did here while
// @grpc/proto-loader's protobufjs 7 held the top level) both throw "type must be a Type". These do the same
// conversion with the protojson of the very protobufjs @temporalio/proto loads, so they work in either layout.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [require.resolve('@temporalio/proto')] })) as {
  fromJson(type: unknown, json: unknown, opts?: { ignoreUnknownFields?: boolean }): unknown;
  toJson(type: unknown, message: unknown): unknown;
};
const historyType = (patchProtobufRoot(proto as unknown as Record<string, unknown>) as unknown as { lookupType(name: string): unknown })
  .lookupType('temporal.api.history.v1.History');

const ENUM_FIELDS: [string, string][] = [
  ['parentClosePolicy', 'PARENT_CLOSE_POLICY'], ['workflowIdReusePolicy', 'WORKFLOW_ID_REUSE_POLICY'],
  ['initiator', 'CONTINUE_AS_NEW_INITIATOR'], ['retryState', 'RETRY_STATE'],
];
/** "WorkflowExecutionStarted" (temporal CLI, older tools) → "WORKFLOW_EXECUTION_STARTED" with its prefix. */
const enumValue = (v: unknown, prefix: string) =>
  typeof v !== 'string' || v.startsWith(prefix) ? v : `${prefix}_${v.replace(/(?<=.)([A-Z])/g, '_$1').toUpperCase()}`;

/** A history from its proto3 JSON form (historyToJSON, `temporal workflow show -o json`); both enum spellings. */
export function historyFromJson(json: unknown): History {
  const h = json as { events?: Record<string, any>[] };
  if (typeof json !== 'object' || json === null || !Array.isArray(h.events)) throw new TypeError('expected an object with an array of events');
  const events = h.events.map((e) => {
    const attrKey = Object.keys(e).find((k) => k.endsWith('EventAttributes'));
    if (!attrKey) throw new TypeError(`event ${e.eventId ?? '?'} has no attributes`);
    const attrs = { ...e[attrKey] };
    for (const [field, prefix] of ENUM_FIELDS) if (attrs[field] !== undefined) attrs[field] = enumValue(attrs[field], prefix);
    if (attrs.taskQueue?.kind !== undefined) attrs.taskQueue = { ...attrs.taskQueue, kind: enumValue(attrs.taskQueue.kind, 'TASK_QUEUE_KIND') };
    return { ...e, eventType: enumValue(e.eventType, 'EVENT_TYPE'), [attrKey]: attrs };
  });
  const loaded = protojson.fromJson(historyType, { events }, { ignoreUnknownFields: true });
  if (!loaded) throw new TypeError('not a history');
  return loaded as History;
}

/** The proto3 JSON text of a history, the format replay tests and other Temporal tools read. */
export function historyToJson(history: History): string {
  return JSON.stringify(protojson.toJson(historyType, proto.temporal.api.history.v1.History.fromObject(history)), null, 2);
}

// ---- fetching -------------------------------------------------------------------------------------------------

/**
 * Every run of `threat/<ip>` that Temporal still has, oldest first: the runs visibility lists, plus the
 * continue-as-new chain followed backwards from the latest run (visibility can lag behind).
 */
export async function fetchThreatHistories(client: Client, ip: string): Promise<RunHistory[]> {
  const workflowId = threatWorkflowId(normaliseThreatIp(ip));
  const runIds = new Map<string, number>();
  for await (const wf of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    runIds.set(wf.runId, wf.startTime.getTime());
  }
  const out = new Map<string, RunHistory>();
  const load = async (runId?: string) => {
    const handle = client.workflow.getHandle(workflowId, runId);
    const history = await handle.fetchHistory();
    const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
    const id = runId ?? (await handle.describe()).runId;
    out.set(id, { workflowId, runId: id, history });
    return started?.continuedExecutionRunId || undefined;
  };
  // Latest run first, then back along continuedExecutionRunId.
  let previous: string | undefined;
  try {
    previous = await load();
  } catch (err) {
    if (runIds.size === 0) throw err;
  }
  while (previous && !out.has(previous)) previous = await load(previous);
  for (const runId of runIds.keys()) if (!out.has(runId)) await load(runId);
  return [...out.values()].sort((a, b) => startMs(a.history) - startMs(b.history));
}

/** A history from an exported JSON file (historyToJSON or `temporal workflow show -o json`). */
export function runHistoryFromJSON(json: unknown, fallbackId: string): RunHistory {
  const history = historyFromJson(json);
  const started = history.events?.[0]?.workflowExecutionStartedEventAttributes;
  const input = decodeFirst<Partial<ThreatWorkflowInput>>(started?.input?.payloads);
  const workflowId = typeof input?.ip === 'string' ? threatWorkflowId(input.ip) : fallbackId;
  return { workflowId, runId: started?.originalExecutionRunId ?? fallbackId, history };
}

function startMs(h: History): number {
  const t = h.events?.[0]?.eventTime;
  return t ? timestampMs(t) : 0;
}

// ---- decoding -------------------------------------------------------------------------------------------------

function timestampMs(t: { seconds?: { toString(): string } | number | null; nanos?: number | null }): number {
  return Number(t.seconds?.toString() ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

function decode<T>(p: Payload | null | undefined): T | undefined {
  if (!p) return undefined;
  try {
    return defaultPayloadConverter.fromPayload<T>(p);
  } catch {
    return undefined;
  }
}

const decodeFirst = <T>(payloads: Payload[] | null | undefined): T | undefined => decode<T>(payloads?.[0]);

function durationText(d: { seconds?: { toString(): string } | number | null } | null | undefined): string {
  const s = Number(d?.seconds?.toString() ?? 0);
  if (s >= 3600) return `${+(s / 3600).toFixed(2)} h`;
  if (s >= 60) return `${+(s / 60).toFixed(1)} min`;
  return `${s} s`;
}

const oneLine = (s: unknown, max = 300) => {
  const t = String(s ?? '').replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
};

function decisionText(d: Partial<HumanDecision> | undefined): string {
  if (!d) return 'an unreadable decision';
  const verb = d.decision === 'approve' ? 'approved' : d.decision === 'reject' ? 'rejected' : String(d.decision);
  return `${verb} by ${oneLine(d.approver, 100)} via ${d.channel}${d.durationHours ? ` for ${d.durationHours} h` : ''}${d.comment ? `: "${oneLine(d.comment)}"` : ''}`;
}

function holdText(a: Partial<HoldAction> | undefined): string {
  if (!a) return 'an unreadable hold action';
  const what = a.action === 'extend' ? `extend by ${a.hours} h` : a.action === 'make_permanent' ? 'make permanent' : String(a.action);
  return `${what} by ${oneLine(a.by, 100)} via ${a.channel}${a.reason ? `: "${oneLine(a.reason)}"` : ''}`;
}

function sightingText(s: Partial<Sighting> | undefined): AuditEntryParts {
  if (!s) return { summary: 'sighting (unreadable)' };
  const e = s.evidence ?? {};
  const details: string[] = [];
  if (e.summary) details.push(`summary: ${oneLine(e.summary)}`);
  if (e.requestCount) details.push(`requests: ${e.requestCount}`);
  if (e.paths?.length) details.push(`paths: ${e.paths.slice(0, 10).map((p) => oneLine(p, 100)).join(', ')}`);
  if (e.userAgents?.length) details.push(`user agents: ${e.userAgents.slice(0, 5).map((u) => oneLine(u, 120)).join(' | ')}`);
  if (e.narrative) details.push(`narrative: ${oneLine(e.narrative, 500)}`);
  const flags = [s.knownBad ? 'known-bad' : '', s.likelyFalsePositive ? 'likely false positive' : ''].filter(Boolean).join(', ');
  return { summary: `sighting from ${oneLine(s.source, 60)}: score ${s.score}, ${s.direction}${flags ? `, ${flags}` : ''}`, details };
}

interface AuditEntryParts {
  category?: AuditCategory;
  summary: string;
  details?: string[];
}

/** What an activity's input and result mean, by activity type (local activities record only their result). */
function describeActivity(type: string, input: unknown, result: unknown): AuditEntryParts[] {
  switch (type) {
    case 'evaluateThreat': {
      const r = result as Partial<Evaluation> | undefined;
      const out: AuditEntryParts[] = [];
      const allow = r?.allowlist?.length ?? 0;
      const ctx = `${allow} runtime allowlist entr${allow === 1 ? 'y' : 'ies'}${r?.policy ? `, policy mode ${r.policy.mode}${r.policy.dryRun ? ' (dry-run)' : ''}` : ''}`;
      if (r?.screening && !r.screening.blockable) {
        return [{ category: 'screening', summary: `screening: never block — ${oneLine(r.screening.reason, 300)}`, details: [ctx] }];
      }
      out.push({ category: 'screening', summary: `screening: blockable as ${r?.screening?.blockable ? r.screening.target : '?'}`, details: [ctx] });
      if (r?.intel) out.push(intelEntry(r.intel));
      if (r?.assessment) {
        const a = r.assessment;
        out.push({
          category: 'policy',
          summary: a.kind === 'analyse' ? `policy assessed: analyse (score ${a.score}, mode ${a.settings.mode}${a.settings.dryRun ? ', dry-run' : ''})` : `policy decided: ${a.kind} (score ${a.score})`,
          details: a.reasons.map((x) => oneLine(x)),
        });
      }
      return out;
    }
    case 'enrichThreat':
      return [intelEntry(result as ThreatIntel | undefined)];
    case 'proposeAction': {
      const p = result as Proposal | undefined;
      if (!p) return [{ category: 'model', summary: 'proposal: no result' }];
      const details = [`reason: ${oneLine(p.reason, 1000)}`, `confidence: ${p.confidence}`];
      if (p.notes) details.push(`notes: ${oneLine(p.notes, 500)}`);
      if (p.llm) {
        details.push(`model: ${p.llm.provider} ${p.llm.model}, ${p.llm.promptTokens} prompt + ${p.llm.completionTokens} completion tokens, ${p.llm.latencyMs} ms`);
        if (p.llm.failure) details.push(`model answer not used: ${oneLine(p.llm.failure, 500)}`);
        details.push('asked:', ...indent(p.llm.prompt), 'answered:', ...indent(p.llm.rawResponse));
      }
      const what = p.action === 'block' ? `block for ${p.durationHours} h${p.recommendPermanent ? ', recommends permanent' : ''}` : 'no action';
      return [{ category: 'model', summary: `proposal (${p.origin === 'llm' ? 'LLM' : 'rule-based'}): ${what}`, details }];
    }
    case 'decideThreat': {
      const r = result as Partial<DecisionRecord> | undefined;
      const d = r?.decision;
      const out: AuditEntryParts[] = [];
      if (r?.governor) out.push(governorEntry('unattended action', r.governor));
      out.push({
        category: 'policy',
        summary: d ? `policy decided: ${d.kind}${d.block ? ` (block ${d.block.target} for ${d.block.durationHours} h)` : ''}${d.dryRun ? ' (dry-run)' : ''}` : 'policy decision: unreadable',
        details: d?.reasons.map((x) => oneLine(x)),
      });
      return out;
    }
    case 'countHumanApproval':
      return [governorEntry('human approval counted', result as GovernorVerdict | undefined)];
    case 'enforceBlock': {
      const r = result as Partial<AppliedAndVerified> | undefined;
      const req = input as { target?: string } | undefined;
      const v = r?.verify;
      const verified = verificationEntry('verify', req?.target, v && { enforcer: v.enforcer, ok: v.present, simulated: v.simulated, detail: v.detail, at: v.at },
        `level reached: ${v?.level ?? 'present'}`, v?.levels?.present.ok ? 'present but NOT loaded' : 'NOT present');
      // The two levels on their own lines, each with its evidence (the third, effect, is checkBlockEffect's).
      if (v?.levels) verified.details = [`present: ${levelWord(v.levels.present.ok)} — ${oneLine(v.levels.present.evidence, 500)}`, `loaded: ${levelWord(v.levels.loaded.ok)} — ${oneLine(v.levels.loaded.evidence, 500)}`];
      return [enforcementEntry('apply block', req?.target, r?.apply), verified];
    }
    case 'liftBlock': {
      const r = result as Partial<RemovedAndVerified> | undefined;
      const req = input as { target?: string } | undefined;
      const g = r?.verifyRemoval;
      return [
        enforcementEntry('remove block', req?.target, r?.remove),
        verificationEntry('verify removal', req?.target, g && { enforcer: g.enforcer, ok: g.removed, simulated: g.simulated, detail: g.detail, at: g.at }, 'gone', 'STILL present'),
      ];
    }
    case 'measureEffectBaseline': {
      const p = (result as EffectBaseline | undefined)?.prometheus;
      return [{ category: 'enforcement', summary: `effect baseline before the block: ${p ? `${p.query} = ${p.error ? `error (${oneLine(p.error, 200)})` : String(p.value ?? 0)}` : 'nothing to measure'}` }];
    }
    case 'checkBlockEffect': {
      const e = result as EffectCheck | undefined;
      return [{
        category: 'enforcement',
        summary: `effect of the block (level effective when it stopped the traffic): ${e ? e.outcome.replace('_', ' ') : 'no answer'}${e ? ` since ${e.since}` : ''}`,
        details: e?.sources.map((s) => `${s.source}: ${s.outcome.replace('_', ' ')} — ${oneLine(s.evidence, 500)}`),
      }];
    }
    case 'applyBlock':
    case 'removeBlock':
      return [enforcementEntry(type === 'applyBlock' ? 'apply block' : 'remove block', (input as { target?: string } | undefined)?.target, result as EnforcementResult | undefined)];
    case 'verifyBlock': {
      const r = result as { present?: boolean; detail?: string; enforcer?: string } | undefined;
      const req = input as { target?: string } | undefined;
      return [{ category: 'enforcement', summary: `firewall: verify ${req?.target ?? ''}: ${r?.present ? 'present' : 'NOT present'}${r?.enforcer ? ` on ${r.enforcer}` : ''}`, details: r?.detail ? [oneLine(r.detail, 1000)] : undefined }];
    }
    case 'notify': {
      // A regular activity has the notification as input; a local one names it in its result.
      const n = (input as Notification | undefined) ?? (result as Partial<Notification> | undefined);
      const sent = (result as { sent?: string[] } | undefined)?.sent;
      if (!n?.kind) return [{ category: 'notification', summary: `notification${sent ? ` (sent: ${sent.join(', ')})` : ''}` }];
      const details = n.body ? n.body.split('\n').map((l) => oneLine(l)) : [];
      return [{ category: 'notification', summary: `notification ${n.kind}: ${oneLine(n.title, 200)}${sent ? ` (sent: ${sent.join(', ')})` : ''}`, details }];
    }
    default:
      return [{ category: 'activity', summary: `activity ${type}${result !== undefined ? `: ${oneLine(JSON.stringify(result), 200)}` : ''}` }];
  }
}

function intelEntry(i: ThreatIntel | undefined): AuditEntryParts {
  if (!i) return { category: 'intel', summary: 'intel lookup returned nothing' };
  const details = [
    ...(i.providers ?? []).map((p) => `${p.provider}: ${p.status}${p.cached ? ' (cached)' : ''}${p.detail ? ` — ${oneLine(p.detail, 200)}` : ''}`),
    ...(i.notes ?? []).map((n) => `note: ${oneLine(n)}`),
  ];
  const facts = [
    `composite ${i.compositeScore}`, i.knownBad ? 'known-bad' : 'not known-bad', i.likelyFalsePositive ? 'likely false positive' : '',
    `confidence ${i.confidence}`, i.org ? `org ${oneLine(i.org, 80)}` : '', i.country ? `country ${i.country}` : '',
    i.abuseScore !== undefined ? `AbuseIPDB ${i.abuseScore}` : '', i.otxPulses !== undefined ? `OTX ${i.otxPulses} pulses` : '',
    i.greynoise ? `GreyNoise ${i.greynoise.classification}${i.greynoise.riot ? ' RIOT' : ''}` : '',
  ].filter(Boolean);
  return { category: 'intel', summary: `intel: ${facts.join(', ')}`, details };
}

function governorEntry(kind: string, g: GovernorVerdict | undefined): AuditEntryParts {
  if (!g) return { category: 'governor', summary: `rate governor (${kind}): no answer` };
  const how = g.unavailable ? `unavailable (${oneLine(g.unavailable, 200)}), counted as refused` : g.granted ? 'granted' : 'refused';
  const window = `${g.used}/${g.cap} in ${g.windowMinutes} min${g.nextSlotAt ? `, next slot ${g.nextSlotAt}` : ''}`;
  return { category: 'governor', summary: `rate governor (${kind}): ${how}, ${window}${g.fromFullWindow ? ' (window known full from the governor\'s last verdict)' : ''}` };
}

function enforcementEntry(verb: string, target: string | undefined, r: EnforcementResult | undefined): AuditEntryParts {
  return {
    category: 'enforcement',
    summary: `firewall: ${verb} ${target ?? ''} on ${r?.enforcer ?? '?'}${r?.transport ? ` via ${r.transport}` : ''}: ${r?.ok ? 'ok' : 'FAILED'}${r?.simulated ? ' (simulated, dry-run)' : ''}`,
    details: r?.detail ? [oneLine(r.detail, 1000)] : undefined,
  };
}

function verificationEntry(verb: string, target: string | undefined, r: EnforcementResult | undefined, okText: string, failText: string): AuditEntryParts {
  return {
    category: 'enforcement',
    summary: `firewall: ${verb} ${target ?? ''}: ${r?.ok ? okText : failText}${r?.enforcer ? ` on ${r.enforcer}` : ''}${r?.simulated ? ' (simulated: no real data plane was checked)' : ''}`,
    details: r?.detail ? [oneLine(r.detail, 1000)] : undefined,
  };
}

const ENFORCEMENT_ACTIVITIES = new Set<string>(['enforceBlock', 'liftBlock', 'applyBlock', 'removeBlock', 'verifyBlock'] satisfies (keyof EnforcementActivities)[]);

/** The marker a local activity leaves: its type and attempt in `data`, its result (or failure) beside it. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

const indent = (text: string | undefined) => String(text ?? '').split('\n').map((l) => `    ${l}`);

const STATUS_MEANING: Partial<Record<ThreatStatus, string>> = {
  screening: 'a new case',
  pending_review: 'waiting for a human decision',
  blocked: 'block active',
  closed: 'case closed',
};

// ---- timeline -------------------------------------------------------------------------------------------------

/** Turns the histories of one IP's runs into one chronological timeline. */
export function buildTimeline(runs: RunHistory[]): AuditEntry[] {
  const out: AuditEntry[] = [];
  for (const run of runs) out.push(...runTimeline(run));
  return out.sort((a, b) => (a.at === b.at ? 0 : a.at < b.at ? -1 : 1));
}

function runTimeline(run: RunHistory): AuditEntry[] {
  const out: AuditEntry[] = [];
  const scheduled = new Map<string, { type: string; input: unknown; queue?: string }>();
  const attempts = new Map<string, number>();
  const updates = new Map<string, string>();
  let lastStatus: string | undefined;
  const short = run.runId.slice(0, 8);
  const push = (e: HistoryEvent, p: AuditEntryParts & { category: AuditCategory }) => {
    out.push({ at: new Date(timestampMs(e.eventTime ?? {})).toISOString(), runId: run.runId, eventId: Number(e.eventId?.toString() ?? 0), category: p.category, summary: p.summary, ...(p.details?.length ? { details: p.details } : {}) });
  };

  for (const e of run.history.events ?? []) {
    const id = String(e.eventId?.toString() ?? '');
    if (e.workflowExecutionStartedEventAttributes) {
      const a = e.workflowExecutionStartedEventAttributes;
      const input = decodeFirst<Partial<ThreatWorkflowInput>>(a.input?.payloads);
      const carry = input?.carry;
      const facts = [
        `cycle ${carry?.cycle ?? 1}`,
        input?.policy ? `mode ${input.policy.mode}${input.policy.dryRun ? ', dry-run' : ''}` : '',
        carry?.priorBlocks ? `${carry.priorBlocks} earlier block(s)` : '',
        input?.enforcer ? `enforcer ${input.enforcer}` : '',
      ].filter(Boolean);
      push(e, {
        category: 'run',
        summary: `run ${short} started (${a.workflowType?.name ?? '?'}; ${facts.join(', ')})${a.continuedExecutionRunId ? `, continued from run ${a.continuedExecutionRunId.slice(0, 8)}` : ''}`,
        details: a.identity ? [`started by ${a.identity}`] : undefined,
      });
      for (const s of carry?.pendingSightings ?? []) push(e, { category: 'sighting', ...sightingText(s), summary: `carried over: ${sightingText(s).summary}` });
    } else if (e.workflowExecutionSignaledEventAttributes) {
      const a = e.workflowExecutionSignaledEventAttributes;
      const arg = decodeFirst<unknown>(a.input?.payloads);
      const by = a.identity ? [`sent by ${a.identity}`] : [];
      if (a.signalName === sightingSignal.name) {
        const t = sightingText(arg as Sighting);
        push(e, { category: 'sighting', summary: t.summary, details: [...(t.details ?? []), ...by] });
      } else if (a.signalName === decideSignal.name) {
        push(e, { category: 'human', summary: `human decision (signal): ${decisionText(arg as HumanDecision)}`, details: by });
      } else if (a.signalName === holdSignal.name) {
        push(e, { category: 'hold', summary: `hold action (signal): ${holdText(arg as HoldAction)}`, details: by });
      } else {
        push(e, { category: 'activity', summary: `signal ${a.signalName}`, details: by });
      }
    } else if (e.workflowExecutionUpdateAcceptedEventAttributes) {
      const a = e.workflowExecutionUpdateAcceptedEventAttributes;
      const name = a.acceptedRequest?.input?.name ?? '?';
      const arg = decodeFirst<unknown>(a.acceptedRequest?.input?.args?.payloads);
      const updateId = a.protocolInstanceId ?? a.acceptedRequest?.meta?.updateId ?? '';
      updates.set(updateId, name);
      const by = a.acceptedRequest?.meta?.identity ? [`sent by ${a.acceptedRequest.meta.identity}`] : [];
      if (name === decideUpdate.name) push(e, { category: 'human', summary: `human decision: ${decisionText(arg as HumanDecision)}`, details: by });
      else if (name === holdUpdate.name) push(e, { category: 'hold', summary: `hold action: ${holdText(arg as HoldAction)}`, details: by });
      else push(e, { category: 'activity', summary: `update ${name} accepted`, details: by });
    } else if (e.workflowExecutionUpdateCompletedEventAttributes) {
      const a = e.workflowExecutionUpdateCompletedEventAttributes;
      if (a.outcome?.failure) {
        const name = updates.get(a.meta?.updateId ?? '') ?? 'update';
        push(e, { category: 'error', summary: `${name} failed: ${oneLine(a.outcome.failure.message)}` });
      }
    } else if (e.activityTaskScheduledEventAttributes) {
      const a = e.activityTaskScheduledEventAttributes;
      scheduled.set(id, { type: a.activityType?.name ?? '?', input: decodeFirst(a.input?.payloads), queue: a.taskQueue?.name ?? undefined });
    } else if (e.activityTaskStartedEventAttributes) {
      const a = e.activityTaskStartedEventAttributes;
      attempts.set(String(a.scheduledEventId?.toString()), a.attempt ?? 1);
    } else if (e.activityTaskCompletedEventAttributes) {
      const a = e.activityTaskCompletedEventAttributes;
      const key = String(a.scheduledEventId?.toString());
      const s = scheduled.get(key);
      const tries = attempts.get(key) ?? 1;
      describeActivity(s?.type ?? '?', s?.input, decodeFirst(a.result?.payloads)).forEach((p, i) => push(e, {
        category: p.category ?? 'activity', summary: p.summary,
        details: [...(p.details ?? []), ...(tries > 1 && i === 0 ? [`succeeded on attempt ${tries}`] : [])],
      }));
    } else if (e.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER) {
      const m = e.markerRecordedEventAttributes;
      const meta = decodeFirst<{ activity_type?: string; attempt?: number }>(m.details?.data?.payloads);
      const type = meta?.activity_type ?? '?';
      if (m.failure) {
        push(e, { category: 'error', summary: `${type} failed after ${meta?.attempt ?? 1} attempt(s): ${oneLine(m.failure.message ?? m.failure.cause?.message)}` });
      } else {
        const tries = meta?.attempt ?? 1;
        describeActivity(type, undefined, decodeFirst(m.details?.result?.payloads)).forEach((p, i) => push(e, {
          category: p.category ?? 'activity', summary: p.summary,
          details: [...(p.details ?? []), ...(tries > 1 && i === 0 ? [`succeeded on attempt ${tries}`] : [])],
        }));
      }
    } else if (e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes) {
      const a = e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes!;
      const s = scheduled.get(String(a.scheduledEventId?.toString()));
      const cat = s && ENFORCEMENT_ACTIVITIES.has(s.type) ? 'enforcement' : 'error';
      push(e, { category: cat, summary: `${s?.type ?? 'activity'} ${e.activityTaskTimedOutEventAttributes ? 'timed out' : 'failed'}: ${oneLine(a.failure?.message ?? a.failure?.cause?.message)}` });
    } else if (e.upsertWorkflowSearchAttributesEventAttributes) {
      const fields = e.upsertWorkflowSearchAttributesEventAttributes.searchAttributes?.indexedFields ?? {};
      const status = decode<unknown>(fields[SA.status.name]);
      const s = Array.isArray(status) ? status[0] : status;
      if (typeof s === 'string' && s !== lastStatus) {
        lastStatus = s;
        const meaning = STATUS_MEANING[s as ThreatStatus];
        push(e, { category: 'status', summary: `status → ${s}${meaning ? ` (${meaning})` : ''}` });
      }
      const outcome = decode<unknown>(fields[SA.outcome.name]);
      const o = Array.isArray(outcome) ? outcome[0] : outcome;
      if (typeof o === 'string') push(e, { category: 'policy', summary: `outcome: ${o}` });
    } else if (e.timerStartedEventAttributes) {
      push(e, { category: 'timer', summary: `timer ${durationText(e.timerStartedEventAttributes.startToFireTimeout)}` });
    } else if (e.timerFiredEventAttributes) {
      push(e, { category: 'timer', summary: 'timer fired' });
    } else if (e.workflowTaskFailedEventAttributes) {
      push(e, { category: 'error', summary: `workflow task failed: ${oneLine(e.workflowTaskFailedEventAttributes.failure?.message, 500)}` });
    } else if (e.workflowExecutionContinuedAsNewEventAttributes) {
      const a = e.workflowExecutionContinuedAsNewEventAttributes;
      const next = decodeFirst<Partial<ThreatWorkflowInput>>(a.input?.payloads);
      push(e, { category: 'run', summary: `run ${short} continued as new (next cycle ${next?.carry?.cycle ?? '?'}, ${next?.carry?.priorBlocks ?? 0} earlier block(s))` });
    } else if (e.workflowExecutionCompletedEventAttributes) {
      const r = decodeFirst<Record<string, unknown>>(e.workflowExecutionCompletedEventAttributes.result?.payloads);
      push(e, { category: 'run', summary: `run ${short} completed${r?.outcome ? `: outcome ${r.outcome}` : ''}` });
    } else if (e.workflowExecutionFailedEventAttributes) {
      push(e, { category: 'error', summary: `run ${short} failed: ${oneLine(e.workflowExecutionFailedEventAttributes.failure?.message, 500)}` });
    } else if (e.workflowExecutionTerminatedEventAttributes) {
      const a = e.workflowExecutionTerminatedEventAttributes;
      push(e, { category: 'run', summary: `run ${short} terminated${a.identity ? ` by ${a.identity}` : ''}${a.reason ? `: ${oneLine(a.reason)}` : ''}` });
    } else if (e.workflowExecutionTimedOutEventAttributes) {
      push(e, { category: 'run', summary: `run ${short} timed out` });
    } else if (e.workflowExecutionCanceledEventAttributes) {
      push(e, { category: 'run', summary: `run ${short} cancelled` });
    }
  }
  return out;
}

/** Plain-text rendering, one line per entry plus indented details. */
export function formatTimeline(entries: AuditEntry[], opts: { workflowId?: string } = {}): string {
  const lines: string[] = [];
  if (opts.workflowId) lines.push(`Audit of ${opts.workflowId} (${new Set(entries.map((e) => e.runId)).size} run(s), ${entries.length} entries)`, '');
  for (const e of entries) {
    lines.push(`${e.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}  ${e.category.padEnd(12)} ${e.summary}`);
    for (const d of e.details ?? []) lines.push(`${' '.repeat(34)}${d}`);
  }
  return `${lines.join('\n')}\n`;
}
