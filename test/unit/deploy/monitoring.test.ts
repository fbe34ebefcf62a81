// The shipped monitoring: docs/monitoring/palisade-alerts.yml is valid for Prometheus (promtool check rules), each
// alert fires on the series that mean trouble and stays quiet on healthy ones (promtool test rules), and every
// Palisade metric the rules and the Grafana dashboard use is one the code registers. (The dashboard's Temporal SDK
// series are checked against a real SDK exporter in test/integration/metrics.test.ts.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { llmTokens } from '../../../activities/proposal/metrics';
import { collectProcessMetrics, registry, REVIEW_TIMEOUT_GAUGE, VISIBILITY_GAUGES } from '../../../runtime/metrics';
import { unknownLabels } from '../../helpers/promql-labels';

const root = path.resolve(__dirname, '../../..');
const RULES = path.join(root, 'docs/monitoring/palisade-alerts.yml');
const DASHBOARD = path.join(root, 'docs/monitoring/grafana-dashboard.json');

function promtool(args: string[]) {
  const r = spawnSync('promtool', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`promtool (Debian package prometheus, scripts/system-packages.txt) cannot run: ${r.error.message}`);
  return r;
}

/** Every series name the code can export: registered metrics, histogram parts, the scrape-time visibility gauges. */
async function registeredNames(): Promise<Set<string>> {
  assert.ok(llmTokens, 'the LLM and intel metrics module is loaded');
  collectProcessMetrics();
  const names = new Set<string>([...Object.keys(VISIBILITY_GAUGES), REVIEW_TIMEOUT_GAUGE]);
  for (const m of await registry.getMetricsAsJSON()) {
    names.add(m.name);
    if (String(m.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(`${m.name}${suffix}`);
  }
  return names;
}

const palisadeNames = (text: string) => new Set(text.match(/\bpalisade_[a-z0-9_]+/g) ?? []);

const rulesFile = () => YAML.parse(readFileSync(RULES, 'utf8')) as { groups: { rules: { alert: string; expr: string; annotations: Record<string, string> }[] }[] };

/** An expected alert: its labels and rendered summary; the description is the rule's, with its labels filled in. */
function firing(alert: string, labels: Record<string, string>, summary: string) {
  const rule = rulesFile().groups.flatMap((g) => g.rules).find((r) => r.alert === alert)!;
  const description = rule.annotations.description.replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, k: string) => labels[k]);
  return { exp_labels: labels, exp_annotations: { summary, description } };
}

// Each alert against series where it must fire and series where it must not (promtool's unit-test format).
const RULE_TESTS = {
  evaluation_interval: '1m',
  tests: [
    {
      name: 'a source that stopped succeeding is stale; one that keeps succeeding is not',
      interval: '1m',
      input_series: [
        { series: 'palisade_last_successful_scan_timestamp_seconds{source="traefik-file",instance="w1"}', values: '0+0x30' },
        { series: 'palisade_scan_interval_seconds{source="traefik-file",instance="w1"}', values: '60+0x30' },
        { series: 'palisade_last_successful_scan_timestamp_seconds{source="crowdsec",instance="w1"}', values: '0+60x30' },
        { series: 'palisade_scan_interval_seconds{source="crowdsec",instance="w1"}', values: '60+0x30' },
      ],
      alert_rule_test: [
        { eval_time: '6m', alertname: 'PalisadeScanStale', exp_alerts: [] },
        { eval_time: '10m', alertname: 'PalisadeScanStale', exp_alerts: [firing('PalisadeScanStale', { severity: 'warning', source: 'traefik-file' }, 'Palisade: no successful traefik-file scan for 10m 0s')] },
      ],
    },
    {
      name: 'scans that only fail',
      interval: '1m',
      input_series: [
        { series: 'palisade_scans_total{source="elasticsearch",outcome="failed",instance="w1"}', values: '0+1x40' },
        { series: 'palisade_scans_total{source="traefik-file",outcome="failed",instance="w1"}', values: '0+1x40' },
        { series: 'palisade_scans_total{source="traefik-file",outcome="ok",instance="w1"}', values: '0+1x40' },
      ],
      alert_rule_test: [
        { eval_time: '20m', alertname: 'PalisadeScansFailing', exp_alerts: [firing('PalisadeScansFailing', { severity: 'warning', source: 'elasticsearch' }, 'Palisade: every elasticsearch scan failed in the last 30 minutes')] },
      ],
    },
    {
      name: 'a review past half its timeout',
      interval: '1m',
      input_series: [
        { series: 'palisade_oldest_pending_review_age_seconds{instance="api"}', values: '0+60x200' },
        { series: 'palisade_review_timeout_seconds{instance="api"}', values: '14400+0x200' },
      ],
      alert_rule_test: [
        { eval_time: '110m', alertname: 'PalisadeReviewWaitingLong', exp_alerts: [] },
        { eval_time: '130m', alertname: 'PalisadeReviewWaitingLong', exp_alerts: [firing('PalisadeReviewWaitingLong', { severity: 'warning', instance: 'api' }, 'Palisade: a review has waited 2h 10m 0s, past half its timeout')] },
      ],
    },
    {
      name: 'enforcement failures, and none on a healthy step',
      interval: '1m',
      input_series: [
        { series: 'palisade_enforcement_failures_total{enforcer="pfsense",step="apply",instance="e1"}', values: '0 0 0 1 2 2' },
        { series: 'palisade_enforcement_failures_total{enforcer="pfsense",step="remove",instance="e1"}', values: '0 0 0 0 0 0' },
      ],
      alert_rule_test: [
        { eval_time: '5m', alertname: 'PalisadeEnforcementFailing', exp_alerts: [firing('PalisadeEnforcementFailing', { severity: 'critical', enforcer: 'pfsense', step: 'apply' }, 'Palisade: pfsense apply failed 2 times in 15 minutes')] },
      ],
    },
    {
      name: 'the governor refusing automatic blocks; granted ones are fine',
      interval: '1m',
      input_series: [
        { series: 'palisade_governor_verdicts_total{kind="auto",result="granted",instance="w1"}', values: '0+1x10' },
        { series: 'palisade_governor_verdicts_total{kind="auto",result="denied",instance="w1"}', values: '0 0 0 0 0 0 3 3 3 3' },
      ],
      alert_rule_test: [
        { eval_time: '4m', alertname: 'PalisadeGovernorSaturated', exp_alerts: [] },
        { eval_time: '8m', alertname: 'PalisadeGovernorSaturated', exp_alerts: [firing('PalisadeGovernorSaturated', { severity: 'warning' }, 'Palisade: the rate governor refused 3 automatic blocks in 15 minutes')] },
      ],
    },
  ],
};

