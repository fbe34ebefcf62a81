// The metric setters in the code paths they describe: enforcer calls by step and result (with injected firewall
// faults), scans by outcome and last success, governor verdicts, the worker-role /metrics listener and the
// configuration keys that place the listeners.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createEnforcementActivities } from '../../../activities/enforcement';
import { MemoryEnforcer } from '../../../activities/enforcers/memory';
import { createReconcileActivities } from '../../../activities/reconcile';
import type { BlockRequest } from '../../../domain/types';
import { ConfigError, loadConfig } from '../../../runtime/config';
import {
  countedScan, enforcementDuration, enforcementFailures, governorCap, governorUsed, governorVerdicts, humanDecisions, lastSuccessfulScan, recordGovernorVerdict,
  scans, serveMetrics,
} from '../../../runtime/metrics';
import { submitDecision, submitIncidentDecision } from '../../../runtime/operator-actions';
import type { Client } from '@temporalio/client';

type Metric = { get(): Promise<{ values: { labels: Record<string, string | number>; value: number; metricName?: string }[] }> };
const value = async (m: Metric, labels: Record<string, string>, metricName?: string) =>
  (await m.get()).values
    .filter((v) => (metricName === undefined || v.metricName === metricName) && Object.entries(labels).every(([k, x]) => v.labels[k] === x))
    .reduce((a, v) => a + v.value, 0);
const calls = (enforcer: string, step: string, result: string) =>
  value(enforcementDuration as unknown as Metric, { enforcer, step, result }, 'palisade_enforcement_duration_seconds_count');
const failures = (enforcer: string, step: string) => value(enforcementFailures as unknown as Metric, { enforcer, step });

const req = (ip: string): BlockRequest => ({ blockId: `${ip}#1`, ip, target: `${ip}/32`, direction: 'inbound', reason: 'test', dryRun: false, enforcer: 'metrics-fw' });

