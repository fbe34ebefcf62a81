// The per-cycle digest (Discord embed through the notifier path, mentions off): what the cycle found and decided,
// with ack ids and the investigations it opened. Muted hotspots are left out (that is what an ack is for), hotspots
// below the severity floor are only counted.
import type { Notification } from '../types';
import type { CyclePlan, HotspotVerdict, ResolveOutcome } from './types';

const VERDICT_LABEL: Record<HotspotVerdict, string> = {
  investigated: 'investigating', reported: 'reported', muted: 'muted', over_budget: 'over budget', cooling_down: 'cooling down', below_floor: 'below floor',
};

export interface DigestInvestigation { fingerprint: string; workflowId?: string; error?: string; merged?: boolean }

/** The digest of a cycle, or undefined when there is nothing to report (everything muted, below the floor, or nothing found). */
export function cycleDigest(plan: CyclePlan, investigations: DigestInvestigation[], resolved: ResolveOutcome[] = []): Notification | undefined {
  const shown = plan.decisions.filter((d) => d.verdict !== 'muted' && d.verdict !== 'below_floor');
  const closed = resolved.filter((r) => !r.error);
  if (shown.length === 0 && closed.length === 0) return undefined;
  const count = (v: HotspotVerdict) => plan.decisions.filter((d) => d.verdict === v).length;
  const failedRules = plan.rules.filter((r) => r.status === 'error');
  const fields = shown.slice(0, 20).map((d) => {
    const inv = investigations.find((i) => i.fingerprint === d.fingerprint);
    const link = inv?.workflowId ? `\ninvestigation: ${inv.workflowId}${inv.merged ? ' (already open: merged into it, no budget spent)' : ''}`
      : inv?.error ? `\ninvestigation failed: ${inv.error}`
        : d.investigationWorkflowId ? `\ninvestigation: ${d.investigationWorkflowId}` : '';
    const workflowId = inv?.workflowId ?? d.investigationWorkflowId;
    return { name: `[${d.severity}] ${d.title}`, value: `ack id ${d.ackId} · ${VERDICT_LABEL[d.verdict]}: ${d.why}${link}`, ...(workflowId ? { workflowId } : {}) };
  });
  const more = shown.length > fields.length ? ` (${shown.length - fields.length} more on the review page)` : '';
  const body = [
    `${shown.length} hotspot(s)${more}; ${count('muted')} muted, ${count('below_floor')} below the floor; mode ${plan.mode}.`,
    `Budget left today: ${plan.left.investigationsToday} investigation(s), $${plan.left.usdToday.toFixed(2)}.`,
    ...(closed.length ? [`Investigations resolved (the hotspot stopped firing): ${closed.map((r) => r.workflowId).join(', ')}.`] : []),
    ...(plan.pruned.length ? [`Acks lifted: ${plan.pruned.map((p) => `${p.ackId} (${p.why})`).join(', ')}.`] : []),
    ...(failedRules.length ? [`Scans that failed: ${failedRules.map((r) => `${r.rule}: ${r.error ?? 'error'}`).join('; ')}.`] : []),
    'Mute a known issue with /ack <ack id> (or the review page) until it stops firing.',
  ].join('\n');
  return { kind: 'proactive_digest', workflowId: plan.cycleId, title: `Proactive digest: ${shown.length} hotspot(s), ${count('investigated')} investigated`, body, fields };
}
