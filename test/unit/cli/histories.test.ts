// runtime/audit.ts and `palisade audit` / `palisade replay` on the committed histories (test/histories, recorded by
// the lifecycle scenarios): the timeline tells what happened and why, and replay passes on them and fails on an edit.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildTimeline, formatTimeline, historyFromJson, historyToJson, runHistoryFromJSON } from '../../../runtime/audit';
import { runCli, type CliResult } from '../../helpers/run-cli';

const root = path.resolve(__dirname, '../../..');
const dir = path.join(root, 'test/histories');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'palisade-histories-'));
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
const load = (f: string) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
const first = (prefix: string) => {
  const f = files.find((x) => x.startsWith(`${prefix}--`));
  assert.ok(f, `a committed ${prefix} history`);
  return f;
};
const ipOf = (f: string) => f.slice(f.indexOf('--') + 2, -'.json'.length);
const timelineText = (f: string) => formatTimeline(buildTimeline([runHistoryFromJSON(load(f), f)]));

function cli(args: string[]): Promise<CliResult> {
  return runCli(args, { cwd: root, env: { PATH: process.env.PATH ?? '', HOME: tmp, PALISADE_CONFIG: '/dev/null' } });
}

void describe('audit timeline of committed histories', () => {
  void it('every committed history decodes into an ordered timeline that starts with its run and a sighting', () => {
    assert.ok(files.length >= 5, `committed histories in ${dir}`);
    for (const f of files) {
      const run = runHistoryFromJSON(load(f), f);
      assert.equal(run.workflowId, `threat/${ipOf(f).replace(/_/g, ':')}`, f);
      const entries = buildTimeline([run]);
      assert.equal(entries[0]!.category, 'run', f);
      assert.match(entries[0]!.summary, /started \(threatWorkflow; cycle \d+/, f);
      assert.ok(entries.some((e) => e.category === 'sighting'), `${f} shows a sighting`);
      assert.deepEqual(entries.map((e) => e.at), entries.map((e) => e.at).sort(), `${f} is in time order`);
    }
  });

  void it('tells what the policy decided, who approved through which channel, and what the firewall did', () => {
    const approved = timelineText(first('review-approved'));
    assert.match(approved, /policy +policy decided: review \(block [\d.]+\/32 for \d+ h\)/);
    assert.match(approved, /status +status → pending_review/);
    assert.match(approved, /model +proposal \((rule-based|LLM)\): block for \d+ h/);
    assert.match(approved, /human +human decision: approved by \S+ via \S+/);
    assert.match(approved, /enforcement +firewall: apply block [\d.]+\/32 on \w+: ok/);
    assert.match(approved, /enforcement +firewall: verify [\d.]+\/32: level reached: (present|loaded)/);

    assert.match(timelineText(first('decide-signal')), /human decision \(signal\): approved by \S+ via temporal-ui/);
    assert.match(timelineText(first('review-rejected')), /human decision: rejected by /);
    for (const f of files.filter((x) => x.startsWith('never-block--'))) {
      const t = timelineText(f);
      assert.match(t, /outcome: skipped_never_block/, f);
      assert.doesNotMatch(t, /firewall: apply block/, f);
    }
  });

  void it('an auto block: the decision with every reason and the governor verdict are read from recorded events', () => {
    const f = first('auto-expired');
    const t = timelineText(f);
    assert.match(t, /screening +screening: blockable as [\d.]+\/32/);
    assert.match(t, /intel +intel: composite \d+/);
    assert.match(t, /policy +policy assessed: analyse \(score 97/);
    assert.match(t, /governor +rate governor \(unattended action\): granted, 1\/5 in 60 min/);
    assert.match(t, /policy +policy decided: auto \(block [\d.]+\/32 for 24 h\)\n +score 97 ≥ analyse threshold 80; own observation: none; feed reputation: known bad\n(?: +.*\n)* +score 97 ≥ auto threshold 95 in mode auto \(governor 1\/5\): acting without a human/);
    assert.match(t, /enforcement +firewall: apply block [\d.]+\/32 on memory: ok/);
    assert.match(t, /enforcement +firewall: verify removal [\d.]+\/32: gone/);
    // Not inferred: change the reason inside the recorded decision, and the audit says what the history says.
    const json = load(f);
    let edited = 0;
    for (const e of json.events) {
      for (const p of e.markerRecordedEventAttributes?.details?.result?.payloads ?? []) {
        const text = Buffer.from(p.data, 'base64').toString('utf8');
        if (!text.includes('acting without a human')) continue;
        p.data = Buffer.from(text.replace('acting without a human', 'EDITED REASON')).toString('base64');
        edited += 1;
      }
    }
    assert.equal(edited, 1, 'the decision is one marker event');
    const changed = formatTimeline(buildTimeline([runHistoryFromJSON(json, f)]));
    assert.match(changed, /EDITED REASON/);
    assert.doesNotMatch(changed, /acting without a human/);
  });

  void it('reads both enum spellings and round-trips through its own JSON form', () => {
    const json = load(first('review-approved'));
    const pascal = JSON.parse(JSON.stringify(json));
    for (const e of pascal.events) {
      e.eventType = e.eventType.replace(/^EVENT_TYPE_/, '').toLowerCase().replace(/(^|_)([a-z])/g, (_: string, _u: string, c: string) => c.toUpperCase());
    }
    assert.match(pascal.events[0].eventType, /^WorkflowExecutionStarted$/);
    const a = historyFromJson(json);
    const b = historyFromJson(pascal);
    assert.deepEqual(b.events!.map((e) => e.eventType), a.events!.map((e) => e.eventType));
    assert.deepEqual(JSON.parse(historyToJson(a)), json);
    assert.throws(() => historyFromJson({ nope: 1 }), /array of events/);
  });
});

void describe('palisade audit --history / palisade replay on committed histories (spawned CLI)', () => {
  void it('audit prints the full timeline and refuses a history of another IP', async () => {
    const f = first('review-approved');
    const r = await cli(['audit', ipOf(f), '--history', path.join(dir, f)]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `Audit of threat/${ipOf(f)} (1 run(s), ${buildTimeline([runHistoryFromJSON(load(f), f)]).length} entries)\n\n${timelineText(f)}`);
    const wrong = await cli(['audit', '203.0.113.200', '--history', path.join(dir, f)]);
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /is of threat\/.*, not threat\/203\.0\.113\.200/);
    const notJson = path.join(tmp, 'not-a-history.json');
    writeFileSync(notJson, '{"events": 3}');
    const bad = await cli(['audit', '203.0.113.200', '--history', notJson]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /is not a Temporal history/);
  });

  void it('replay passes on every committed history and fails, non-zero, on an edited one', async () => {
    const ok = await cli(['replay', ...files.map((f) => path.join(dir, f))]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, new RegExp(`${files.length} of ${files.length} histories replayed cleanly`));

    // The recorded order of the first two deciding steps (local activity markers), swapped: the current code runs
    // them the other way round.
    const f = first('review-approved');
    const json = load(f);
    const markers = json.events.filter((e: any) => e.markerRecordedEventAttributes).map((e: any) => e.markerRecordedEventAttributes.details.data.payloads[0]);
    const meta = markers.map((p: any) => JSON.parse(Buffer.from(p.data, 'base64').toString('utf8')));
    [meta[0].activity_type, meta[1].activity_type] = [meta[1].activity_type, meta[0].activity_type];
    markers.slice(0, 2).forEach((p: any, i: number) => (p.data = Buffer.from(JSON.stringify(meta[i])).toString('base64')));
    const edited = path.join(tmp, 'edited.json');
    writeFileSync(edited, JSON.stringify(json));
    const bad = await cli(['replay', path.join(dir, f), edited]);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.match(bad.stdout, /^OK +.*review-approved--/m);
    assert.match(bad.stdout, /^NON-DETERMINISTIC +.*edited\.json/m);
    assert.match(bad.stdout, /1 of 2 histories replayed cleanly/);
  });
});
