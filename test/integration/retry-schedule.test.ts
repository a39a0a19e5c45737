// The contract's retry schedule (§5) on Temporal's time-skipping test server: 13 attempts at
// 1, 2, 4 … 2048 minutes after each failure, measured on the server's clock. Attempt 1 is the
// subscription's own local activity (fast path), attempts 2… run in its delivery child.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { closeActivities, createActivities } from '../../activities';
import { temporalBinary } from '../../src/temporal/binaries';
import { workflowBundle } from '../../src/temporal/bundle';
import { heraldDataConverter } from '../../src/temporal/data-converter';
import { heraldSinks } from '../../src/temporal/worker-sinks';
import { installSdkLogger } from '../../src/worker';
import { attemptSignal, changesSignal } from '../../workflows/messages';
import { deliveryIdOf, deliveryWorkflowId, subscriptionWorkflowId } from '../../core/ids';
import type { RetryConfig } from '../../core/types';
import type { DeliveryInput, DeliveryResult } from '../../core/delivery-types';
import { startSubscription, subscriptionConfig, waitUntil } from '../helpers/subscriptions';
import { testConfig } from '../helpers/config';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { RETRY_DEFAULTS } from '../../core/defaults';

const MINUTE = 60_000;
// The contract's defaults, as the API applies them.
const DEFAULT_RETRY: RetryConfig = RETRY_DEFAULTS;

describe('retry schedule (time-skipping server)', () => {
  const config = testConfig();
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let receiver: Receiver;
  let activities: ReturnType<typeof createActivities>;
  /** Server-clock start of every attempt (time-skipped), per delivery (webhook-id). */
  const scheduled = new Map<string, number[]>();

  before(async () => {
    installSdkLogger('ERROR');
    env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: temporalBinary('test-server') } },
      client: { dataConverter: heraldDataConverter(config.encryptionKeys) },
    });
    receiver = await startReceiver();
    activities = createActivities({
      headerPrefix: config.headerPrefix,
      allowInsecureUrls: true,
      reportAttempt: async (id, record) => env.client.workflow.getHandle(id).signal(attemptSignal, record),
    });
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: config.taskQueue,
      workflowBundle: await workflowBundle(),
      dataConverter: heraldDataConverter(config.encryptionKeys),
      sinks: heraldSinks(),
      activities: {
        // The real activities, with the server-side start time of each attempt noted first.
        async deliverFirst(input: DeliveryInput) {
          await note(input);
          return activities.deliverFirst(input);
        },
        async deliver(input: DeliveryInput) {
          await note(input);
          return activities.deliver(input);
        },
      },
    });
    running = worker.run();
  });
  async function note(input: DeliveryInput) {
    const list = scheduled.get(input.deliveryId) ?? [];
    // The test server's clock, which skips ahead through the backoff.
    list.push(await env.currentTimeMs());
    scheduled.set(input.deliveryId, list);
  }
  after(async () => {
    worker?.shutdown();
    await running;
    await closeActivities(activities);
    await receiver?.close();
    await env?.teardown();
  });

  /** A subscription with one change; its first attempt fails, and its delivery child takes over. */
  const deliver = (retry: RetryConfig) => {
    const sub = subscriptionConfig(receiver.url, { retry, batching: { debounceMs: 0, maxWaitMs: 0 } });
    const deliveryId = deliveryIdOf(sub.id, 1);
    return {
      workflowId: deliveryId,
      run: async () => {
        await startSubscription(env.client, config.taskQueue, sub, { searchAttributes: false });
        await env.client.workflow.getHandle(subscriptionWorkflowId(sub.id)).signal(changesSignal, {
          changes: [
            { action: 'update', object: 'training', id: 1, url: 'https://api.example.com/trainings/1' },
          ],
        });
        await waitUntil(() => (scheduled.get(deliveryId)?.length ?? 0) >= 1, 10_000, 'the first attempt');
        const child = env.client.workflow.getHandle(deliveryWorkflowId(sub.id, 1));
        for (let i = 0; ; i++) {
          try {
            // Awaiting a result lets the test server skip time through the backoff.
            return (await child.result()) as DeliveryResult;
          } catch (err) {
            if (i > 50) throw err;
            await new Promise((r) => setTimeout(r, 100)); // the child is not started yet
          }
        }
      },
    };
  };

  it('makes 13 attempts 1, 2, 4 … 2048 minutes apart, then ends failed', async () => {
    receiver.setStatus(500);
    const before = receiver.requests.length;
    const { workflowId, run } = deliver(DEFAULT_RETRY);
    const result = await run();
    assert.equal(result.status, 'failed');
    assert.equal(receiver.requests.length - before, 13);
    assert.deepEqual(
      result.attempts.map((a) => a.attempt),
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
    );
    assert.ok(result.attempts.every((a) => a.statusCode === 500));
    const starts = scheduled.get(workflowId)!;
    const gapsMinutes = starts.slice(1).map((t, i) => (t - starts[i]!) / MINUTE);
    // Each gap is the interval plus the (real, milliseconds-long) duration of the failed attempt.
    gapsMinutes.forEach((gap, i) =>
      assert.ok(Math.abs(gap - 2 ** i) < 0.05, `gap ${i + 1}: ${gap} min, want ${2 ** i}`),
    );
    // Coachview's table: 11:45 first, 08:00 two days later for the 13th.
    assert.ok(Math.abs((starts[12]! - starts[0]!) / MINUTE - 4095) < 0.5);
  });

  it('ends delivered on the 5th attempt after 4 failures', async () => {
    let n = 0;
    receiver.setStatus(() => (++n <= 4 ? 503 : 200));
    const { workflowId, run } = deliver(DEFAULT_RETRY);
    const result = await run();
    assert.equal(result.status, 'delivered');
    assert.deepEqual(
      result.attempts.map((a) => a.statusCode),
      [503, 503, 503, 503, 200],
    );
    const starts = scheduled.get(workflowId)!;
    assert.equal(starts.length, 5);
    assert.ok(
      Math.abs((starts[4]! - starts[0]!) / MINUTE - 15) < 0.05,
      'attempt 5 starts 1+2+4+8 minutes after the first',
    );
  });

  it('keeps retrying past 13 attempts with maximumAttempts 0', async () => {
    let n = 0;
    receiver.setStatus(() => (++n <= 15 ? 500 : 200));
    const { workflowId, run } = deliver({ ...DEFAULT_RETRY, maximumAttempts: 0 });
    const result = await run();
    assert.equal(result.status, 'delivered');
    assert.equal(result.attempts.length, 16);
    const starts = scheduled.get(workflowId)!;
    const gaps = starts.slice(1).map((t, i) => (t - starts[i]!) / MINUTE);
    // Past the 13-attempt schedule the interval stays at its last value, 2048 minutes.
    assert.ok(
      gaps.slice(11).every((g) => Math.abs(g - 2048) < 0.05),
      `gaps ${gaps.join(', ')}`,
    );
  });
});
