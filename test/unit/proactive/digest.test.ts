// The per-cycle digest (domain/proactive/digest.ts) as Discord receives it (buildWebhookPayload, the webhook
// notifier's body): an embed with mentions off, hotspot text from monitored systems escaped, inside Discord's limits;
// muted and below-floor hotspots left out; resolved investigations and open ones named.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cycleDigest } from '../../../domain/proactive/digest';
import { buildWebhookPayload } from '../../../activities/notify/discord-webhook';
import type { CyclePlan, HotspotDecision, HotspotVerdict } from '../../../domain/proactive/types';

const decision = (i: number, verdict: HotspotVerdict, title = `disk ${i} filling`): HotspotDecision => ({
  fingerprint: `${String(i).padStart(4, '0')}aaaabbbbcccc`, ackId: `${String(i).padStart(4, '0')}aaa`, rule: 'filesystem-fill-24h', source: 'prometheus',
  severity: 'high', title, score: 75, verdict, why: `why ${i}`, probesRun: [], probesProposed: [],
});
const plan = (decisions: HotspotDecision[], over: Partial<CyclePlan> = {}): CyclePlan => ({
  cycleId: 'palisade-proactive-cycle/run-once-x', at: '2026-11-27T03:00:00.000Z', trigger: { kind: 'schedule' }, mode: 'on', decisions,
  rules: [], pruned: [], left: { investigationsToday: 11, usdToday: 8 }, ...over,
});
const HOSTILE = '@everyone <@123456789> **PAGE ME** [click](http://evil.example) `x` <script>alert(1)</script>';

describe('proactive digest to Discord', () => {
  test('an embed with mentions off; hostile hotspot text cannot ping, link or format', () => {
    const n = cycleDigest(plan([decision(1, 'investigated', HOSTILE), decision(2, 'reported')]), [{ fingerprint: decision(1, 'investigated').fingerprint, workflowId: 'alert/proactive-0001aaaabbbbcccc' }])!;
    const body = buildWebhookPayload(n);
    assert.deepEqual(body.allowed_mentions, { parse: [] });
    const text = JSON.stringify(body.embeds);
    assert.ok(!text.includes('@everyone') && !text.includes('<@123456789>'), 'mentions are neutralised');
    assert.ok(!text.includes('**PAGE ME**') && !text.includes('[click](http'), 'Markdown is escaped');
    const plain = (t = '') => t.replace(/\\/g, '');
    assert.equal(plain(body.embeds[0].title), 'Proactive digest: 2 hotspot(s), 1 investigated');
    assert.match(plain(body.embeds[0].fields![0].value), /ack id 0001aaa · investigating: why 1\ninvestigation: alert\/proactive-0001aaaabbbbcccc/);
  });

  test('each investigation is linked to its Temporal UI page when a UI is known (our link, after the escaping)', () => {
    const inv = decision(1, 'investigated');
    const n = cycleDigest(plan([inv, decision(2, 'reported')]), [{ fingerprint: inv.fingerprint, workflowId: 'alert/proactive-0001aaaabbbbcccc' }])!;
    const link = (id: string) => `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(id)}`;
    const [first, second] = buildWebhookPayload(n, { link }).embeds[0].fields!;
    assert.ok(first.value.endsWith(`\n[open in Temporal UI](${link('alert/proactive-0001aaaabbbbcccc')})`), first.value);
    assert.ok(!second.value.includes('Temporal UI'), 'a hotspot without an investigation has no link');
    assert.ok(!buildWebhookPayload(n).embeds[0].fields![0].value.includes('Temporal UI'), 'no UI known: no link');
    assert.ok(!buildWebhookPayload(n, { link: () => 'javascript:alert(1)' }).embeds[0].fields![0].value.includes('javascript'), 'only http(s) links');
  });

  test('muted and below-floor hotspots are left out (only counted); nothing else: no digest', () => {
    const n = cycleDigest(plan([decision(1, 'muted'), decision(2, 'below_floor'), decision(3, 'cooling_down')]), [])!;
    assert.deepEqual(n.fields!.map((f) => f.name), ['[high] disk 3 filling']);
    assert.match(n.body, /1 hotspot\(s\); 1 muted, 1 below the floor; mode on\./);
    assert.equal(cycleDigest(plan([decision(1, 'muted'), decision(2, 'below_floor')]), []), undefined);
  });

  test('many hotspots: 20 fields, the rest counted, inside Discord\'s embed limits', () => {
    const long = 'x'.repeat(400);
    const n = cycleDigest(plan(Array.from({ length: 60 }, (_, i) => ({ ...decision(i, 'over_budget', `${long} ${i}`), why: long }))), [])!;
    assert.equal(n.fields!.length, 20);
    assert.match(n.body, /60 hotspot\(s\) \(40 more on the review page\)/);
    const e = buildWebhookPayload(n).embeds[0];
    const total = e.title!.length + (e.description ?? '').length + (e.footer?.text.length ?? 0) + (e.fields ?? []).reduce((s, f) => s + f.name.length + f.value.length, 0);
    assert.ok(total <= 6000, `embed total ${total}`);
  });

  test('open and resolved investigations are named; a resolution alone is worth a digest', () => {
    const open = { ...decision(1, 'reported'), investigationWorkflowId: 'alert/proactive-0001aaaabbbbcccc', why: 'already under investigation' };
    const n = cycleDigest(plan([open]), [])!;
    assert.match(n.fields![0].value, /reported: already under investigation\ninvestigation: alert\/proactive-0001aaaabbbbcccc/);
    const merged = cycleDigest(plan([decision(2, 'investigated')]), [{ fingerprint: decision(2, 'investigated').fingerprint, workflowId: 'alert/proactive-0002', merged: true }])!;
    assert.match(merged.fields![0].value, /investigation: alert\/proactive-0002 \(already open: merged into it, no budget spent\)/);
    const resolved = cycleDigest(plan([]), [], [{ fingerprint: 'f', workflowId: 'alert/proactive-0003', action: 'signalled' }, { fingerprint: 'g', workflowId: 'alert/proactive-0004', error: 'Temporal down' }])!;
    assert.match(resolved.body, /Investigations resolved \(the hotspot stopped firing\): alert\/proactive-0003\./);
    assert.ok(!resolved.body.includes('0004'), 'a resolution that failed is not claimed');
  });
});
