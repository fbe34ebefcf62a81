// The shipped proactive rule pack (config/proactive-rules.yaml): it has a rule for every precursor issue 16 lists, every
// query and probe is valid PromQL for Prometheus (promtool check rules), and each rule finds the trouble it is named
// for and stays quiet on healthy series (promtool test rules: Prometheus' own PromQL engine over series we write).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { effectiveRulePack, readRulePackFile, SHIPPED_RULE_PACK } from '../../../runtime/proactive-rules';
import { loadConfig } from '../../../runtime/config';

function promtool(args: string[], cwd?: string) {
  const r = spawnSync('promtool', args, { encoding: 'utf8', cwd });
  if (r.error) throw new Error(`promtool (Debian package prometheus, scripts/system-packages.txt) cannot run: ${r.error.message}`);
  return r;
}

const pack = readRulePackFile(SHIPPED_RULE_PACK);
const rule = (name: string) => {
  const r = pack.find((x) => x.name === name);
  assert.ok(r, `the shipped pack has ${name}`);
  return r;
};

/** The pack as Prometheus alerting rules (rule name = alert name), probes as recording rules. */
function asPrometheusRules() {
  return {
    groups: [{
      name: 'proactive',
      rules: [
        ...pack.map((r) => ({ alert: r.name, expr: r.query })),
        ...pack.flatMap((r) => r.probes.map((p, i) => ({ record: `proactive_probe:${r.name.replace(/-/g, '_')}:${i}`, expr: p.query }))),
      ],
    }],
  };
}

