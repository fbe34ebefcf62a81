// `palisade detect` (issue 12, must-show 2): the real CLI in a child process on every shipped sample, in each format.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PALISADE_BIN, type CliResult } from '../../helpers/run-cli';
import type { OfflineReport } from '../../../runtime/detect-offline';

const SAMPLES = path.resolve(__dirname, '../../../config/samples');
let tmp: string;

function detect(args: string[], stdin?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PALISADE_BIN, 'detect', ...args], {
      cwd: tmp, env: { PATH: process.env.PATH ?? '', HOME: tmp, PALISADE_CONFIG: '/dev/null' }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

void describe('palisade detect', () => {
  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'palisade-detect-'));
  });
  after(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  const cases: { file: string; format: string; expect: [string, string, string][] }[] = [
    { file: 'traefik-access.log', format: 'traefik-json', expect: [['45.155.205.233', 'secrets-scan', 'pending_review']] },
    { file: 'traefik-plain-secrets-scan.log', format: 'traefik-json', expect: [['91.92.243.65', 'secrets-scan', 'pending_review']] },
    {
      file: 'traefik-access-clf.log', format: 'traefik-clf', expect: [
        ['185.220.101.45', 'scanner-user-agent', 'pending_review'], ['185.220.101.45', 'probing', 'pending_review'],
        ['185.220.101.45', 'path-traversal', 'pending_review'], ['2a0b:f4c2:2::66', 'scanner-user-agent', 'pending_review'],
        ['167.94.138.120', 'scanner-user-agent', 'recorded'], ['10.42.0.5', 'probing', 'skipped_never_block'],
      ],
    },
    {
      file: 'ecs-access.ndjson', format: 'ecs-ndjson', expect: [
        ['193.142.146.10', 'path-traversal', 'pending_review'], ['80.94.95.20', 'admin-cve-probe', 'pending_review'],
        ['45.146.164.110', 'admin-cve-probe', 'pending_review'], ['2a06:4880:1000::7', 'admin-cve-probe', 'pending_review'],
      ],
    },
  ];
  for (const c of cases) {
    void test(`${c.file} (--format ${c.format} and auto): findings with the policy's verdict, line counts, exit 0`, async () => {
      const text = await detect(['--file', path.join(SAMPLES, c.file), '--format', c.format]);
      assert.equal(text.code, 0, text.stderr);
      assert.match(text.stdout, /lines: \d+ read, \d+ skipped \(ordinary traffic\), \d+ malformed/);
      assert.match(text.stdout, /lines\/s/);
      const auto = await detect(['--file', path.join(SAMPLES, c.file), '--json']);
      assert.equal(auto.code, 0, auto.stderr);
      const report = JSON.parse(auto.stdout) as OfflineReport;
      const lines = (await readFile(path.join(SAMPLES, c.file), 'utf8')).split('\n').filter((l) => l.trim()).length;
      assert.equal(report.lines.read, lines);
      assert.equal(report.lines.read, report.lines.skipped + report.lines.malformed + report.lines.counted);
      for (const [ip, behaviour, result] of c.expect) {
        const f = report.findings.find((x) => x.ip === ip && x.behaviour === behaviour);
        assert.ok(f, `${ip} ${behaviour} in ${JSON.stringify(report.findings.map((x) => [x.ip, x.behaviour]))}`);
        assert.equal(f.policy.result, result, `${ip} ${behaviour}`);
        assert.ok(text.stdout.includes(`${ip}  ${behaviour}  score ${f.score}`), `text output names ${ip} ${behaviour}`);
        assert.ok(f.samplePaths.length > 0 || f.sampleUserAgents.length > 0);
      }
    });
  }

  void test('stdin ("--file -") works; a log without attacks exits 0 with no findings', async () => {
    const quiet = '81.2.69.142 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 512 "-" "Mozilla/5.0" 1 "web@docker" "http://172.18.0.3:80" 3ms\n';
    const r = await detect(['--file', '-'], quiet.repeat(5));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /no findings/);
    assert.match(r.stdout, /5 read, 5 skipped/);
  });

  void test('unreadable input exits 2 with a message and prints no report', async () => {
    for (const file of [path.join(tmp, 'missing.log'), tmp]) {
      const r = await detect(['--file', file]);
      assert.equal(r.code, 2, `${file}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /cannot read/);
      assert.equal(r.stdout, '');
    }
    const badFormat = await detect(['--file', path.join(SAMPLES, 'traefik-access.log'), '--format', 'apache']);
    assert.equal(badFormat.code, 2);
    assert.match(badFormat.stderr, /--format must be one of/);
  });
});
