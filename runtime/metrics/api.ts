// Metrics of the API process: HTTP, authentication, operator actions as submitted (runtime/operator-actions.ts, the
// path every channel but the Temporal UI takes), signed links, and gauges answered from Temporal visibility.
import client from 'prom-client';
import type { Client } from '@temporalio/client';
import { ALERT_DECISIONS } from '../../domain/alerts';
import { THREAT_WORKFLOW_TYPE } from '../../workflows/messages';
import { oldestStart } from './oldest-pending';
import { once, registry } from './registry';

export const humanDecisions = once('palisade_human_decisions_total', () => new client.Counter({
  name: 'palisade_human_decisions_total',
  help: 'Human decisions submitted through the operator-action code path, by subject (threat / incident), decision, channel and result (accepted / invalid_input / invalid_state / not_found / unavailable).',
  labelNames: ['subject', 'decision', 'channel', 'result'] as const,
}));

export const holdActions = once('palisade_hold_actions_total', () => new client.Counter({
  name: 'palisade_hold_actions_total',
  help: 'Hold actions (extend / release / make_permanent) submitted by operators, by action, channel and result.',
  labelNames: ['action', 'channel', 'result'] as const,
}));

export const signedLinkUses = once('palisade_signed_link_uses_total', () => new client.Counter({
  name: 'palisade_signed_link_uses_total',
  help: 'Signed approval link submissions, by result (accepted / malformed / bad_signature / expired / reused / failed).',
  labelNames: ['result'] as const,
}));

export const httpRequests = once('palisade_http_requests_total', () => new client.Counter({
  name: 'palisade_http_requests_total',
  help: 'HTTP requests served by the API, by method, route and status code.',
  labelNames: ['method', 'route', 'status'] as const,
}));

export const authFailures = once('palisade_api_auth_failures_total', () => new client.Counter({
  name: 'palisade_api_auth_failures_total',
  help: 'Requests refused for a missing or wrong token, by token kind.',
  labelNames: ['kind'] as const,
}));

/** What a human decision is about: a threat (an IP) or an incident (an alert investigation). */
export type DecisionSubject = 'threat' | 'incident';

/** The decision label's values: a refused request's decision is caller text, so anything else is counted as `invalid`. */
const DECISION_LABELS: ReadonlySet<string> = new Set([...ALERT_DECISIONS, 'approve', 'reject']);

/** Counts one submitted human decision (runtime/operator-actions.ts, which every channel of the API process uses). */
export const countSubmittedDecision = (subject: DecisionSubject, decision: unknown, channel: string, result: string) =>
  humanDecisions.inc({ subject, decision: typeof decision === 'string' && DECISION_LABELS.has(decision) ? decision : 'invalid', channel, result });

const threatQuery = (status?: string) =>
  `WorkflowType = '${THREAT_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'${status ? ` AND PalisadeStatus = '${status}'` : ''}`;

const VISIBILITY_DEADLINE_MS = 5000;

/** The gauges answered from visibility at scrape time (registered by registerVisibilityGauges), with their help. */
export const VISIBILITY_GAUGES = {
  palisade_pending_reviews: 'Threat workflows waiting for a human decision (from Temporal visibility).',
  palisade_active_blocks: 'Threat workflows holding a block (from Temporal visibility).',
  palisade_open_threats: 'Running threat workflows (from Temporal visibility).',
  palisade_oldest_pending_review_age_seconds: 'Age of the oldest pending review, from the start of its run (from Temporal visibility in a bounded number of calls; absent when none is pending).',
} as const;
type VisibilityGaugeName = keyof typeof VISIBILITY_GAUGES;
export const REVIEW_TIMEOUT_GAUGE = 'palisade_review_timeout_seconds';

/**
 * Gauges answered from Temporal visibility at scrape time: the workflows are the system of record, so there is no
 * counter to drift. A failed query leaves the gauge unset for that scrape (and is counted) rather than failing /metrics.
 */
export function registerVisibilityGauges(temporal: Client, opts: { reviewTimeoutHours: number }): void {
  const scrapeErrors = once('palisade_visibility_scrape_errors_total', () => new client.Counter({
    name: 'palisade_visibility_scrape_errors_total',
    help: 'Visibility queries that failed while answering a /metrics scrape.',
  }));
  const answer = async (gauge: client.Gauge, read: () => Promise<number | undefined>) => {
    try {
      const v = await temporal.withDeadline(Date.now() + VISIBILITY_DEADLINE_MS, read);
      gauge.reset();
      if (v !== undefined) gauge.set(v);
    } catch {
      gauge.reset();
      scrapeErrors.inc();
    }
  };
  const count = (status?: string) => async () => (await temporal.workflow.count(threatQuery(status))).count;
  const reads: Record<VisibilityGaugeName, () => Promise<number | undefined>> = {
    palisade_pending_reviews: count('pending_review'),
    palisade_active_blocks: count('blocked'),
    palisade_open_threats: count(),
    palisade_oldest_pending_review_age_seconds: async () => {
      const { start } = await oldestStart(temporal, threatQuery('pending_review'));
      return start === undefined ? undefined : Math.max(0, (Date.now() - start) / 1000);
    },
  };
  const gauges = Object.entries(VISIBILITY_GAUGES).map(([name, help]) => [name, help, reads[name as VisibilityGaugeName]] as const);
  for (const [name, help, read] of gauges) {
    registry.removeSingleMetric(name);
    new client.Gauge({ name, help, async collect() { await answer(this, read); } });
  }
  registry.removeSingleMetric(REVIEW_TIMEOUT_GAUGE);
  new client.Gauge({
    name: REVIEW_TIMEOUT_GAUGE,
    help: 'Configured review timeout (policy.review.timeoutHours): a review older than half of it is late.',
  }).set(opts.reviewTimeoutHours * 3600);
}
