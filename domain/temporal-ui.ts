// Links into the Temporal Web UI, and the list filters an operator pastes into its search box. Pure: the API (review
// page), Discord messages, the CLI and the tests all build them here, so a link and a documented filter cannot drift.
import type { PalisadeConfig } from './config';
import { SA } from './search-attributes';

type TemporalConfig = Pick<PalisadeConfig['temporal'], 'address' | 'uiUrl' | 'embedded' | 'namespace'>;

/**
 * The Temporal UI's base URL: `temporal.uiUrl` when set (a cluster's UI), else the UI the embedded dev server serves.
 * Undefined for a cluster without a configured UI URL: no link is better than a link to nowhere.
 */
export function temporalUiBase(t: TemporalConfig): string | undefined {
  if (t.uiUrl) return t.uiUrl.replace(/\/+$/, '');
  if (t.address) return undefined;
  const ip = t.embedded.ip === '0.0.0.0' ? '127.0.0.1' : t.embedded.ip === '::' ? '::1' : t.embedded.ip;
  return `http://${ip.includes(':') ? `[${ip}]` : ip}:${t.embedded.uiPort}`;
}

/** The page of one workflow (its latest run) in the Temporal UI, e.g. `.../workflows/threat%2F203.0.113.9`. */
export function workflowUiUrl(base: string, namespace: string, workflowId: string): string {
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** The link to a workflow's page for this configuration, or undefined when no UI is known. */
export function threatUiLink(t: TemporalConfig, workflowId: string): string | undefined {
  const base = temporalUiBase(t);
  return base ? workflowUiUrl(base, t.namespace, workflowId) : undefined;
}

/** The workflow list with a filter applied (what pasting the query into the UI's search box produces). */
export function workflowListUiUrl(base: string, namespace: string, query: string): string {
  return `${base}/namespaces/${encodeURIComponent(namespace)}/workflows?query=${encodeURIComponent(query)}`;
}

const THREATS = `WorkflowType = 'threatWorkflow'`;

/** The list filters the README gives operators. `since` is the start of the window for time-bound filters. */
export const UI_FILTERS = {
  pendingReviews: {
    what: 'threats waiting for a human decision',
    query: () => `${THREATS} AND ExecutionStatus = 'Running' AND ${SA.status.name} = 'pending_review'`,
  },
  activeBlocks: {
    what: 'blocks in force now',
    query: () => `${THREATS} AND ExecutionStatus = 'Running' AND ${SA.status.name} = 'blocked'`,
  },
  failuresLastDay: {
    what: 'cases that ended as failed (block not applied, not verified, or not lifted) in the last 24 hours',
    query: (since: Date) => `${THREATS} AND ${SA.outcome.name} = 'failed' AND ${SA.outcomeAt.name} > '${since.toISOString()}'`,
  },
} as const;

export type UiFilterName = keyof typeof UI_FILTERS;

/** Every filter's query string for the window ending at `now` (the last 24 hours). */
export function uiFilterQueries(now: Date): Record<UiFilterName, string> {
  const since = new Date(now.getTime() - 24 * 3_600_000);
  return {
    pendingReviews: UI_FILTERS.pendingReviews.query(),
    activeBlocks: UI_FILTERS.activeBlocks.query(),
    failuresLastDay: UI_FILTERS.failuresLastDay.query(since),
  };
}
