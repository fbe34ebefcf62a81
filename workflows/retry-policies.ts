// The catalogue of activity options (Tracecat style): every activity call picks one by name.
import type { ActivityOptions } from '@temporalio/workflow';

export const ACTIVITY_OPTIONS = {
  /** Reads that must not be guessed: retried until they answer. */
  screening: { startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumInterval: '1 minute' } },
  /** Intel lookups degrade instead of failing; a few attempts, then the workflow falls back to the sighting data. */
  intel: { startToCloseTimeout: '2 minutes', retry: { initialInterval: '2 seconds', maximumAttempts: 3 } },
  /** The proposer never throws for LLM failures; retries cover worker loss only. */
  proposal: { startToCloseTimeout: '5 minutes', retry: { initialInterval: '5 seconds', maximumAttempts: 2 } },
  governor: { startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumAttempts: 10 } },
  notify: { startToCloseTimeout: '1 minute', heartbeatTimeout: '30 seconds', retry: { initialInterval: '5 seconds', maximumAttempts: 5 } },
  /** Side effects on firewalls: backoff on transient errors, never retry auth/validation failures. */
  enforce: {
    startToCloseTimeout: '2 minutes',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 6, nonRetryableErrorTypes: ['PermanentEnforcementError'] },
  },
} satisfies Record<string, ActivityOptions>;
