import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bearerToken, tokenMatches } from '../../../api/auth';
import { escapeHtml, renderConfirm } from '../../../api/pages';
import { canonicalCidr } from '../../../api/routes/allowlist';
import { humanDecisionSchema, normaliseThreatIp, OperatorActionError, toOperatorError } from '../../../runtime/operator-actions';
import { ServiceError, WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';

void describe('token checks', () => {
  void test('tokenMatches compares whole tokens of any length', () => {
    assert.equal(tokenMatches('s3cret-token', 's3cret-token'), true);
    assert.equal(tokenMatches('s3cret-token', 's3cret-tokeN'), false);
    assert.equal(tokenMatches('s3cret', 's3cret-token'), false);
    assert.equal(tokenMatches('', 's3cret-token'), false);
  });
  for (const [header, expected] of [
    ['Bearer abc.def', 'abc.def'], ['bearer abc', 'abc'], ['Bearer  abc ', 'abc'],
    ['Basic abc', undefined], ['Bearer', undefined], ['Bearer a b', undefined], [undefined, undefined], ['abc', undefined],
  ] as const) {
    void test(`bearerToken(${JSON.stringify(header)}) = ${JSON.stringify(expected)}`, () => assert.equal(bearerToken(header), expected));
  }
});

void describe('IP normalisation for workflow ids', () => {
  for (const [input, expected] of [
    ['203.0.113.9', '203.0.113.9'], [' 203.0.113.9 ', '203.0.113.9'], ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'], ['::ffff:203.0.113.9', '203.0.113.9'],
  ] as const) {
    void test(`${input} → ${expected}`, () => assert.equal(normaliseThreatIp(input), expected));
  }
  for (const bad of ['', 'not-an-ip', '203.0.113.0/24', '127.1', '0x7f.0.0.1', '999.1.1.1', 'a'.repeat(100)]) {
    void test(`refuses ${JSON.stringify(bad.slice(0, 20))}`, () => {
      assert.throws(() => normaliseThreatIp(bad), (e: unknown) => e instanceof OperatorActionError && e.code === 'invalid_input');
    });
  }
});

void describe('decision validation', () => {
  const ok = { decision: 'approve', approver: 'alice', channel: 'discord' };
  void test('accepts a minimal decision', () => assert.equal(humanDecisionSchema.safeParse(ok).success, true));
  for (const [name, d] of [
    ['missing approver', { ...ok, approver: undefined }],
    ['blank approver', { ...ok, approver: '   ' }],
    ['approver with a newline', { ...ok, approver: 'alice\nbob' }],
    ['unknown channel', { ...ok, channel: 'email' }],
    ['unknown decision', { ...ok, decision: 'maybe' }],
    ['negative duration', { ...ok, durationHours: -1 }],
    ['extra field', { ...ok, target: '0.0.0.0/0' }],
  ] as const) {
    void test(`refuses ${name}`, () => assert.equal(humanDecisionSchema.safeParse(d).success, false));
  }
});

void describe('Temporal error mapping', () => {
  void test('not found, validator rejection, other', () => {
    assert.equal(toOperatorError(new WorkflowNotFoundError('gone', 'threat/1.2.3.4', undefined), '1.2.3.4').code, 'not_found');
    const rejected = toOperatorError(new WorkflowUpdateFailedError('Update failed', ApplicationFailure.nonRetryable('not awaiting review (status blocked)')), '1.2.3.4');
    assert.equal(rejected.code, 'invalid_state');
    assert.match(rejected.message, /not awaiting review/);
    assert.equal(toOperatorError(new Error('socket hang up'), '1.2.3.4').code, 'unavailable');
    const grpc = (code: number, details: string) => Object.assign(new Error(details), { code, details, metadata: {} });
    assert.equal(toOperatorError(new ServiceError('Workflow Update failed', { cause: grpc(14, 'connection refused') }), '1.2.3.4').code, 'unavailable');
    assert.equal(toOperatorError(new ServiceError('x', { cause: grpc(5, 'workflow execution already completed') }), '1.2.3.4').code, 'not_found');
    const late = toOperatorError(new WorkflowUpdateRPCTimeoutOrCancelledError('timeout'), '1.2.3.4');
    assert.equal(late.code, 'unavailable');
    assert.match(late.message, /may still be applied/);
  });
});

void describe('HTML escaping on server-rendered link pages', () => {
  void test('escapeHtml', () => assert.equal(escapeHtml(`<img src=x onerror="a('b')">&`), '&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;'));
  void test('confirm page escapes attacker-influenced reasons and names', () => {
    const html = renderConfirm({
      token: 'v1.a.b', ip: '203.0.113.9', decision: 'approve', approver: '<b>eve</b>', expiresAt: '2026-01-01T00:00:00Z',
      reasons: ['<script>alert(1)</script>'], proposal: 'block 24 h: "/.env" <svg onload=x>',
    });
    assert.ok(!html.includes('<script>alert'));
    assert.ok(!html.includes('<svg'));
    assert.ok(!html.includes('<b>eve'));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
  });
});

void describe('allowlist CIDR canonicalisation', () => {
  for (const [input, expected] of [['203.0.113.0/24', '203.0.113.0/24'], ['203.0.113.7', '203.0.113.7/32'], ['2001:DB8::/32', '2001:db8::/32']] as const) {
    void test(`${input} → ${expected}`, () => assert.equal(canonicalCidr(input), expected));
  }
  void test('refuses garbage', () => assert.throws(() => canonicalCidr('10.0.0.0/33')));
});