describe('metrics set by their code paths', () => {
  test('enforcement activities: every enforcer call is timed by step; errors and blocks that did not take are failures', async () => {
    const fw = new MemoryEnforcer('metrics-fw');
    const acts = createEnforcementActivities({ enforcers: { 'metrics-fw': fw } });
    await acts.enforceBlock(req('203.0.113.1'), 0);
    assert.equal(await calls('metrics-fw', 'apply', 'ok'), 1);
    assert.equal(await calls('metrics-fw', 'verify', 'ok'), 1);

    fw.faults.failApply = 1;
    await assert.rejects(acts.enforceBlock(req('203.0.113.2'), 0), /firewall unreachable/);
    assert.equal(await failures('metrics-fw', 'apply'), 1, 'a transient error is a failed attempt');

    fw.faults.verifyAlwaysAbsent = true;
    const r = await acts.enforceBlock(req('203.0.113.3'), 0);
    assert.equal(r.verify.present, false);
    assert.equal(await failures('metrics-fw', 'verify'), 1, 'a block that did not take is a failed verification');
    fw.faults.verifyAlwaysAbsent = false;

    await acts.removeBlock(req('203.0.113.3'));
    assert.equal(await calls('metrics-fw', 'rollback', 'ok'), 1, 'the saga\'s compensation is counted as rollback');
    const lifted = await acts.liftBlock(req('203.0.113.1'));
    assert.equal(lifted.verifyRemoval.removed, true);
    assert.equal(await calls('metrics-fw', 'remove', 'ok'), 1);
    assert.equal(await calls('metrics-fw', 'verify_removal', 'ok'), 1);
  });

  test('reconciler: its enforcer calls (list, re-apply, read-back, orphan removal) are timed and counted like the saga\'s', async () => {
    const fw = new MemoryEnforcer('recon-fw');
    const acts = createReconcileActivities({ enforcers: { 'recon-fw': fw } });
    const block = { workflowId: 'threat/198.51.100.7', ip: '198.51.100.7', target: '198.51.100.7/32', blockId: '198.51.100.7#1', direction: 'inbound' as const };
    assert.equal((await acts.reconcileReapply({ enforcer: 'recon-fw', block })).present, true);
    assert.deepEqual([await calls('recon-fw', 'apply', 'ok'), await calls('recon-fw', 'verify', 'ok')], [1, 1]);
    const entries = await acts.reconcileListEntries({ enforcer: 'recon-fw' });
    assert.equal(await calls('recon-fw', 'list', 'ok'), 1);
    await acts.reconcileRemoveOrphan({ enforcer: 'recon-fw', entry: entries.find((x) => x.blockId === block.blockId)! });
    assert.equal(await calls('recon-fw', 'remove', 'ok'), 1);

    fw.faults.failApply = 1;
    await assert.rejects(acts.reconcileReapply({ enforcer: 'recon-fw', block }), /firewall unreachable/);
    assert.equal(await failures('recon-fw', 'apply'), 1, 'a failed re-apply is a failed apply');
    fw.faults.verifyAlwaysAbsent = true;
    assert.equal((await acts.reconcileReapply({ enforcer: 'recon-fw', block })).present, false);
    assert.equal(await failures('recon-fw', 'verify'), 1, 'a re-applied block that did not take is a failed verification');
    fw.faults.permanentApplyError = 'bad credentials';
    await assert.rejects(acts.reconcileReapply({ enforcer: 'recon-fw', block }), (e: Error & { nonRetryable?: boolean }) => e.nonRetryable === true && /re-apply on recon-fw: bad credentials/.test(e.message));
    assert.equal(await failures('recon-fw', 'apply'), 2);
  });

  test('a refused decision\'s caller text never becomes a label value (decision counted as invalid)', async () => {
    const noClient = {} as Client;
    for (const decision of ['approve-all-the-things', 'x'.repeat(64), 'reboot']) {
      await assert.rejects(submitDecision(noClient, '203.0.113.50', { decision, approver: 'eve', channel: 'api' } as never), /decision/);
      await assert.rejects(submitIncidentDecision(noClient, 'c0ffee', { decision, approver: 'eve', channel: 'api' } as never), /decision/);
    }
    const labels = (await (humanDecisions as unknown as Metric).get()).values.map((v) => String(v.labels.decision));
    assert.deepEqual([...new Set(labels)], ['invalid']);
    assert.equal(await value(humanDecisions as unknown as Metric, { subject: 'threat', decision: 'invalid', result: 'invalid_input' }), 3);
    assert.equal(await value(humanDecisions as unknown as Metric, { subject: 'incident', decision: 'invalid', result: 'invalid_input' }), 3);
  });

  test('scans: ok sets the last success; a throw is a failed run and is rethrown; a missing source is skipped', async () => {
    const before = Date.now() / 1000;
    await countedScan('unit-src', async () => ({ n: 1 }), () => ({ source: 'unit-src', outcome: 'ok' }));
    const last = await value(lastSuccessfulScan as unknown as Metric, { source: 'unit-src' });
    assert.ok(last >= Math.floor(before) && last <= Date.now() / 1000 + 1, `last success ${last}`);
    await assert.rejects(countedScan('unit-src', async () => { throw new Error('es down'); }, () => ({ source: 'unit-src', outcome: 'ok' })), /es down/);
    await countedScan('unit-src', async () => ({}), () => ({ source: 'unit-src', outcome: 'skipped' }));
    assert.deepEqual(await Promise.all(['ok', 'failed', 'skipped'].map((outcome) => value(scans as unknown as Metric, { source: 'unit-src', outcome }))), [1, 1, 1]);
    assert.equal(await value(lastSuccessfulScan as unknown as Metric, { source: 'unit-src' }), last, 'a failure leaves the last success alone');
  });

  test('governor: verdicts by kind and result; an unavailable governor leaves the window gauges as they were', async () => {
    recordGovernorVerdict('auto', { granted: true, used: 2, cap: 5 });
    recordGovernorVerdict('auto', { granted: false, used: 5, cap: 5 });
    assert.equal(await value(governorUsed as unknown as Metric, {}), 5);
    recordGovernorVerdict('auto', { granted: false, used: 5, cap: 5, unavailable: 'timeout' });
    recordGovernorVerdict('human', { granted: true, used: 3, cap: 7 });
    assert.deepEqual([await value(governorUsed as unknown as Metric, {}), await value(governorCap as unknown as Metric, {})], [3, 7]);
    const v = (kind: string, result: string) => value(governorVerdicts as unknown as Metric, { kind, result });
    assert.deepEqual(await Promise.all([v('auto', 'granted'), v('auto', 'denied'), v('auto', 'unavailable'), v('human', 'granted')]), [1, 1, 1, 1]);
  });

  test('the worker-role listener serves GET /metrics only, and a busy port is a clear error', async () => {
    const server = await serveMetrics('127.0.0.1', 0);
    try {
      const res = await fetch(server.url);
      assert.equal(res.status, 200);
      assert.match(await res.text(), /^# HELP palisade_/m);
      assert.equal((await fetch(server.url.replace('/metrics', '/health'))).status, 404);
      assert.equal((await fetch(server.url, { method: 'POST' })).status, 404);
      const port = Number(new URL(server.url).port);
      await assert.rejects(serveMetrics('127.0.0.1', port), /cannot serve worker metrics on 127\.0\.0\.1:\d+ \(workers\.metricsHost \/ workers\.metricsPort\)/);
    } finally {
      await server.close();
    }
  });

  test('configuration: metrics listeners validated, the old api.temporalMetricsAddress still accepted', () => {
    const issues = (overrides: object) => {
      try {
        loadConfig({ file: '/dev/null', env: {}, overrides });
        return [];
      } catch (e) {
        assert.ok(e instanceof ConfigError);
        return e.issues.map((i) => `${i.path}: ${i.message}`);
      }
    };
    assert.deepEqual(issues({ temporal: { metricsAddress: '127.0.0.1:9465' }, api: { temporalMetricsAddress: '[::1]:9466' }, workers: { metricsPort: 0 } }), []);
    assert.match(issues({ temporal: { metricsAddress: 'localhost' } }).join('\n'), /temporal\.metricsAddress: must be host:port/);
    assert.match(issues({ temporal: { metricsAddress: '127.0.0.1:70000' } }).join('\n'), /temporal\.metricsAddress: port must be 1-65535/);
    assert.match(issues({ api: { temporalMetricsAddress: ':9465' } }).join('\n'), /api\.temporalMetricsAddress: must be host:port/);
    assert.match(issues({ workers: { metricsPort: 65536 } }).join('\n'), /workers\.metricsPort/);
    const defaults = loadConfig({ file: '/dev/null', env: {} });
    assert.deepEqual([defaults.workers.metricsHost, defaults.workers.metricsPort, defaults.temporal.metricsAddress], ['127.0.0.1', 9464, undefined]);
  });
});
