// `palisade allowlist add` applies the config's width rule for never-block lists before connecting anywhere: an
// entry like 0.0.0.0/0 would switch blocking off entirely (issue 11, finding 7).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../helpers/run-cli';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'palisade-allowlist-'));

void describe('palisade allowlist add: width rule', () => {
  for (const cidr of ['0.0.0.0/0', '::/0', '44.0.0.0/7', '2000::/15']) {
    void it(`refuses ${cidr} with exit 2 and the reason`, async () => {
      // An unreachable Temporal address: the refusal must come before any connection attempt (exit 5 otherwise).
      const r = await runCli(['allowlist', 'add', cidr, '--operator', 'mallory'], {
        cwd: tmp, env: { PATH: process.env.PATH ?? '', HOME: tmp, PALISADE_TEMPORAL_ADDRESS: '127.0.0.1:1' },
      });
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /refused: .*is wider than \/(8|16)/);
    });
  }
});
