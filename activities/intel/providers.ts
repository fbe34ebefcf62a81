// Shared shapes for the per-IP intel providers.
import type { ProviderStatus } from '../../domain/types';
import type { HttpOptions } from './http';
import { HttpNetworkError, HttpTimeoutError } from './http';

export interface ProviderOutcome<T> {
  status: ProviderStatus;
  detail?: string;
  data?: T;
  /** The provider said the daily quota is gone (429): the budget is marked spent until the next UTC day. */
  quotaExhausted?: boolean;
}

export interface ProviderContext {
  baseUrl: string;
  apiKey?: string;
  http: HttpOptions;
}

export const joinUrl = (base: string, p: string) => `${base.replace(/\/+$/, '')}${p}`;

/** Network and timeout failures become an error outcome (never a throw): intel degrades, the workflow goes on. */
export function outcomeFromThrow<T>(err: unknown): ProviderOutcome<T> {
  if (err instanceof HttpTimeoutError) return { status: 'error', detail: err.message };
  if (err instanceof HttpNetworkError) return { status: 'error', detail: err.message };
  return { status: 'error', detail: `error: ${String((err as Error)?.message ?? err).slice(0, 200)}` };
}
