// Runtime allowlist (workflow id `palisade-allowlist`): entries operators add with the CLI or API, on top of the
// configured allowlist. Threat workflows read it at the start of every case through an activity (a query).
import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import type { AllowlistEntry } from '../domain/config';
import { parseCidr } from '../domain/ip';
import { addAllowlistUpdate, allowlistQuery, removeAllowlistUpdate } from './messages';

export async function allowlistWorkflow(initial: AllowlistEntry[]): Promise<void> {
  let entries: AllowlistEntry[] = [...(initial ?? [])];
  const canonical = (cidr: string) => {
    const p = parseCidr(cidr);
    return p.ok ? `${p.network}/${p.prefix}` : undefined;
  };
  const live = () => entries.filter((e) => !e.expiresAt || Date.parse(e.expiresAt) > Date.now());

  setHandler(addAllowlistUpdate, ({ entry }) => {
    const cidr = canonical(entry.cidr)!;
    entries = [...live().filter((e) => e.cidr !== cidr), { ...entry, cidr }];
    return entries;
  }, {
    validator: ({ entry, by }) => {
      if (!by || typeof by !== 'string') throw ApplicationFailure.nonRetryable('by is required: every change records who made it');
      const p = parseCidr(entry?.cidr ?? '');
      if (!p.ok) throw ApplicationFailure.nonRetryable(`invalid CIDR "${String(entry?.cidr).slice(0, 64)}": ${p.reason}`);
      if (entry.expiresAt !== undefined && Number.isNaN(Date.parse(entry.expiresAt))) throw ApplicationFailure.nonRetryable('expiresAt must be an ISO timestamp');
      if (entry.description !== undefined && String(entry.description).length > 200) throw ApplicationFailure.nonRetryable('description must be at most 200 characters');
    },
  });
  setHandler(removeAllowlistUpdate, ({ cidr }) => {
    const c = canonical(cidr);
    entries = live().filter((e) => e.cidr !== c);
    return entries;
  }, {
    validator: ({ cidr, by }) => {
      if (!by) throw ApplicationFailure.nonRetryable('by is required');
      const c = canonical(cidr);
      if (!c || !entries.some((e) => e.cidr === c)) throw ApplicationFailure.nonRetryable(`no allowlist entry for "${String(cidr).slice(0, 64)}"`);
    },
  });
  setHandler(allowlistQuery, () => live());

  await condition(() => workflowInfo().continueAsNewSuggested || workflowInfo().historyLength > 2000);
  await condition(allHandlersFinished);
  await continueAsNew<typeof allowlistWorkflow>(live());
}
