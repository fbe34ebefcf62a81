// Pure tests: tolerant proposal parsing, and the duration guide / facts in the prompt.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { extractJsonObject, parseLlmAnswer, stripCodeFence } from '../../../domain/proposal-parse';
import { buildProposalPrompt, durationGuide } from '../../../domain/prompt';
import { answer, evidenceFor, intelFor, proposeInput, SCANNER_IP } from './inputs';

void describe('parseLlmAnswer', () => {
  const ok: [string, string][] = [
    ['bare JSON', answer()],
    ['code fence', `\`\`\`json\n${answer()}\n\`\`\``],
    ['fence without language', `\`\`\`\n${answer()}\n\`\`\``],
    ['leading prose', `Sure! Here is the proposal:\n${answer()}`],
    ['trailing prose', `${answer()}\nLet me know if you need more.`],
    ['braces inside strings', answer({ reason: 'matched {"a": "}"} in path' })],
    ['prose with braces first', `Note {uncertain} — ${answer()}`],
  ];
  for (const [name, text] of ok)
    void it(`accepts ${name}`, () => {
      const r = parseLlmAnswer(text);
      assert.ok(r.ok, r.ok ? '' : r.failure);
    });
  const bad: [string, string, RegExp][] = [
    ['empty', '   ', /^empty response$/],
    ['no JSON', 'block it', /^no JSON object/],
    ['truncated', '{"action":"block","target":"1.2', /^no JSON object|^malformed JSON/],
    ['single quotes', "{'action': 'block'}", /^malformed JSON/],
    ['wrong action', answer({ action: 'block_range' }), /^schema violation: action/],
    ['confidence in percent', answer({ confidence: 90 }), /^schema violation: confidence/],
    ['negative duration', answer({ duration_hours: -1 }), /^schema violation: duration_hours/],
    ['duration as string', answer({ duration_hours: '24' }), /^schema violation: duration_hours/],
    ['missing key', JSON.stringify({ action: 'block' }), /^schema violation: /],
    ['extra key', answer({ role: 'system' }), /^schema violation: .*role/],
    ['array', '[1,2]', /^no JSON object/],
  ];
  for (const [name, text, re] of bad)
    void it(`rejects ${name}`, () => {
      const r = parseLlmAnswer(text);
      assert.equal(r.ok, false);
      assert.match((r as { failure: string }).failure, re);
    });
  void it('helpers', () => {
    assert.equal(stripCodeFence('```json\n{}\n```'), '{}');
    assert.equal(stripCodeFence('  ```\n{"a": 1}\n```  \n'), '{"a": 1}');
    assert.equal(stripCodeFence('```JSON {"a": 1} ```'), '{"a": 1}');
    assert.equal(stripCodeFence('```json\n{"a": "```"}\n```'), '{"a": "```"}');
    assert.equal(stripCodeFence('```json' + ' '.repeat(5000)), '```json' + ' '.repeat(5000), 'no closing fence: unchanged');
    assert.equal(stripCodeFence('here: ```{}```'), 'here: ```{}```', 'a fence must wrap the whole answer');
    assert.equal(stripCodeFence('``````'), '');
    assert.equal(extractJsonObject('x {"a": {"b": 1}} y {"c": 2}'), '{"a": {"b": 1}}');
    assert.equal(extractJsonObject('{"a": 1'), undefined);
  });
});

void describe('durationGuide', () => {
  const cases: [string, Parameters<typeof proposeInput>[1], string, number, boolean][] = [
    ['first sighting', {}, 'first_sighting', 24, false],
    ['borderline score', { intel: intelFor(SCANNER_IP, { compositeScore: 84, otxPulses: 3, abuseScore: 60 }), evidence: evidenceFor(SCANNER_IP, { maxScore: 84 }) }, 'borderline', 12, false],
    ['persistent (pulses > 5 and abuse > 70)', { intel: intelFor(SCANNER_IP, { otxPulses: 6, abuseScore: 71 }) }, 'persistent', 72, false],
    ['repeat offender at the threshold', { history: { priorBlocks: 5 } }, 'repeat_offender', 168, true],
    ['high volume at 50/h', { evidence: evidenceFor(SCANNER_IP, { requestCount: 50 }) }, 'high_volume', 168, false],
    ['high volume from the baseline', { intel: intelFor(SCANNER_IP, { baseline: { requestsPerHour: 400 } }) }, 'high_volume', 168, false],
    ['clamped into bounds', { history: { priorBlocks: 9 }, bounds: { minHours: 1, maxHours: 48, ladderHours: [12], repeatOffenderThreshold: 5 } }, 'repeat_offender', 48, true],
  ];
  for (const [name, over, kind, hours, permanent] of cases)
    void it(name, () => {
      const input = proposeInput(SCANNER_IP, { ...over, intel: over?.intel ?? intelFor(SCANNER_IP, { otxPulses: 3, abuseScore: 60 }) });
      const g = durationGuide(input);
      assert.deepEqual([g.kind, g.hours, g.recommendPermanent], [kind, hours, permanent], g.why);
    });

  void it('the prompt states the facts, the guide, the bounds and the only target', () => {
    const p = buildProposalPrompt(proposeInput(SCANNER_IP, { history: { priorBlocks: 6 }, evidence: evidenceFor(SCANNER_IP, { requestCount: 120 }) }));
    assert.match(p.user, /earlier blocks of this IP: 6 \(REPEAT OFFENDER\)/);
    assert.match(p.user, /hourly volume: 120\/h \(HIGH VOLUME\)/);
    assert.match(p.user, /Suggested duration: 168 h \(repeat offender: 6 earlier blocks \(threshold 5\)\); bounds 1\.\.168 h\./);
    assert.match(p.system, /first sighting 24 h; borderline 12 h; persistent .* 72 h; repeat offender \(5 or more earlier blocks\) or high volume \(50 or more requests per hour\) 168 h/);
    assert.match(p.system, /duration_hours must be between 1 and 168/);
    assert.match(p.system, new RegExp(`The only possible target is ${SCANNER_IP.replace(/\./g, '\\.')}/32`));
  });
});
