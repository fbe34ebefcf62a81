import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { guardFollowUpQuery, type GuardLimits } from '../../../domain/detection/query-guard';

const limits: GuardLimits = { index: 'traefik-*', timeField: '@timestamp', from: '2026-11-22T09:00:00.000Z', to: '2026-11-22T10:00:00.000Z', maxSize: 100 };

void describe('follow-up query guard', () => {
  void test('an allow-listed read-only search is confined to the index and time range', () => {
    const v = guardFollowUpQuery({
      query: { bool: { filter: [{ term: { 'source.ip': '45.155.205.233' } }, { terms: { 'http.response.status_code': [401, 403] } }],
        should: [{ prefix: { 'url.path': '/.git' } }, { wildcard: { 'user_agent.original': { value: '*nuclei*', case_insensitive: true } } }],
        must_not: [{ exists: { field: 'url.query' } }], minimum_should_match: 1 } },
      aggs: { per_minute: { date_histogram: { field: '@timestamp', fixed_interval: '1m' }, aggs: { paths: { terms: { field: 'url.path', size: 20 } }, n: { cardinality: { field: 'url.path' } } } } },
      size: 10,
    }, limits);
    assert.ok(v.ok, JSON.stringify(v));
    assert.equal(v.search.index, 'traefik-*');
    assert.deepEqual((v.search.query as any).bool.filter[0], { range: { '@timestamp': { gte: limits.from, lte: limits.to, format: 'strict_date_optional_time||epoch_millis' } } });
  });

  const refused: [string, unknown, RegExp][] = [
    ['a delete-by-query', { endpoint: '_delete_by_query', query: { match: { 'source.ip': '1.2.3.4' } } }, /read-only _search/],
    ['an update', { method: 'POST', path: '/traefik-*/_update/abc', doc: { x: 1 } }, /read-only _search/],
    ['a script query', { query: { script: { script: { source: 'ctx._source.x = 1' } } } }, /scripts/],
    ['a script in an aggregation', { aggs: { x: { terms: { script: { source: 'doc["a"]' } } } } }, /scripts/],
    ['runtime mappings', { runtime_mappings: { x: { type: 'keyword' } }, query: { match: { x: 'y' } } }, /runtime/],
    ['another index', { index: 'secrets-*', query: { match: { a: 'b' } } }, /index .* is refused/],
    ['a widened index pattern', { index: '*', query: { match: { a: 'b' } } }, /index .* is refused/],
    ['a wider time range', { query: { range: { '@timestamp': { gte: '2026-11-01T00:00:00Z' } } } }, /outside the allowed time range/],
    ['date math on the time field', { query: { range: { '@timestamp': { gte: 'now-30d' } } } }, /date math/],
    ['a query_string query', { query: { query_string: { query: 'a:b' } } }, /query type "query_string" is not allowed/],
    ['a terms lookup into another index', { query: { terms: { 'source.ip': { index: 'users', id: '1', path: 'ips' } } } }, /terms lookup/],
    ['an oversized result', { size: 10_000 }, /size must be/],
    ['a bucket_script aggregation', { aggs: { x: { bucket_script: { buckets_path: {}, script: 'x' } } } }, /not allowed|scripts/],
    ['a scroll', { scroll: '1m', query: { match: { a: 'b' } } }, /parameter "scroll" is not allowed/],
    ['a non-object', 'DELETE /traefik-*', /JSON object/],
  ];
  for (const [name, req, reason] of refused) {
    void test(`refuses ${name}`, () => {
      const v = guardFollowUpQuery(req, limits);
      assert.equal(v.ok, false);
      assert.ok(!v.ok && v.reasons.some((r) => reason.test(r)), JSON.stringify(!v.ok && v.reasons));
    });
  }

  void test('a time range inside the allowed one is accepted', () => {
    const v = guardFollowUpQuery({ query: { range: { '@timestamp': { gte: '2026-11-22T09:30:00Z', lt: '2026-11-22T09:40:00Z' } } } }, limits);
    assert.ok(v.ok);
  });
});
