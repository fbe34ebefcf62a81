// What the main worker registers: every activity it offers is one a workflow schedules (a registration nothing calls
// is dead code that still shows up as a callable activity), with every optional part configured.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { loadConfig } from '../../../runtime/config';
import { mainQueueActivities } from '../../../workers';
import { bundleWorkflows } from '../../../workers/bundle';

void describe('main-queue activities', () => {
  test('every registered activity is called by some workflow (intel, baseline and LLM configured)', async () => {
    // Building the activities connects to nothing: a lazy connection to a closed port is never dialled.
    const connection = Connection.lazy({ address: '127.0.0.1:1' });
    try {
      const config = loadConfig({
        env: {},
        overrides: {
          intel: { abuseipdb: { enabled: true }, otx: { enabled: true }, baseline: { prometheusUrl: 'http://127.0.0.1:9' } },
          llm: { provider: 'ollama', baseUrl: 'http://127.0.0.1:9', model: 'llama3' },
        },
      });
      const acts = await mainQueueActivities({ config, connection: undefined as never, client: new Client({ connection }), logger: pino({ level: 'silent' }) });
      const { code } = await bundleWorkflows();
      const names = Object.keys(acts);
      assert.ok(names.includes('evaluateThreat') && names.includes('scanAccessLogs'), names.join(', '));
      assert.deepEqual(names.filter((n) => !code.includes(n)), [], 'activities no workflow calls');
    } finally {
      await connection.close();
    }
  });
});
