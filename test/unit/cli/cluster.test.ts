// `palisade cluster` bad input through the real CLI: a clear message, a non-zero exit, and nothing created or started.
// (Starting and stopping a real cluster is in test/integration/cluster/.)
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, type CliResult } from '../../helpers/run-cli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'palisade-cluster-cli-'));
const cli = (args: string[]): Promise<CliResult> => runCli(args, { cwd: tmp, env: { PATH: process.env.PATH ?? '', HOME: tmp } });

void describe('palisade cluster (bad input)', () => {
  const cases: [string, string[], RegExp][] = [
    ['zero shards', ['--shards', '0'], /--shards: .*>=1/],
    ['a port that is not a number', ['--port', '72a3'], /--port must be a whole number, got "72a3"/],
    ['a privileged port', ['--port', '80'], /--port: .*>=1324/],
    ['a namespace with a space', ['--namespace', 'my ns'], /--namespace: letters, digits/],
  ];
  for (const [name, args, message] of cases) {
    void it(`start with ${name}: exit 2, message, no cluster directory`, async () => {
      const dir = path.join(tmp, name.replace(/\W+/g, '-'));
      const r = await cli(['cluster', 'start', '--dir', dir, ...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(existsSync(dir), false, 'nothing created');
    });
  }

  void it('stop in a directory that is not a cluster: exit 1, says so', async () => {
    const dir = path.join(tmp, 'not-a-cluster');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'something'), 'x');
    const r = await cli(['cluster', 'stop', '--dir', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /is not a palisade cluster directory \(no cluster\.json\)/);
  });

  void it('status where no cluster exists: exit 5 (unavailable), says how to create one', async () => {
    const r = await cli(['cluster', 'status', '--dir', path.join(tmp, 'nothing-here')]);
    assert.equal(r.code, 5);
    assert.match(r.stdout, /no cluster in .*nothing-here \(palisade cluster start creates one\)/);
    const json = await cli(['cluster', 'status', '--json', '--dir', path.join(tmp, 'nothing-here')]);
    assert.equal(JSON.parse(json.stdout).exists, false);
  });
});
