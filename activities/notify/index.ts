// Notifications: one activity fans out to every configured notifier (log, Discord webhook, ...).
// A retry re-sends only to the notifiers that failed: which ones succeeded is kept in heartbeat details.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Logger } from 'pino';
import type { Notification } from '../../domain/types';

export interface Notifier {
  name: string;
  send(n: Notification): Promise<void>;
}

/** Writes each notification as one structured log line. */
export function logNotifier(logger: Pick<Logger, 'info'>): Notifier {
  return {
    name: 'log',
    async send(n) {
      logger.info({ notification: { kind: n.kind, workflowId: n.workflowId, ip: n.ip, outcome: n.outcome, title: n.title } }, `${n.title}: ${n.body}`);
    },
  };
}

export function createNotifyActivities(deps: { notifiers: Notifier[] }) {
  return {
    /** The result names the notification, so the history (a local activity records only its result) shows what was sent. */
    async notify(n: Notification): Promise<{ sent: string[]; kind: Notification['kind']; title: string }> {
      const ctx = activityContext();
      const done = new Set<string>((ctx?.info.heartbeatDetails as string[] | undefined) ?? []);
      const failures: string[] = [];
      let allPermanent = true;
      for (const notifier of deps.notifiers) {
        if (done.has(notifier.name)) continue;
        try {
          await notifier.send(n);
          done.add(notifier.name);
          // A local activity has no heartbeat; its retries resend to every notifier (they are rare and short).
          if (ctx && !ctx.info.isLocal) ctx.heartbeat([...done]);
        } catch (err) {
          failures.push(`${notifier.name}: ${err instanceof Error ? err.message : String(err)}`);
          if (!(err instanceof ApplicationFailure && err.nonRetryable)) allPermanent = false;
        }
      }
      if (failures.length > 0) {
        const message = `notification not delivered by ${failures.join('; ')}`;
        // A notifier that said "retrying cannot help" (e.g. a 4xx from Discord) is not retried.
        if (allPermanent) throw ApplicationFailure.nonRetryable(message, 'NotificationRejected');
        throw new Error(message);
      }
      return { sent: [...done], kind: n.kind, title: n.title };
    },
  };
}

function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // called outside an activity (unit tests)
  }
}

export type NotifyActivities = ReturnType<typeof createNotifyActivities>;
