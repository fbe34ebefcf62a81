// Bulk decisions (issue 15): the CLI's filter text, what a filter covers, and the refusal when the count differs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { countMismatch, matchesFilter, parseFilterSpec, type BulkCandidate, type BulkFilter } from '../../../domain/bulk-selection';

describe('parseFilterSpec', () => {
  // [name, input, expected filter or refusal regex]
  const table: [string, string, BulkFilter | RegExp][] = [
    ['source', 'source=crowdsec', { source: 'crowdsec' }],
    ['all three', 'status=pending_review,source=intel-feed,min-score=90', { status: 'pending_review', source: 'intel-feed', minScore: 90 }],
    ['spaces and empty parts', ' min-score = 85.5 ,, source=access-log ', { minScore: 85.5, source: 'access-log' }],
    ['status alone', 'status=pending_review', { status: 'pending_review' }],
    ['value with =', 'source=a=b', { source: 'a=b' }],
    ['empty', '', /empty filter/],
    ['only commas', ',,', /empty filter/],
    ['unknown key', 'country=RU', /unknown filter key "country"/],
    ['camelCase key', 'minScore=90', /unknown filter key "minScore"/],
    ['no =', 'crowdsec', /not key=value/],
    ['= first', '=crowdsec', /not key=value/],
    ['key twice', 'source=a,source=b', /source given twice/],
    ['another status', 'status=blocked', /applies only to pending reviews: status=blocked/],
    ['unknown status', 'status=pending', /unknown status "pending"/],
    ['score not a number', 'min-score=high', /min-score must be a number from 0 to 100/],
    ['score empty', 'min-score=', /min-score must be a number/],
    ['score above 100', 'min-score=101', /from 0 to 100/],
    ['score negative', 'min-score=-1', /from 0 to 100/],
    ['empty source', 'source=', /source must be 1 to 100 characters/],
    ['long source', `source=${'x'.repeat(101)}`, /source must be 1 to 100/],
  ];
  for (const [name, input, expected] of table) {
    test(name, () => {
      const r = parseFilterSpec(input);
      if (expected instanceof RegExp) {
        assert.equal(r.ok, false, JSON.stringify(r));
        if (!r.ok) assert.match(r.reason, expected);
      } else {
        assert.deepEqual(r, { ok: true, value: expected });
      }
    });
  }
  test('linear on a long hostile input', () => {
    const r = parseFilterSpec(`${'source=,'.repeat(50_000)}x`);
    assert.equal(r.ok, false);
  });
});

describe('matchesFilter', () => {
  const t = (status: string | undefined, source: string | undefined, score: number | undefined): BulkCandidate => ({ status, source, score });
  // [name, threat, filter, covered]
  const table: [string, BulkCandidate, BulkFilter, boolean][] = [
    ['all: pending', t('pending_review', 'crowdsec', 88), { all: true }, true],
    ['all: blocked is not decidable', t('blocked', 'crowdsec', 99), { all: true }, false],
    ['all: no status indexed', t(undefined, 'crowdsec', 99), { all: true }, false],
    ['source equal', t('pending_review', 'crowdsec', 88), { source: 'crowdsec' }, true],
    ['source differs', t('pending_review', 'intel-feed', 88), { source: 'crowdsec' }, false],
    ['source is exact, not a prefix', t('pending_review', 'crowdsec-2', 88), { source: 'crowdsec' }, false],
    ['min score equal', t('pending_review', 'x', 90), { minScore: 90 }, true],
    ['min score below', t('pending_review', 'x', 89), { minScore: 90 }, false],
    ['no score never passes a minimum', t('pending_review', 'x', undefined), { minScore: 0 }, false],
    ['both criteria', t('pending_review', 'crowdsec', 95), { source: 'crowdsec', minScore: 90 }, true],
    ['both, score fails', t('pending_review', 'crowdsec', 80), { source: 'crowdsec', minScore: 90 }, false],
    ['status criterion', t('pending_review', 'x', 1), { status: 'pending_review' }, true],
  ];
  for (const [name, threat, filter, covered] of table) test(name, () => assert.equal(matchesFilter(threat, filter), covered));
});

describe('countMismatch', () => {
  test('the same count passes', () => assert.equal(countMismatch(50, 50, { all: true }), undefined));
  test('zero and zero pass', () => assert.equal(countMismatch(0, 0, { source: 'x' }), undefined));
  test('one more pending than seen is refused', () => {
    assert.match(countMismatch(50, 49, { all: true })!, /^all pending reviews match 50 case\(s\) now, not the 49 expected; nothing was decided/);
  });
  test('fewer than seen is refused too, naming the filter', () => {
    assert.match(countMismatch(3, 4, { source: 'crowdsec', minScore: 90 })!, /^pending reviews with source=crowdsec, min-score=90 match 3 case\(s\) now, not the 4 expected/);
  });
});
