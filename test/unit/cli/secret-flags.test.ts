// Secrets are never flags (`ps` shows every process's arguments to every user): `palisade start --llm-api-key …`,
// the PRD's flag, and any other secret-looking flag are refused before anything runs, naming the environment variable
// and the `{ env: … }` / `{ file: … }` reference to use instead.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { findSecretFlag, isSecretFlagName, secretFieldsForFlag, secretFlagRefusal } from '../../../cli/secret-flags';
import { buildProgram } from '../../../cli/main';
import { secretFields } from '../../../domain/config/secret-fields';
import { runCli } from '../../helpers/run-cli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'palisade-secret-flags-'));

void describe('secret-looking flags', () => {
  for (const name of ['llm-api-key', 'api-key', 'apikey', 'token', 'control-token', 'discord-bot-token', 'pfsense-password', 'passwd', 'ssh-private-key', 'signing-key', 'llm-key', 'discord-webhook-url', 'secret', 'credentials', 'LLM-API-KEY']) {
    test(`--${name} is a secret`, () => assert.equal(isSecretFlagName(name), true));
  }
  for (const name of ['config', 'llm-url', 'llm-model', 'llm-provider', 'dry-run', 'serve-spa', 'no-serve-spa', 'operator', 'comment', 'token-file', 'api-key-env', 'key-file', 'expected-count', 'case', 'address']) {
    test(`--${name} is not a secret`, () => assert.equal(isSecretFlagName(name), false));
  }

  test('no flag the CLI defines looks like a secret', () => {
    const walk = (c: Command): string[] => [...c.options.map((o) => o.long?.replace(/^--/, '') ?? ''), ...c.commands.flatMap(walk)];
    const flags = walk(buildProgram()).filter(Boolean);
    assert.ok(flags.length > 20, 'every command\'s options were walked');
    assert.deepEqual(flags.filter(isSecretFlagName), []);
  });

  for (const [args, expected] of [
    [['start', '--llm-api-key', 'sk-x'], 'llm-api-key'],
    [['start', '--llm-api-key=sk-x'], 'llm-api-key'],
    [['--config', 'p.yaml', 'start', '--mode', 'auto', '--control-token', 'x'], 'control-token'],
    [['start', '--mode', 'auto'], undefined],
    [['approve', '1.2.3.4', '--comment', 'the --token flag is refused'], undefined],
    [['detect', '--', '--token'], undefined],
  ] as const) {
    test(`findSecretFlag(${args.join(' ')}) = ${expected}`, () => assert.equal(findSecretFlag(args), expected));
  }
});

void describe('where a refused secret goes instead', () => {
  test('the configuration\'s secret fields are found in the schema, with their default environment variables', () => {
    const fields = Object.fromEntries(secretFields().map((f) => [f.path, f.defaultEnv ?? null]));
    assert.equal(fields['llm.apiKey'], null);
    assert.equal(fields['api.controlToken'], 'PALISADE_CONTROL_TOKEN');
    assert.equal(fields['intel.abuseipdb.apiKey'], 'ABUSEIPDB_API_KEY');
    assert.equal(fields['discord.botToken'], 'DISCORD_BOT_TOKEN');
    for (const p of ['temporal.apiKey', 'enforcement.pfsense.ssh.privateKey', 'enforcement.pfsense.rest.password', 'detection.crowdsec.apiKey', 'api.linkSigningKey']) assert.ok(p in fields, p);
  });

  for (const [flag, paths] of [
    ['llm-api-key', ['llm.apiKey']],
    ['llm-key', ['llm.apiKey']],
    ['control-token', ['api.controlToken']],
    ['discord-token', ['discord.botToken']],
    ['signing-key', ['api.linkSigningKey']],
    ['ssh-key', ['enforcement.pfsense.ssh.privateKey']],
    ['pfsense-password', ['enforcement.pfsense.rest.password', 'enforcement.pfsense.xmlrpc.password', 'enforcement.pfsense.ssh.password']],
    ['abuseipdb-api-key', ['intel.abuseipdb.apiKey']],
    ['secret', []],
  ] as const) {
    test(`--${flag} stands for ${paths.join(', ') || 'no field'}`, () => assert.deepEqual(secretFieldsForFlag(flag).map((f) => f.path), paths));
  }

  test('--api-key lists every API key but not the link signing key', () => {
    const paths = secretFieldsForFlag('api-key').map((f) => f.path);
    assert.ok(paths.includes('llm.apiKey') && paths.includes('temporal.apiKey') && paths.includes('intel.otx.apiKey'));
    assert.ok(!paths.includes('api.linkSigningKey'));
  });

  test('the message says why, and names the environment variables and the { file: … } reference', () => {
    const m = secretFlagRefusal('llm-api-key');
    assert.match(m, /^--llm-api-key is refused: command-line flags are visible to every user of this machine in `ps`/);
    assert.match(m, /ANTHROPIC_API_KEY \(provider anthropic\) or OPENAI_API_KEY \(provider openai\)/);
    assert.match(m, /`llm\.apiKey: \{ env: NAME \}` \/ `llm\.apiKey: \{ file: \/path\/to\/secret \}`/);
    assert.match(secretFlagRefusal('temporal-api-key'), /temporal\.apiKey: environment variable TEMPORAL_API_KEY/);
  });
});

void describe('palisade start with a secret flag (the real CLI)', () => {
  test('--llm-api-key: exit 2, the message, nothing started, the value never echoed', async () => {
    const dataDir = path.join(tmp, 'data');
    const config = path.join(tmp, 'palisade.yaml');
    writeFileSync(config, `dataDir: ${dataDir}\napi:\n  port: 0\n`);
    for (const args of [['start', '--llm-api-key', 'sk-ant-SECRET-VALUE-1'], ['start', '--llm-api-key=sk-ant-SECRET-VALUE-1'], ['--llm-api-key', 'sk-ant-SECRET-VALUE-1', 'start']]) {
      const r = await runCli(['--config', config, ...args], { cwd: tmp, env: { PATH: process.env.PATH ?? '', HOME: tmp } });
      assert.equal(r.code, 2, args.join(' '));
      assert.equal(r.stdout, '');
      assert.match(r.stderr, /^palisade: --llm-api-key is refused: .*`ps`.*Nothing was started\./);
      assert.match(r.stderr, /ANTHROPIC_API_KEY/);
      assert.match(r.stderr, /\{ file: \/path\/to\/secret \}/);
      assert.doesNotMatch(r.stderr + r.stdout, /SECRET-VALUE/);
    }
    assert.equal(existsSync(dataDir), false, 'start did not run: no data directory, no control token, no Temporal');
  });

  test('another command with a secret flag is refused the same way', async () => {
    const r = await runCli(['pending', '--temporal-api-key', 'tk-SECRET-VALUE-2'], { cwd: tmp, env: { PATH: process.env.PATH ?? '', HOME: tmp } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--temporal-api-key is refused: .*\n.*\n {2}temporal\.apiKey: environment variable TEMPORAL_API_KEY/);
    assert.doesNotMatch(r.stderr, /SECRET-VALUE/);
  });
});
