// `palisade config check` through the real CLI (spawned): bad configurations exit 2 naming each bad field; a good one
// prints the effective configuration with secrets shown only as set/unset.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import YAML from 'yaml';
import { runCli, type CliResult } from '../../helpers/run-cli';
import { aliasBlockRule, FakePfRest } from '../../fakes/pfsense-rest';

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

  void it('refuses tokens and keys shorter than 32 bytes, naming where they come from and never their value', async () => {
    const keyFile = file('link-key', 'short-link-key\n');
    const cfg = file('short.yaml', ['api:', `  linkSigningKey: { file: ${keyFile} }`].join('\n'));
    const r = await cli(['config', 'check', '--config', cfg], { PALISADE_CONTROL_TOKEN: 'too-short-token', PALISADE_INGEST_TOKEN: 'i'.repeat(32) });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /api\.controlToken \(environment variable PALISADE_CONTROL_TOKEN\) is 15 bytes; at least 32 are required/);
    assert.match(r.stderr, new RegExp(`api\\.linkSigningKey \\(file ${keyFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\) is 14 bytes`));
    assert.doesNotMatch(r.stderr, /ingestToken/);
    assert.ok(!r.stderr.includes('too-short-token') && !r.stderr.includes('short-link-key'), 'values are never printed');
  });

  void it('prints the effective configuration with secrets redacted, flags and environment applied', async () => {
    const secretFile = file('bot-token', 'file-secret-value\n');
    const good = file('good.yaml', [
      'policy:', '  mode: auto',
      'discord:', `  botToken: { file: ${secretFile} }`, '  webhookUrl: { env: UNSET_WEBHOOK }',
      'temporal:', '  apiKey: { env: TEMPORAL_API_KEY }',
    ].join('\n'));
    const r = await cli(['--address', 'temporal.example:7233', '--namespace', 'sec', 'config', 'check', '--config', good], {
      PALISADE_CONTROL_TOKEN: 'control-secret-value-0123456789abcdef', TEMPORAL_API_KEY: 'apikey-secret-value', PALISADE_DRY_RUN: 'false',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /configuration is valid/);
    for (const secret of ['control-secret-value-0123456789abcdef', 'apikey-secret-value', 'file-secret-value']) assert.ok(!r.stdout.includes(secret), `${secret} not printed`);
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

void describe('palisade config check --live', () => {
  void it('names the alias and the rule to add when no enabled rule references it (exit 4); passes once the rule exists', async () => {
    const fake = new FakePfRest({ apiKey: 'live-check-key' });
    const port = await fake.start();
    try {
      const cfg = file('live.yaml', [
        'enforcement:', '  enforcer: pfsense', '  pfsense:', '    host: 127.0.0.1', '    transports: [rest]',
        `    rest: { scheme: http, port: ${port}, apiKey: { env: PF_KEY } }`,
      ].join('\n'));
      const failed = await cli(['config', 'check', '--live', '--config', cfg], { PF_KEY: 'live-check-key' });
      assert.equal(failed.code, 4, failed.stderr);
      assert.match(failed.stdout, /FAIL enforcer pfsense/);
      assert.match(failed.stdout, /✗ inbound rule on wan references alias PALISADE_BLOCK: alias PALISADE_BLOCK is not used by any enabled block or reject rule on interface wan .*add a rule on WAN with action Block, source PALISADE_BLOCK/);
      assert.match(failed.stderr, /live checks failed/);
      assert.doesNotMatch(failed.stdout + failed.stderr, /live-check-key/, 'no secret in the output');
      fake.rules.push(aliasBlockRule());
      const ok = await cli(['config', 'check', '--live', '--config', cfg, '--format', 'json'], { PF_KEY: 'live-check-key' });
      assert.equal(ok.code, 0, ok.stderr);
      const report = JSON.parse(ok.stdout) as { ok: boolean; sections: { name: string; ok: boolean }[] };
      assert.deepEqual(report.sections.map((s) => [s.name, s.ok]), [['enforcer pfsense', true], ['effect sources', true]]);
    } finally {
      await fake.close();
    }
  });

  void it('an effect source that cannot be read fails the live check', async () => {
    const cfg = file('live-effect.yaml', ['policy:', '  verification:', '    effect:', '      sources: [access-log, prometheus]'].join('\n'));
    const r = await cli(['config', 'check', '--live', '--config', cfg]);
    assert.equal(r.code, 4);
    assert.match(r.stdout, /ok   enforcer simulated/);
    assert.match(r.stdout, /✗ access-log: effect source access-log needs detection\.accessLog\.file/);
    assert.match(r.stdout, /✗ prometheus: effect source prometheus needs policy\.verification\.effect\.prometheusUrl/);
  });
});
