// The catalogue of activity options (Tracecat style): every workflow picks its options here by name, with the
// non-retryable error types beside them. Local activities (the short deciding steps of a threat, run inside one
// workflow task) have their own table below.
import type { ActivityOptions, LocalActivityOptions } from '@temporalio/workflow';

/** Enforcers classify auth/validation failures as permanent: retrying cannot help, so it is not done. */
export const PERMANENT_ENFORCEMENT_ERRORS = ['PermanentEnforcementError'];

// No attempt limit: a firewall that is down for minutes must get the block (or its lift) when it returns, not a
// failed case. Each use bounds the whole effort with a schedule-to-close timeout instead.
const enforcementRetry = {
  initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute',
  nonRetryableErrorTypes: PERMANENT_ENFORCEMENT_ERRORS,
} as const;

// The enforcement, scan and reconcile activities heartbeat while they run (activities/heartbeat.ts): a worker
// SIGKILLed mid-call hands the task to another within this, not after the start-to-close timeout.
const HEARTBEAT = '30 seconds';

export const ACTIVITY_OPTIONS = {
  /** Notifications retry a few times; notifiers that said "retrying cannot help" throw non-retryable failures. */
  notify: { startToCloseTimeout: '1 minute', heartbeatTimeout: '30 seconds', retry: { initialInterval: '5 seconds', maximumAttempts: 5, nonRetryableErrorTypes: ['NotificationRejected'] } },
  /**
   * Side effects on firewalls (runs on the enforcement queue): backoff on transient errors, never retry permanent
   * ones. Apply-and-verify also waits the settle time inside, so its timeout is this plus the settle time.
   */
  enforce: { startToCloseTimeout: '2 minutes', scheduleToCloseTimeout: '30 minutes', heartbeatTimeout: HEARTBEAT, retry: enforcementRetry },
  /** Lifting (and rolling back) keeps trying for a day: an entry left behind blocks an address nobody decided to block. */
  lift: { startToCloseTimeout: '2 minutes', scheduleToCloseTimeout: '24 hours', heartbeatTimeout: HEARTBEAT, retry: enforcementRetry },
  /** Effect check of a block (access log, Elasticsearch, PromQL): read-only; a failing source degrades inside. */
  effect: { startToCloseTimeout: '2 minutes', retry: { initialInterval: '2 seconds', maximumAttempts: 3 } },
  /** Alert investigations: read-only diagnostics degrade after a few attempts. */
  alertDiagnostics: { startToCloseTimeout: '2 minutes', retry: { initialInterval: '2 seconds', maximumAttempts: 3 } },
  /** Alert investigations: the LLM proposer never throws for model failures; retries cover worker loss only. */
  alertProposal: { startToCloseTimeout: '5 minutes', retry: { initialInterval: '5 seconds', maximumAttempts: 2 } },
  /** Alert investigations: sightings handed to threat workflows (signalWithStart) must arrive. */
  alertHandoff: { startToCloseTimeout: '1 minute', retry: { initialInterval: '2 seconds', maximumInterval: '1 minute', maximumAttempts: 10 } },
  /** Scans: a large backlog is read in slices (accessLog.maxBytesPerRun); the LLM follow-up may add model calls. */
  scan: { startToCloseTimeout: '10 minutes', heartbeatTimeout: HEARTBEAT, retry: { initialInterval: '5 seconds', maximumInterval: '1 minute', maximumAttempts: 3 } },
  /** Proactive scans: read-only queries; a failing rule is reported inside the result, retries cover worker loss. */
  proactiveScan: { startToCloseTimeout: '5 minutes', retry: { initialInterval: '5 seconds', maximumAttempts: 3 } },
  /** Reconciler: visibility reads and enforcer list/repair calls; a failed repair is retried by the next run. */
  reconcile: {
    startToCloseTimeout: '2 minutes',
    heartbeatTimeout: HEARTBEAT,
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 3, nonRetryableErrorTypes: [...PERMANENT_ENFORCEMENT_ERRORS, 'ValidationError', 'ConfigurationError'] },
  },
} satisfies Record<string, ActivityOptions>;

export const LOCAL_ACTIVITY_OPTIONS = {
  /** Screening reads must not be guessed: retried until they answer (intel degrades inside the activity). */
  evaluate: { startToCloseTimeout: '2 minutes', retry: { initialInterval: '1 second', maximumInterval: '1 minute' } },
  /** The proposer never throws for LLM failures (they become a recorded failure); retries cover worker loss only. */
  propose: { startToCloseTimeout: '5 minutes', retry: { initialInterval: '5 seconds', maximumAttempts: 2 } },
  /** The policy decision and the governor's verdict (an unreachable governor is answered as refused inside). */
  decide: { startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumAttempts: 10 } },
  /** Counting a human approval; the approval stands even if counting fails. */
  countHuman: { startToCloseTimeout: '30 seconds', retry: { initialInterval: '1 second', maximumAttempts: 10 } },
  /** Notifications from the deciding task; failures are noted in the case, never fatal. */
  notify: { startToCloseTimeout: '1 minute', retry: { initialInterval: '5 seconds', maximumAttempts: 3, nonRetryableErrorTypes: ['NotificationRejected'] } },
  /** The proactive state workflow's pause read and cycle plan (an update, idempotent per cycle id). */
  proactiveState: { startToCloseTimeout: '1 minute', retry: { initialInterval: '1 second', maximumInterval: '30 seconds', maximumAttempts: 10 } },
} satisfies Record<string, LocalActivityOptions>;
