// `palisade start` flags → configuration: --serve-spa / --no-serve-spa set api.serveReviewPage on top of the file.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { buildProgram } from '../../../cli/main';
import { globals, loadCliConfig } from '../../../cli/context';
import { startOverrides } from '../../../cli/commands/start';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'palisade-start-flags-'));

/** Parses `palisade <args>` with start's action replaced by one that returns the configuration it would start with. */
async function startConfig(args: string[]) {
  const program = buildProgram();
  const start = program.commands.find((c) => c.name() === 'start')!;
  let seen: ReturnType<typeof loadCliConfig> | undefined;
  start.action((opts: Parameters<typeof startOverrides>[0], cmd: Command) => {
    seen = loadCliConfig(globals(cmd), startOverrides(opts));
  });
  await program.parseAsync(['node', 'palisade', ...args]);
  return seen!;
}

void describe('palisade start --serve-spa / --no-serve-spa', () => {
  const off = path.join(tmp, 'off.yaml');
  writeFileSync(off, 'api:\n  serveReviewPage: false\n');

  for (const [args, expected] of [
    [['start'], true],
    [['start', '--no-serve-spa'], false],
    [['start', '--serve-spa'], true],
    [['--config', off, 'start'], false],
    [['--config', off, 'start', '--serve-spa'], true],
  ] as const) {
    test(`${args.join(' ')} → api.serveReviewPage ${expected}`, async () => {
      const config = await startConfig([...args]);
      assert.equal(config.api.serveReviewPage, expected);
    });
  }

  test('start --help documents both and where secrets go', () => {
    const start = buildProgram().commands.find((c) => c.name() === 'start')!;
    let help = '';
    start.configureOutput({ writeOut: (s) => (help += s) });
    start.outputHelp();
    assert.match(help, /--serve-spa /);
    assert.match(help, /--no-serve-spa /);
    assert.match(help, /Secrets \(API keys, tokens, passwords\) are never flags/);
  });
});
