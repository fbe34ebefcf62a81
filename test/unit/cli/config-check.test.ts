// `palisade config check` through the real CLI (spawned): bad configurations exit 2 naming each bad field; a good one
// prints the effective configuration with secrets shown only as set/unset.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { runCli, type CliResult } from '../../helpers/run-cli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'palisade-config-'));

function cli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(args, { cwd: tmp, env: { PATH: process.env.PATH ?? '', HOME: tmp, ...env } });
}

function file(name: string, text: string): string {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
}

void describe('palisade config check', () => {
  void it('exits 2 and names every bad field of a broken file', async () => {
    const bad = file('bad.yaml', [
      'policy:', '  mode: sometimes', '  thresholds: { analyse: 90, auto: 50 }',
      'api:', '  port: 99999', '  bogus: 1',
      'enforcement:', '  enforcer: pfsense',
    ].join('\n'));
    const r = await cli(['config', 'check', '--config', bad]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /invalid configuration in .*bad\.yaml/);
    assert.match(r.stderr, /policy\.mode: .*"disabled"\|"review"\|"auto"/);
    assert.match(r.stderr, /api\.port: .*65535/);
    assert.match(r.stderr, /api\.bogus: unknown field/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  });

  void it('reports cross-field errors once the schema passes', async () => {
    const r = await cli(['config', 'check', '--config', file('semantic.yaml', 'policy:\n  thresholds: { analyse: 90, auto: 50 }\nenforcement:\n  enforcer: pfsense\n')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /policy\.thresholds\.auto: must be >= analyse \(90\)/);
    assert.match(r.stderr, /enforcement\.pfsense: required when enforcement\.enforcer is pfsense/);
  });

  void it('exits 2 for YAML syntax errors, a missing file and a bad environment override', async () => {
    const syntax = await cli(['config', 'check', '--config', file('syntax.yaml', 'policy:\n  mode: [review\n')]);
    assert.equal(syntax.code, 2);
    assert.match(syntax.stderr, /line \d+/);
    const missing = await cli(['config', 'check', '--config', path.join(tmp, 'nope.yaml')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*nope\.yaml: ENOENT/);
    const env = await cli(['config', 'check', '--config', file('empty.yaml', '{}\n')], { PALISADE_DRY_RUN: 'maybe' });
    assert.equal(env.code, 2);
    assert.match(env.stderr, /PALISADE_DRY_RUN: expected true\/false/);
  });

  void it('prints the effective configuration with secrets redacted, flags and environment applied', async () => {
    const secretFile = file('bot-token', 'file-secret-value\n');
    const good = file('good.yaml', [
      'policy:', '  mode: auto',
      'discord:', `  botToken: { file: ${secretFile} }`, '  webhookUrl: { env: UNSET_WEBHOOK }',
      'temporal:', '  apiKey: { env: TEMPORAL_API_KEY }',
    ].join('\n'));
    const r = await cli(['--address', 'temporal.example:7233', '--namespace', 'sec', 'config', 'check', '--config', good], {
      PALISADE_CONTROL_TOKEN: 'control-secret-value', TEMPORAL_API_KEY: 'apikey-secret-value', PALISADE_DRY_RUN: 'false',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /configuration is valid/);
    for (const secret of ['control-secret-value', 'apikey-secret-value', 'file-secret-value']) assert.ok(!r.stdout.includes(secret), `${secret} not printed`);
    const effective = YAML.parse(r.stdout);
    assert.equal(effective.policy.mode, 'auto');
    assert.equal(effective.policy.dryRun, false);
    assert.equal(effective.temporal.address, 'temporal.example:7233');
    assert.equal(effective.temporal.namespace, 'sec');
    assert.equal(effective.api.controlToken, '<secret from env PALISADE_CONTROL_TOKEN: set>');
    assert.equal(effective.api.linkSigningKey, '<secret from env PALISADE_LINK_SIGNING_KEY: unset>');
    assert.equal(effective.temporal.apiKey, '<secret from env TEMPORAL_API_KEY: set>');
    assert.equal(effective.discord.botToken, `<secret from file ${secretFile}: present>`);
    assert.equal(effective.discord.webhookUrl, '<secret from env UNSET_WEBHOOK: unset>');

    const json = await cli(['config', 'check', '--config', good, '--format', 'json']);
    assert.equal(json.code, 0);
    assert.equal(JSON.parse(json.stdout).policy.mode, 'auto');
  });
});
