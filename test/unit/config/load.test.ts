// Configuration: YAML + environment + overrides, validated; errors name the field; secrets never printed.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { ConfigError, describeConfig, loadConfig } from '../../../runtime/config';

const dir = mkdtempSync(path.join(os.tmpdir(), 'palisade-config-'));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};
const issuesOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  assert.fail('expected a ConfigError');
};

describe('configuration', () => {
  test('the shipped example config is valid and matches the defaults where it says so', () => {
    const c = loadConfig({ file: path.resolve(__dirname, '../../../config/palisade.example.yaml'), env: {} });
    assert.equal(c.policy.mode, 'review');
    assert.equal(c.policy.dryRun, true);
  });

  const bad: [string, string, string, RegExp][] = [
    ['bad enum', 'policy:\n  mode: sometimes\n', 'policy.mode', /expected one of/],
    ['out of range', 'policy:\n  thresholds:\n    auto: 101\n', 'policy.thresholds.auto', /<=100/],
    ['unknown field', 'polcy:\n  mode: auto\n', 'polcy', /unknown field/],
    ['auto below analyse', 'policy:\n  thresholds:\n    analyse: 90\n    auto: 85\n', 'policy.thresholds.auto', /must be >= analyse/],
    ['ladder above max', 'policy:\n  durations:\n    ladderHours: [12, 500]\n', 'policy.durations.ladderHours[1]', /exceeds maxHours/],
    ['secret value inline', 'api:\n  controlToken: hunter2\n', 'api.controlToken', /object/i],
    ['secret ref with both', 'api:\n  controlToken: { env: A, file: /x }\n', 'api.controlToken', /exactly one/],
    ['llm without model', 'llm:\n  provider: openai\n', 'llm.model', /required/],
    ['pfsense enforcer without section', 'enforcement:\n  enforcer: pfsense\n', 'enforcement.pfsense', /required/],
    ['bad allowlist cidr', 'policy:\n  neverBlock:\n    allowlist:\n      - cidr: 10.0.0.1/8\n', 'policy.neverBlock.allowlist[0]', /network is 10.0.0.0\/8/],
    ['yaml syntax', 'policy: [\n', 'line', /./],
    ['the moved llm.onFailure', 'llm:\n  onFailure: no_action\n', 'llm.onFailure', /replaced by policy.onProposalFailure \(review \| rules\)/],
    ['a fallback that would record', 'policy:\n  onProposalFailure: no_action\n', 'policy.onProposalFailure', /expected one of/],
  ];
  for (const [name, yaml, field, message] of bad) {
    test(`invalid: ${name} → names ${field}`, () => {
      const issues = issuesOf(() => loadConfig({ file: file(`${name.replace(/\W/g, '_')}.yaml`, yaml), env: {} }));
      const hit = issues.find((i) => i.path.startsWith(field));
      assert.ok(hit, `issues: ${JSON.stringify(issues)}`);
      assert.match(hit.message, message);
    });
  }

  test('environment overrides: fixed names and PALISADE__path__to__key', () => {
    const c = loadConfig({
      file: file('env.yaml', 'policy:\n  mode: review\n'),
      env: { PALISADE_MODE: 'auto', PALISADE_DRY_RUN: 'false', TEMPORAL_ADDRESS: 'temporal:7233', PALISADE__policy__governor__maxUnattendedActions: '9', TEMPORAL_API_KEY: 'k' },
    });
    assert.deepEqual([c.policy.mode, c.policy.dryRun, c.temporal.address, c.policy.governor.maxUnattendedActions], ['auto', false, 'temporal:7233', 9]);
    assert.deepEqual(c.temporal.apiKey, { env: 'TEMPORAL_API_KEY' }, 'only the reference, never the key');
  });

  test('explicit overrides (CLI flags) win over file and environment', () => {
    const c = loadConfig({ file: file('o.yaml', 'policy:\n  mode: disabled\n'), env: { PALISADE_MODE: 'review' }, overrides: { policy: { mode: 'auto' } } });
    assert.equal(c.policy.mode, 'auto');
  });

  test('describeConfig shows whether secrets resolve, never their values', () => {
    const secretFile = file('token', 'file-secret-value\n');
    const c = loadConfig({ file: file('s.yaml', `api:\n  linkSigningKey: { file: ${secretFile} }\n`), env: {} });
    const text = JSON.stringify(describeConfig(c, { PALISADE_CONTROL_TOKEN: 'env-secret-value' }));
    assert.ok(!text.includes('env-secret-value') && !text.includes('file-secret-value'));
    assert.match(text, /<secret from env PALISADE_CONTROL_TOKEN: set>/);
    assert.match(text, /secret from file .*token: present>/);
    assert.equal(YAML.parse(YAML.stringify(describeConfig(c, {}))).policy.mode, 'review');
  });

  test('relative dataDir in a file resolves against the working directory, not silently elsewhere', () => {
    const c = loadConfig({ file: file('d.yaml', 'dataDir: ./state\n'), env: {} });
    assert.equal(c.dataDir, path.resolve('./state'));
    assert.ok(readFileSync(path.join(dir, 'd.yaml'), 'utf8').includes('state'));
  });
});