const DAY = 86_400;
// Alert labels are the series' labels without __name__, plus alertname (added by promtool).
const fs = (mount: string, fstype = 'ext4') => ({ instance: 'db01:9100', device: `/dev/sd${mount.length}`, fstype, mountpoint: mount });
const sel = (labels: Record<string, string>) => `{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
const fires = (alertname: string, labels: Record<string, string>[], eval_time: string) =>
  ({ eval_time, alertname, exp_alerts: labels.map((l) => ({ exp_labels: l })) });

// Each rule against series where it must fire and series where it must not. interval 1m: "a+bxN" = N+1 samples.
const RULE_TESTS = {
  evaluation_interval: '1m',
  tests: [
    {
      name: 'filesystem predicted full within 24 h: only the writable disk that fills fast enough',
      interval: '1m',
      input_series: [
        // 100 GB free, losing 100 MB a minute: 144 GB a day, full in under 17 h.
        { series: `node_filesystem_avail_bytes${sel(fs('/var'))}`, values: '100000000000-100000000x400' },
        // Losing 10 MB a minute: 14.4 GB a day, not full within 24 h.
        { series: `node_filesystem_avail_bytes${sel(fs('/srv'))}`, values: '100000000000-10000000x400' },
        { series: `node_filesystem_avail_bytes${sel(fs('/'))}`, values: '100000000000+0x400' },
        // tmpfs and read-only filesystems are left out even when "filling".
        { series: `node_filesystem_avail_bytes${sel(fs('/run', 'tmpfs'))}`, values: '1000000000-100000000x400' },
        { series: `node_filesystem_avail_bytes${sel(fs('/snap'))}`, values: '100000000000-100000000x400' },
        ...['/var', '/srv', '/', '/run'].map((m) => ({ series: `node_filesystem_readonly${sel(fs(m, m === '/run' ? 'tmpfs' : 'ext4'))}`, values: '0+0x400' })),
        { series: `node_filesystem_readonly${sel(fs('/snap'))}`, values: '1+0x400' },
      ],
      alert_rule_test: [fires('filesystem-fill-24h', [fs('/var')], '6h')],
    },
    {
      name: 'scrape target flapping: up changing 4+ times in 20 minutes, not a steady or a dead target',
      interval: '1m',
      input_series: [
        { series: 'up{job="node",instance="flappy:9100"}', values: '1 0 1 0 1 0 1 1 1 1 1 1 1 1 1 1 1 1 1 1' },
        { series: 'up{job="node",instance="steady:9100"}', values: '1+0x19' },
        { series: 'up{job="node",instance="dead:9100"}', values: '1 1 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0' },
      ],
      alert_rule_test: [fires('scrape-target-flapping', [{ job: 'node', instance: 'flappy:9100' }], '15m')],
    },
    {
      name: 'restart churn: a process started 3+ times in an hour, not a long-running one',
      interval: '1m',
      input_series: [
        { series: 'process_start_time_seconds{job="api",instance="a:8080"}', values: '100 100 100 400 400 400 700 700 700 1000 1000 1000' },
        { series: 'process_start_time_seconds{job="api",instance="b:8080"}', values: '100+0x11' },
      ],
      alert_rule_test: [fires('restart-churn', [{ job: 'api', instance: 'a:8080' }], '11m')],
    },
    {
      name: 'container restart churn (kube-state-metrics)',
      interval: '1m',
      input_series: [
        { series: 'kube_pod_container_status_restarts_total{namespace="shop",pod="web-1",container="web"}', values: '0+1x60' },
        { series: 'kube_pod_container_status_restarts_total{namespace="shop",pod="web-2",container="web"}', values: '2+0x60' },
      ],
      alert_rule_test: [fires('container-restart-churn', [{ namespace: 'shop', pod: 'web-1', container: 'web' }], '60m')],
    },
    {
      name: 'a failed systemd unit, not an active one',
      interval: '1m',
      input_series: [
        { series: 'node_systemd_unit_state{instance="db01:9100",name="backup.service",state="failed"}', values: '1+0x5' },
        { series: 'node_systemd_unit_state{instance="db01:9100",name="sshd.service",state="failed"}', values: '0+0x5' },
        { series: 'node_systemd_unit_state{instance="db01:9100",name="sshd.service",state="active"}', values: '1+0x5' },
      ],
      alert_rule_test: [fires('systemd-unit-failed', [{ instance: 'db01:9100', name: 'backup.service', state: 'failed' }], '5m')],
    },
    {
      name: 'certificate expiring within 14 days (blackbox exporter), not one valid for 30',
      interval: '1m',
      input_series: [
        { series: 'probe_ssl_earliest_cert_expiry{job="blackbox",instance="https://shop.example"}', values: `${10 * DAY}+0x5` },
        { series: 'probe_ssl_earliest_cert_expiry{job="blackbox",instance="https://intranet.example"}', values: `${30 * DAY}+0x5` },
      ],
      alert_rule_test: [fires('certificate-expiring-14d', [{ job: 'blackbox', instance: 'https://shop.example' }], '5m')],
    },
    {
      name: 'BGP peer not Established (BGP4-MIB state 6 = established)',
      interval: '1m',
      input_series: [
        { series: 'bgpPeerState{instance="rtr1",bgpPeerRemoteAddr="192.0.2.1"}', values: '3+0x5' },
        { series: 'bgpPeerState{instance="rtr1",bgpPeerRemoteAddr="192.0.2.2"}', values: '6+0x5' },
      ],
      alert_rule_test: [fires('bgp-peer-not-established', [{ instance: 'rtr1', bgpPeerRemoteAddr: '192.0.2.1' }], '5m')],
    },
    {
      name: 'BGP peer flapping: re-established twice in an hour, not a stable session',
      interval: '1m',
      input_series: [
        { series: 'bgpPeerFsmEstablishedTransitions{instance="rtr1",bgpPeerRemoteAddr="192.0.2.1"}', values: '1+0x20 2+0x20 3+0x20' },
        { series: 'bgpPeerFsmEstablishedTransitions{instance="rtr1",bgpPeerRemoteAddr="192.0.2.2"}', values: '7+0x62' },
      ],
      alert_rule_test: [fires('bgp-peer-flapping', [{ instance: 'rtr1', bgpPeerRemoteAddr: '192.0.2.1' }], '60m')],
    },
    {
      name: 'BIRD BGP session down',
      interval: '1m',
      input_series: [
        { series: 'bird_protocol_up{instance="rtr2",name="upstream1",proto="BGP"}', values: '0+0x5' },
        { series: 'bird_protocol_up{instance="rtr2",name="upstream2",proto="BGP"}', values: '1+0x5' },
        { series: 'bird_protocol_up{instance="rtr2",name="static1",proto="Static"}', values: '0+0x5' },
      ],
      alert_rule_test: [fires('bird-bgp-session-down', [{ instance: 'rtr2', name: 'upstream1', proto: 'BGP' }], '5m')],
    },
    {
      name: 'intermittent packet loss on a probe: some probes failing, not all (an outage) and not none',
      interval: '1m',
      input_series: [
        { series: 'probe_success{job="icmp",instance="10.0.0.1"}', values: '1 0 1 1 0 1 1 1 0 1 1 1 1 0 1 1' },
        { series: 'probe_success{job="icmp",instance="10.0.0.2"}', values: '1+0x15' },
        { series: 'probe_success{job="icmp",instance="10.0.0.3"}', values: '0+0x15' },
      ],
      alert_rule_test: [fires('probe-intermittent-loss', [{ job: 'icmp', instance: '10.0.0.1' }], '15m')],
    },
  ],
};

describe('shipped proactive rule pack', () => {
  it('has a rule for each precursor the issue lists, with a severity, a query and an explanation', () => {
    const wanted: [string, string, RegExp][] = [
      ['filesystem-fill-24h', 'high', /predict_linear\(node_filesystem_avail_bytes.*\[6h\], 24 \* 3600\) < 0/],
      ['scrape-target-flapping', 'medium', /changes\(up\[20m\]\)/],
      ['restart-churn', 'medium', /changes\(process_start_time_seconds\[1h\]\)/],
      ['container-restart-churn', 'medium', /kube_pod_container_status_restarts_total/],
      ['systemd-unit-failed', 'high', /node_systemd_unit_state\{state="failed"\}/],
      ['certificate-expiring-14d', 'high', /probe_ssl_earliest_cert_expiry - time\(\)\) < 14 \* 86400/],
      ['bgp-peer-not-established', 'critical', /bgpPeerState != 6/],
      ['bgp-peer-flapping', 'high', /bgpPeerFsmEstablishedTransitions/],
      ['probe-intermittent-loss', 'medium', /avg_over_time\(probe_success\[15m\]\)/],
    ];
    for (const [name, severity, query] of wanted) {
      const r = rule(name);
      assert.equal(r.severity, severity, name);
      assert.match(r.query, query, name);
      assert.ok(r.explanation.length > 20, `${name} explains why it is a precursor`);
    }
    // What a default configuration scans is this pack.
    const config = loadConfig({ env: {}, file: '/dev/null', overrides: {} });
    assert.deepEqual(effectiveRulePack(config).map((r) => r.name), pack.map((r) => r.name));
    assert.equal(config.proactive.mode, 'off', 'the loop is off by default');
  });

  it('defaults: off; floor medium; 1 per cycle, 12 per day, $10 per day; cooldown 6 h; heavy probes only proposed', () => {
    const p = loadConfig({ env: {}, file: '/dev/null', overrides: {} }).proactive;
    assert.deepEqual([p.mode, p.severityFloor, p.budgets, p.cooldownHours, p.heavyProbes, p.icinga.enabled],
      ['off', 'medium', { investigationsPerCycle: 1, investigationsPerDay: 12, usdPerDay: 10 }, 6, false, false]);
    // Extending the pack in the config file: a rule of the same name replaces the shipped one, disabledRules leave out.
    const own = { name: 'restart-churn', severity: 'high' as const, query: 'changes(process_start_time_seconds[30m]) >= 2', explanation: 'stricter here', probes: [] };
    const extended = effectiveRulePack(loadConfig({ env: {}, file: '/dev/null', overrides: { proactive: { rules: [own], disabledRules: ['bird-bgp-session-down'] } } }));
    assert.equal(extended.find((r) => r.name === 'restart-churn')?.query, own.query);
    assert.equal(extended.filter((r) => r.name === 'restart-churn').length, 1);
    assert.ok(!extended.some((r) => r.name === 'bird-bgp-session-down'));
    assert.throws(() => effectiveRulePack(loadConfig({ env: {}, file: '/dev/null', overrides: { proactive: { disabledRules: ['no-such-rule'] } } })), /no such rule: no-such-rule/);
    assert.throws(() => loadConfig({ env: {}, file: '/dev/null', overrides: { proactive: { rules: [{ ...own, name: 'Bad Name' }] } } }), /proactive\.rules\[0\]\.name: lower-case letters/);
  });

  it('every query and probe is valid PromQL (promtool check rules)', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'palisade-proactive-rules-'));
    try {
      const file = path.join(dir, 'rules.yml');
      writeFileSync(file, YAML.stringify(asPrometheusRules()));
      const r = promtool(['check', 'rules', file]);
      const probes = pack.reduce((n, x) => n + x.probes.length, 0);
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, new RegExp(`SUCCESS: ${pack.length + probes} rules found`));
      // The check can fail: a broken query is refused.
      writeFileSync(file, YAML.stringify({ groups: [{ name: 'x', rules: [{ alert: 'broken', expr: 'predict_linear(node_filesystem_avail_bytes[6h]' }] }] }));
      assert.notEqual(promtool(['check', 'rules', file]).status, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('each rule finds its trouble and stays quiet on healthy series (promtool test rules)', () => {
    const tested = new Set(RULE_TESTS.tests.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)));
    assert.deepEqual(pack.map((r) => r.name).filter((n) => !tested.has(n)), [], 'every shipped rule has a case');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'palisade-proactive-rules-'));
    try {
      writeFileSync(path.join(dir, 'rules.yml'), YAML.stringify(asPrometheusRules()));
      writeFileSync(path.join(dir, 'tests.yml'), YAML.stringify({ rule_files: ['rules.yml'], ...RULE_TESTS }));
      const r = promtool(['test', 'rules', 'tests.yml'], dir);
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
