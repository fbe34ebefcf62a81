// Search attributes Palisade maintains on its workflows, so that "all pending reviews" or "all active blocks on
// pfSense" are visibility queries rather than a second database. Registered at start-up (runtime/temporal.ts).
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const SA = {
  ip: defineSearchAttributeKey('PalisadeIp', SearchAttributeType.KEYWORD),
  status: defineSearchAttributeKey('PalisadeStatus', SearchAttributeType.KEYWORD),
  score: defineSearchAttributeKey('PalisadeScore', SearchAttributeType.INT),
  source: defineSearchAttributeKey('PalisadeSource', SearchAttributeType.KEYWORD),
  target: defineSearchAttributeKey('PalisadeTarget', SearchAttributeType.KEYWORD),
  mode: defineSearchAttributeKey('PalisadeMode', SearchAttributeType.KEYWORD),
  outcome: defineSearchAttributeKey('PalisadeOutcome', SearchAttributeType.KEYWORD),
  enforcer: defineSearchAttributeKey('PalisadeEnforcer', SearchAttributeType.KEYWORD),
  /** When the case reached its outcome: "failures of the last day" is a visibility query on it. */
  outcomeAt: defineSearchAttributeKey('PalisadeOutcomeAt', SearchAttributeType.DATETIME),
} as const;

export const ALL_SEARCH_ATTRIBUTES = Object.values(SA);
