// The /acks answer within Discord's limits, with untrusted text (hotspot titles from scraped labels, operators'
// reasons) escaped and mentions neutralised; the ack id stays in code format.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { acksMessage } from '../../../api/discord/proactive';
import type { Suppression } from '../../../domain/proactive/types';
import { validateMessageBody } from '../../fakes/discord-webhook';

const suppression = (i: number, over: Partial<Suppression> = {}): Suppression => ({
  fingerprint: `${i.toString(16).padStart(4, '0')}aaaabbbbcccc`, ackId: `${i.toString(16).padStart(4, '0')}aaa`, rule: 'filesystem-fill-24h',
  title: `disk /var on host-${i} fills within 24 h`, reason: 'known: log rotation fixed tonight', operator: 'alice', channel: 'api',
  at: '2026-11-26T16:00:00.000Z', expiresAt: '2026-11-27T16:00:00.000Z', ...over,
});

void describe('/acks message', () => {
  void test('no suppression: a plain sentence', () => {
    assert.equal(acksMessage([]).content, 'No proactive hotspot is acked.');
  });

  void test('one line per suppression: ack id in code format, who, why, until', () => {
    const m = acksMessage([suppression(1, { reason: 'ping @everyone <@123456789012345678> **now**', title: 'host `x` [link](http://e.vil)' })]);
    const d = m.embeds![0]!.description!;
    assert.equal(m.embeds![0]!.title, '1 acked hotspot(s)');
    assert.match(d, /^• `0001aaa` host \\`x\\` \\\[link\\\]\\\(http:\/\/e\.vil\\\) — by alice via api: /);
    assert.doesNotMatch(d, /@everyone|<@\d/, 'mentions neutralised');
    assert.match(d, /\\\*\\\*now\\\*\\\*/, 'Markdown escaped');
    assert.match(d, /\(until 2026-11-27 16:00 UTC\)$/);
    assert.deepEqual(m.allowed_mentions, { parse: [] });
    assert.deepEqual(validateMessageBody(m), []);
  });

  void test('many long suppressions stay within the embed limits and say how many are left out', () => {
    const long = Array.from({ length: 40 }, (_, i) => suppression(i, { title: 'T'.repeat(300), reason: '_'.repeat(400), operator: 'o'.repeat(100) }));
    const m = acksMessage(long);
    const d = m.embeds![0]!.description!;
    assert.ok(d.length <= 4096, `description has ${d.length} characters`);
    assert.match(d, /\n… and \d+ more$/);
    const shown = d.split('\n').filter((l) => l.startsWith('• ')).length;
    assert.ok(shown >= 5, `only ${shown} shown`);
    assert.match(d, new RegExp(`… and ${40 - shown} more$`));
    assert.deepEqual(validateMessageBody(m), []);
  });
});
