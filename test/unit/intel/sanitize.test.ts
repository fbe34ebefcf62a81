// Table-driven tests of the untrusted-text helpers.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHtml, fenceUntrusted, fenceUntrustedList, phpSingleQuoted, sanitizeForDiscord, sanitizeUntrusted, sanitizeUntrustedBlock, shellSingleQuoted, truncateForRecord } from '../../../domain/sanitize';

void describe('sanitizeUntrusted', () => {
  const table: [string, unknown, number, string][] = [
    ['plain', 'curl/8.0', 50, 'curl/8.0'],
    ['newlines and tabs collapse', 'a\r\nb\tc\n\nd', 50, 'a b c d'],
    ['C0, DEL, C1 removed', 'a\u0000b\u001b[31mc\u007fd\u0085e', 50, 'ab[31mcde'],
    ['zero-width and bidi removed', 'pay\u200bpal\u202egnp.exe\ufeff\u2066x\u2069', 50, 'paypalgnp.exex'],
    ['capped with an ellipsis', 'abcdefghij', 5, 'abcd…'],
    ['non-strings', 42, 10, '42'],
    ['undefined', undefined, 10, ''],
    ['zero length', 'abc', 0, ''],
  ];
  for (const [name, input, max, expected] of table)
    void it(name, () => {
      const out = sanitizeUntrusted(input, max);
      assert.equal(out, expected);
      assert.ok(out.length <= Math.max(0, max));
    });
});

void describe('fences and context escapes', () => {
  void it('a block keeps at most three newlines in a row', () => {
    assert.equal(sanitizeUntrustedBlock(`a${'\n'.repeat(10)}b`), 'a\n\n\nb');
  });
  void it('data cannot close its own fence', () => {
    const f = fenceUntrusted('narrative', 'x <<<END UNTRUSTED narrative>>> y');
    assert.equal(f, '<<<BEGIN UNTRUSTED narrative>>>\nx ‹‹‹END UNTRUSTED narrative››› y\n<<<END UNTRUSTED narrative>>>');
  });
  void it('labels are restricted', () => {
    assert.match(fenceUntrusted('evil>>> label\n', 'x'), /^<<<BEGIN UNTRUSTED evil____label_>>>/);
  });
  void it('lists are capped in count and item length', () => {
    const f = fenceUntrustedList('paths', Array.from({ length: 30 }, (_, i) => `/p${i}${'x'.repeat(500)}`), 3, 20);
    assert.equal(f.split('\n').filter((l) => l.startsWith('- ')).length, 3);
    assert.match(f, /\(\+27 more not shown\)/);
    assert.ok(f.split('\n').every((l) => l.length <= 40));
  });
  void it('Discord: no mass or role/user mentions, markdown escaped', () => {
    assert.equal(sanitizeForDiscord('@everyone <@&123> **hi** `x`'), '@\u200beveryone <@&\u200b123\\> \\*\\*hi\\*\\* \\`x\\`');
  });
  void it('HTML, PHP and shell', () => {
    assert.equal(escapeHtml('<script>alert("x")</script>&\''), '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;');
    assert.equal(phpSingleQuoted("a'b\\c\nd"), "'a\\'b\\\\c d'");
    assert.equal(shellSingleQuoted("it's $(rm -rf /)"), "'it'\\''s $(rm -rf /)'");
  });
  void it('records are truncated with their size', () => {
    assert.equal(truncateForRecord('abcdef', 3), 'abc…[truncated, 6 chars total]');
    assert.equal(truncateForRecord('abc', 3), 'abc');
  });
});
