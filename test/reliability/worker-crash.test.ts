// Issue 9 §1 and issue 14: the worker is killed with SIGKILL while a first attempt (a local
// activity) is on the wire and while a batch is debouncing; a new worker takes over, repeats
// the attempt with the same webhook-id, and every key still arrives in its final state.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { deliveryWorkflowId } from '../../core/ids';
import type { Change } from '../../core/types';
import { createSubscription, publishUntilAccepted } from './helpers/api';
import { Model, startModelReceiver, type ModelReceiver } from './helpers/model';
import { Cluster } from './helpers/processes';

const KEYS = 30;

void describe('reliability: worker crash (kill -9)', { timeout: 180_000 }, () => {
  const cluster = new Cluster();
  let rx: ModelReceiver;
  const model = new Model();
  const publish = async (changes: Change[]) => {
    await publishUntilAccepted(() => cluster.apiUrl, changes);
    model.accept(changes);
  };
  const round = (n = KEYS) => Array.from({ length: n }, (_, i) => model.change('training', i + 1));

  before(async () => {
    await cluster.startTemporal();
    await cluster.startApi();
    rx = await startModelReceiver('ok');
  });
  after(async () => {
    await rx?.close();
    await cluster.shutdown();
  });

  void it('delivers every key in its final state after a crash mid-delivery and mid-debounce', async () => {
    let worker = await cluster.startWorker();
    const sub = await createSubscription(cluster.apiUrl, {
      url: rx.url,
      // A long debounce gives the second crash a window; timeoutMs bounds the wait for the
      // lost attempt (Temporal retries it startToCloseTimeout = timeoutMs + 5 s later).
      batching: { debounceMs: 1500, maxWaitMs: 5000 },
      retry: { initialIntervalMs: 200, backoffCoefficient: 2, maximumAttempts: 0, timeoutMs: 1000 },
    });

    // Crash 1: the receiver holds the POST open, the worker dies with the request in flight.
    rx.setBehaviour('hold');
    await publish(round());
    await rx.receiver.waitForRequests(1, 20_000);
    const inFlightId = rx.receiver.requests[0]!.headers['webhook-id'];
    await worker.kill9();
    rx.releaseHeld();
    rx.setBehaviour('ok');
    // Changes that arrive while no worker runs merge into the next batch.
    await publish(round(KEYS / 2));
    const crash1 = Date.now();
    worker = await cluster.startWorker();
    assert.deepEqual(await rx.converge(model, 60_000), [], 'final state after the in-flight crash');
    const recovered = Date.now() - crash1;
    assert.equal(
      rx.acknowledged[0]!.headers['webhook-id'],
      inFlightId,
      'the batch that was in flight is retried first, with its webhook-id',
    );
    // That first attempt was the subscription's own local activity (fast path): repeated by
    // the next worker's replay, it succeeded, so no delivery child was ever started for it.
    const connection = await Connection.connect({ address: cluster.address });
    try {
      const child = new Client({ connection }).workflow.getHandle(deliveryWorkflowId(sub.id as string, 1));
      await assert.rejects(child.describe(), WorkflowNotFoundError);
    } finally {
      await connection.close();
    }

    // Crash 2: changes accepted, the worker dies inside the 1.5 s debounce window; the timer
    // fires in Temporal with no worker, and the new worker picks the batch up.
    const before2 = rx.acknowledged.length;
    await publish(round());
    await worker.kill9();
    assert.equal(rx.acknowledged.length, before2, 'nothing was sent before the crash');
    await new Promise((r) => setTimeout(r, 2000));
    await publish(round(KEYS / 3));
    const crash2 = Date.now();
    worker = await cluster.startWorker();
    assert.deepEqual(await rx.converge(model, 60_000), [], 'final state after the debounce crash');
    console.log(
      `worker crash: ${model.last.size} keys converged; in-flight crash recovered in ${recovered} ms, ` +
        `debounce crash in ${Date.now() - crash2} ms; ${rx.receiver.requests.length} POSTs, ` +
        `${rx.acknowledged.length} acknowledged`,
    );
    assert.ok(worker.alive());
  });
});