describe('monitoring: alerting rules and the Grafana dashboard', () => {
  it('promtool check rules accepts the alerting rules', () => {
    const r = promtool(['check', 'rules', RULES]);
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /SUCCESS: 6 rules found/);
  });

  it('each alert fires on trouble and not on healthy series (promtool test rules)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'palisade-rules-'));
    try {
      const file = path.join(dir, 'tests.yml');
      writeFileSync(file, YAML.stringify({ rule_files: [RULES], ...RULE_TESTS }));
      const r = promtool(['test', 'rules', file]);
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('every Palisade metric the rules and the dashboard use is one the code registers', async () => {
    const names = await registeredNames();
    const rules = rulesFile();
    const exprs = rules.groups.flatMap((g) => g.rules.map((r) => r.expr));
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const queries = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    assert.ok(queries.length >= 20, 'the dashboard has its panels');
    for (const [what, list] of [['rules', exprs], ['dashboard', queries]] as const) {
      for (const name of palisadeNames(list.join('\n'))) assert.ok(names.has(name), `${what} use ${name}, which no code registers`);
    }
  });

  it('every label the rules and the dashboard select, group by or show is one those Palisade metrics carry', async () => {
    await registeredNames();
    const scrapeTime = new Set<string>([...Object.keys(VISIBILITY_GAUGES), REVIEW_TIMEOUT_GAUGE]);
    const labelsOf = (name: string): string[] | undefined => {
      if (scrapeTime.has(name)) return [];
      const m = registry.getSingleMetric(name) ?? registry.getSingleMetric(name.replace(/_(bucket|sum|count)$/, ''));
      return m ? [...((m as unknown as { labelNames?: string[] }).labelNames ?? [])] : undefined;
    };
    const problems: string[] = [];
    for (const r of rulesFile().groups.flatMap((g) => g.rules)) {
      problems.push(...unknownLabels(r.expr, labelsOf, Object.values(r.annotations), /^palisade_/).map((p) => `rule ${r.alert}: ${p}`));
    }
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: { title: string; targets?: { expr: string; legendFormat?: string }[] }[] };
    for (const panel of dashboard.panels) {
      for (const t of panel.targets ?? []) {
        if (!/\bpalisade_/.test(t.expr)) continue; // the SDK's series: test/integration/metrics.test.ts
        problems.push(...unknownLabels(t.expr, labelsOf, [t.legendFormat ?? ''], /^palisade_/).map((p) => `panel "${panel.title}": ${p}`));
      }
    }
    assert.deepEqual(problems, []);
    // The check sees a wrong label (a test that cannot fail is no test).
    assert.match(unknownLabels('sum by (channel) (increase(palisade_threat_outcomes_total{result="x"}[1h]))', labelsOf, ['{{decision}}']).join('\n'),
      /palisade_threat_outcomes_total\{result\}: no such label\n.*by\/without \(channel\)[^\n]*\n.*template \{\{decision\}\}/);
  });

  it('the dashboard charts what an SRE alerts on', () => {
    const dashboard = readFileSync(DASHBOARD, 'utf8');
    for (const name of ['palisade_oldest_pending_review_age_seconds', 'palisade_block_verification_levels_total', 'palisade_scans_total',
      'palisade_last_successful_scan_timestamp_seconds', 'palisade_human_decisions_recorded_total', 'palisade_threat_outcomes_total',
      'palisade_enforcement_failures_total', 'palisade_governor_verdicts_total', 'temporal_worker_task_slots_available']) {
      assert.ok(dashboard.includes(name), `a panel on ${name}`);
    }
  });
});
