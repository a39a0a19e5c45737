// The contract's retry schedule (§5) on Temporal's time-skipping test server: 13 attempts at
// 1, 2, 4 … 2048 minutes after each failure, measured on the server's clock.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Context } from '@temporalio/activity';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { closeActivities, createActivities } from '../../activities';
import { temporalBinary } from '../../src/temporal/binaries';
import { workflowBundle } from '../../src/temporal/bundle';
import { heraldDataConverter } from '../../src/temporal/data-converter';
import { installSdkLogger } from '../../src/worker';
import { attemptSignal, deliveryIdOf, deliveryWorkflowId } from '../../workflows/messages';
import type { DeliveryInput, DeliveryResult, RetryConfig } from '../../workflows/types';
import { testConfig } from '../helpers/config';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { newSubscriptionId } from '../helpers/subscriptions';
import { RETRY_DEFAULTS } from '../../src/api/subscription-schemas';

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
  /** Server-clock start of every attempt (time-skipped), per delivery workflow. */
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
      activities: {
        // The real activity, with the server-side start time of each attempt noted first.
        async deliver(input: DeliveryInput) {
          const info = Context.current().info;
          const list = scheduled.get(info.workflowExecution!.workflowId) ?? [];
          // The test server's clock, which skips ahead through the backoff.
          list.push(await env.currentTimeMs());
          scheduled.set(info.workflowExecution!.workflowId, list);
          return activities.deliver(input);
        },
      },
    });
    running = worker.run();
  });
  after(async () => {
    worker?.shutdown();
    await running;
    await closeActivities(activities);
    await receiver?.close();
    await env?.teardown();
  });

  const deliver = (retry: RetryConfig) => {
    const subscriptionId = newSubscriptionId();
    const workflowId = deliveryWorkflowId(subscriptionId, 1);
    const input: DeliveryInput = {
      subscriptionId,
      deliveryId: deliveryIdOf(subscriptionId, 1),
      sequence: 1,
      url: receiver.url,
      token: 'tok',
      secrets: [
        { secret: `whsec_${Buffer.alloc(32, 1).toString('base64')}`, createdAt: new Date().toISOString() },
      ],
      changes: [{ action: 'update', object: 'training', id: 1, url: 'https://api.example.com/trainings/1' }],
      retry,
    };
    return {
      workflowId,
      run: () =>
        env.client.workflow.execute('deliveryWorkflow', {
          workflowId,
          taskQueue: config.taskQueue,
          args: [input],
        }) as Promise<DeliveryResult>,
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
