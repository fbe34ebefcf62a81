// Which queries a proactive investigation runs: the hotspot's rule query, then the rule's probes; heavy probes only
// when proactive.heavyProbes is on (otherwise the gate lists them as proposed). The rule is looked up by the
// `proactive_rule` label the loop sets, in the configured pack: a query is never taken from alert text.
import type { ProactiveRule } from '../config';

export const PROACTIVE_RULE_LABEL = 'proactive_rule';

export function hotspotQueries(pack: ProactiveRule[], labels: Record<string, string>, heavyProbes: boolean): string[] {
  const rule = pack.find((r) => r.name === labels[PROACTIVE_RULE_LABEL]);
  if (!rule) return [];
  return [rule.query, ...rule.probes.filter((p) => !p.heavy || heavyProbes).map((p) => p.query)];
}
