// [dev-server] `intel.baseline.prometheusUrl` on its own (no intel provider enabled) is wired: the main worker's
// evaluateThreat asks a real Prometheus for the IP's recent traffic and records it in the case's intel.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import pino from 'pino';
import type { Evaluation, EvaluateInput } from '../../activities/threat';
import { loadConfig } from '../../runtime/config';
import { mainQueueActivities } from '../../workers';
import { startPrometheus, startTrafficExporter, type RealPrometheus, type TrafficExporter } from '../helpers/prometheus';
import { createDevServerEnv } from '../helpers/temporal-env';
import { enrichInput } from '../unit/intel/helpers';

const ip = '45.155.205.233';
const query = 'sum(traefik_requests_by_client_total{client="{{ip}}"})';

void describe('[dev-server] intel.baseline.prometheusUrl alone', () => {
  let env: TestWorkflowEnvironment;
  let exporter: TrafficExporter;
  let prom: RealPrometheus;
  before(async () => {
    exporter = await startTrafficExporter();
    exporter.hit(ip, 412);
    prom = await startPrometheus(exporter.url);
    await prom.waitForScrape(query.replace('{{ip}}', ip));
    env = await createDevServerEnv();
  });
  after(async () => {
    await env?.teardown();
    await prom?.stop();
    await exporter?.close();
  });

  test('evaluateThreat records the IP\'s traffic baseline', async () => {
    const config = loadConfig({ env: {}, overrides: { intel: { baseline: { prometheusUrl: prom.url, requestsQuery: query } } } });
    for (const p of ['abuseipdb', 'greynoise', 'otx', 'ipinfo'] as const) assert.equal(config.intel[p].enabled, false);
    const acts = await mainQueueActivities({ config, connection: env.nativeConnection, client: env.client, logger: pino({ level: 'silent' }) });
    const input: EvaluateInput = { ip, evidence: enrichInput(ip).evidence, policy: config.policy, priorBlocks: 0 };
    const evaluation: Evaluation = await acts.evaluateThreat(input);
    assert.deepEqual(evaluation.intel?.baseline, { requestsPerHour: 412, query: query.replace('{{ip}}', ip) });
    assert.deepEqual(evaluation.intel?.providers, [{ provider: 'baseline', status: 'ok' }]);
  });
});
