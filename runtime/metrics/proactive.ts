// Metrics of the proactive loop (issue 16), served by the API: gauges answered at scrape time from the loop's status.
import client from 'prom-client';
import { HOTSPOT_SEVERITIES, HOTSPOT_VERDICTS, type ProactiveStatus } from '../../domain/proactive/types';
import { once, registry } from './registry';

/**
 * Gauges answered at scrape time from the `palisade-proactive` workflow's status query (one read per scrape): its
 * state is the record of cycles, hotspots, the day's budget and the acks, so nothing here can drift from it. A failed
 * read leaves the gauges unset for that scrape and is counted. `readStatus` is runtime/proactive's getProactiveStatus
 * (passed in: this module must not import the client code path that imports it).
 */
export function registerProactiveGauges(readStatus: () => Promise<ProactiveStatus>): void {
  const readErrors = once('palisade_proactive_status_read_errors_total', () => new client.Counter({
    name: 'palisade_proactive_status_read_errors_total',
    help: 'Proactive status reads that failed while answering a /metrics scrape.',
  }));
  let cached: { at: number; status: Promise<ProactiveStatus | undefined> } | undefined;
  const status = () => {
    if (!cached || Date.now() - cached.at > 1000) {
      cached = { at: Date.now(), status: readStatus().catch(() => (readErrors.inc(), undefined)) };
    }
    return cached.status;
  };
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: client.Gauge, s: ProactiveStatus) => void) => {
    registry.removeSingleMetric(name);
    new client.Gauge({
      name, help, labelNames,
      async collect() {
        const s = await status();
        this.reset();
        if (s) fill(this, s);
      },
    });
  };
  gauge('palisade_proactive_cycles', 'Proactive cycles recorded by the loop\'s durable state since it started.', [], (g, s) => g.set(s.cycles));
  gauge('palisade_proactive_paused', '1 while an operator has paused the proactive loop.', [], (g, s) => g.set(s.paused ? 1 : 0));
  gauge('palisade_proactive_hotspots', 'Hotspots found by the latest proactive cycle, by severity.', ['severity'], (g, s) => {
    for (const severity of HOTSPOT_SEVERITIES) g.set({ severity }, (s.lastCycle?.decisions ?? []).filter((d) => d.severity === severity).length);
  });
  gauge('palisade_proactive_hotspot_verdicts', 'Verdicts of the latest proactive cycle (investigated, reported, muted, over budget, ...).', ['verdict'], (g, s) => {
    for (const verdict of HOTSPOT_VERDICTS) g.set({ verdict }, (s.lastCycle?.decisions ?? []).filter((d) => d.verdict === verdict).length);
  });
  gauge('palisade_proactive_investigations_today', 'Proactive investigations opened this UTC day (the day budget\'s count).', [], (g, s) => g.set(s.ledger.investigations));
  gauge('palisade_proactive_spent_usd_today', 'LLM cost charged to the proactive loop this UTC day, from recorded token usage.', [], (g, s) => g.set(s.ledger.costUsd));
  gauge('palisade_proactive_budget_left', 'What is left of the proactive day budget: investigations and usd.', ['budget'], (g, s) => {
    if (!s.left) return;
    g.set({ budget: 'investigations' }, s.left.investigationsToday);
    g.set({ budget: 'usd' }, s.left.usdToday);
  });
  gauge('palisade_proactive_suppressions', 'Acked (muted) proactive hotspots.', [], (g, s) => g.set(s.suppressions.length));
}
