// The notify activity: fan-out to every notifier, retries re-send only to those that failed, and a failure every
// notifier calls permanent is not retried.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createNotifyActivities, logNotifier, type Notifier } from '../../../activities/notify';
import type { Notification } from '../../../domain/types';

const n: Notification = { kind: 'outcome', workflowId: 'threat/1.2.3.4', ip: '1.2.3.4', title: 't', body: 'b', outcome: 'expired' };
const recorder = (name: string, fail?: () => Error) => {
  const sent: Notification[] = [];
  const notifier: Notifier = { name, send: async (x) => { if (fail) throw fail(); sent.push(x); } };
  return { notifier, sent };
};

describe('notify activity', () => {
  test('sends to every notifier and reports which', async () => {
    const a = recorder('a');
    const b = recorder('b');
    const { notify } = createNotifyActivities({ notifiers: [a.notifier, b.notifier] });
    assert.deepEqual(await new MockActivityEnvironment().run(notify, n), { sent: ['a', 'b'], kind: n.kind, title: n.title });
    assert.equal(a.sent.length + b.sent.length, 2);
  });

  test('a retry skips the notifiers that already delivered (heartbeat details)', async () => {
    const a = recorder('a');
    const b = recorder('b');
    const { notify } = createNotifyActivities({ notifiers: [a.notifier, b.notifier] });
    await new MockActivityEnvironment({ heartbeatDetails: ['a'], attempt: 2 }).run(notify, n);
    assert.deepEqual([a.sent.length, b.sent.length], [0, 1]);
  });

  test('a transient failure is retryable and names the notifier; a permanent one is not retried', async () => {
    const ok = recorder('ok');
    const flaky = recorder('discord', () => new Error('503 from Discord'));
    const env = new MockActivityEnvironment();
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (d) => heartbeats.push(d));
    await assert.rejects(env.run(createNotifyActivities({ notifiers: [ok.notifier, flaky.notifier] }).notify, n), (e: unknown) =>
      e instanceof Error && !(e instanceof ApplicationFailure) && /discord: 503 from Discord/.test(e.message));
    assert.deepEqual(heartbeats, [['ok']], 'the successful delivery is remembered for the retry');
    const rejected = recorder('discord', () => ApplicationFailure.nonRetryable('400 invalid embed'));
    await assert.rejects(new MockActivityEnvironment().run(createNotifyActivities({ notifiers: [rejected.notifier] }).notify, n), (e: unknown) =>
      e instanceof ApplicationFailure && e.nonRetryable && /400 invalid embed/.test(e.message));
  });

  test('the log notifier writes one structured line without the body fields as objects', async () => {
    const lines: unknown[] = [];
    await logNotifier({ info: (o: unknown, m: string) => void lines.push([o, m]) } as never).send(n);
    assert.equal(lines.length, 1);
    assert.match(String((lines[0] as unknown[])[1]), /^t: b$/);
  });
});
