// Issue 11, finding 2: approvals are bound to the case they were issued for (cycle + the review's nonce).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { caseNonceFromUuid, checkCaseBinding, formatCaseRef, parseCaseRef } from '../../../domain/case-binding';
import { policySchema } from '../../../domain/config';
import { checkHumanDecision } from '../../../domain/operator-input';
import type { ApprovalChannel, ThreatStatus } from '../../../domain/types';

const CASE2 = '2-9f2c4e1a7b3d';
const CASE3 = '3-0a1b2c3d4e5f';
const policy = policySchema.parse({});

describe('case references', () => {
  const table: [string, unknown, ReturnType<typeof parseCaseRef>][] = [
    ['plain', '3-0a1b2c3d4e5f', { cycle: 3, nonce: '0a1b2c3d4e5f' }],
    ['large cycle', '120-abcdefgh', { cycle: 120, nonce: 'abcdefgh' }],
    ['no nonce', '3-', undefined],
    ['no cycle', '-0a1b2c3d4e5f', undefined],
    ['cycle 0', '0-0a1b2c3d4e5f', undefined],
    ['leading zero', '03-0a1b2c3d4e5f', undefined],
    ['short nonce', '3-abc', undefined],
    ['upper case', '3-0A1B2C3D4E5F', undefined],
    ['an IP', '45.155.205.233', undefined],
    ['a number', 3, undefined],
    ['too long', `3-${'a'.repeat(60)}`, undefined],
    ['cycle too long', `1234567890-0a1b2c3d4e5f`, undefined],
    ['two dashes', '3-0a1b2c-3d4e5f', undefined],
  ];
  for (const [name, input, expected] of table) test(`parse: ${name}`, () => assert.deepEqual(parseCaseRef(input), expected));
  test('format and parse round-trip; a nonce from a UUID is 12 hex characters', () => {
    const nonce = caseNonceFromUuid('9F2C4E1A-7B3D-4C5E-8F90-123456789ABC');
    assert.equal(nonce, '9f2c4e1a7b3d');
    assert.deepEqual(parseCaseRef(formatCaseRef({ cycle: 7, nonce })), { cycle: 7, nonce });
  });
});

describe('checkCaseBinding', () => {
  // [name, given, pending, channel, expected refusal (regex) or undefined]
  const table: [string, unknown, string | undefined, ApprovalChannel, RegExp | undefined][] = [
    ['link for the pending case', CASE3, CASE3, 'signed-link', undefined],
    ['unused link from case 2 against case 3', CASE2, CASE3, 'signed-link', /^this link was for case 2; case 3 is pending/],
    ['old Discord button', CASE2, CASE3, 'discord', /^this button was for case 2; case 3 is pending/],
    ['review page looked at case 2', CASE2, CASE3, 'review-page', /^this decision was for case 2; case 3 is pending/],
    ['API caller looked at case 2', CASE2, CASE3, 'api', /case 3 is pending/],
    ['CLI with the case shown', CASE3, CASE3, 'cli', undefined],
    ['same cycle, another workflow of the IP', '3-ffffffffffff', CASE3, 'signed-link', /was for case 3 of an earlier workflow of this address/],
    ['link without a case', undefined, CASE3, 'signed-link', /this link names no case.*case 3.*mint a new link/],
    ['button without a case', undefined, CASE3, 'discord', /this button names no case.*\/status/],
    ['Temporal UI without a case', undefined, CASE3, 'temporal-ui', undefined],
    ['API without a case', undefined, CASE3, 'api', undefined],
    ['CLI without a case', undefined, CASE3, 'cli', undefined],
    ['Temporal UI with the wrong case', CASE2, CASE3, 'temporal-ui', /case 3 is pending/],
    ['malformed case', 'case-three', CASE3, 'temporal-ui', /case must be a case reference like/],
    ['a number is not a case', 3, CASE3, 'api', /case must be a case reference/],
    ['review opened without a case (older workflow)', CASE2, undefined, 'signed-link', undefined],
    ['link without a case, review without one (nothing to check)', undefined, undefined, 'signed-link', undefined],
    ['malformed case, review without one', 'x', undefined, 'api', /case must be a case reference/],
  ];
  for (const [name, given, pending, channel, expected] of table) {
    test(name, () => {
      const r = checkCaseBinding(given, pending, channel);
      if (expected) assert.match(r ?? '(accepted)', expected);
      else assert.equal(r, undefined);
    });
  }
});

describe('checkHumanDecision refuses a decision for another case', () => {
  const d = (over: Record<string, unknown>) => ({ decision: 'approve', approver: 'alice', channel: 'signed-link', ...over });
  const table: [string, unknown, ThreatStatus, string | undefined, RegExp | undefined][] = [
    ['matching link', d({ case: CASE3 }), 'pending_review', CASE3, undefined],
    ['stale link', d({ case: CASE2 }), 'pending_review', CASE3, /^this link was for case 2; case 3 is pending/],
    ['stale link, nothing pending', d({ case: CASE2 }), 'blocked', undefined, /not waiting for a review \(status: blocked\)/],
    ['link without case', d({}), 'pending_review', CASE3, /names no case/],
    ['Temporal UI JSON without case', d({ channel: 'temporal-ui' }), 'pending_review', CASE3, undefined],
    ['identity is checked first', d({ approver: '', case: CASE2 }), 'pending_review', CASE3, /approver is required/],
  ];
  for (const [name, input, status, pending, expected] of table) {
    test(name, () => {
      const r = checkHumanDecision(input, status, policy, pending);
      if (expected) assert.match(r ?? '(accepted)', expected);
      else assert.equal(r, undefined);
    });
  }
});
