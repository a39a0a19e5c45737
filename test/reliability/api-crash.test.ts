// Issue 9 §3: the API process is killed with SIGKILL during a burst of publishing. Every
// request answered 202 is delivered; requests left unanswered are retried by the publisher
// against the restarted API and merge with the rest.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSubscription, publishUntilAccepted } from './helpers/api';
import { Model, startModelReceiver, type ModelReceiver } from './helpers/model';
import { Cluster, type HeraldChild } from './helpers/processes';

const KEYS = 60;
const PUBLISHERS = 4;
const REQUESTS = 40;

void describe('reliability: API crash (kill -9) during a burst', { timeout: 180_000 }, () => {
  const cluster = new Cluster();
  let rx: ModelReceiver;
  let apiProcess: HeraldChild;
  const model = new Model();

  before(async () => {
    await cluster.startTemporal();
    await cluster.startWorker();
    apiProcess = await cluster.startApi();
    rx = await startModelReceiver('ok');
    await createSubscription(cluster.apiUrl, {
      url: rx.url,
      batching: { debounceMs: 300, maxWaitMs: 2000 },
      retry: { initialIntervalMs: 200, backoffCoefficient: 2, maximumAttempts: 0, timeoutMs: 2000 },
    });
  });
  after(async () => {
    await rx?.close();
    await cluster.shutdown();
  });

  void it('delivers every accepted request and merges the retried ones', async () => {
    let accepted = 0;
    let errors = 0;
    let retriedRequests = 0;
    // Each publisher owns its keys and sends in order, so "last accepted per key" is the model.
    const publisher = async (p: number) => {
      for (let r = 0; r < REQUESTS; r++) {
        const ids = Array.from(
          { length: 5 },
          (_, i) => ((r * 5 + i) % (KEYS / PUBLISHERS)) * PUBLISHERS + p + 1,
        );
        const changes = ids.map((id) =>
          model.change(id % 2 ? 'training' : 'institute', id, r % 5 === 4 ? 'destroy' : 'update'),
        );
        const out = await publishUntilAccepted(() => cluster.apiUrl, changes);
        errors += out.errors;
        if (out.errors > 0) retriedRequests++;
        accepted++;
        model.accept(changes);
      }
    };
    const burst = Promise.all(Array.from({ length: PUBLISHERS }, (_, p) => publisher(p)));
    while (accepted < 40) await new Promise((r) => setTimeout(r, 10));
    await apiProcess.kill9();
    const killedAt = Date.now();
    const acceptedAtKill = accepted;
    apiProcess = await cluster.startApi();
    const restartMs = Date.now() - killedAt;
    await burst;

    assert.ok(errors > 0, 'some requests were cut off by the crash and retried');
    assert.deepEqual(await rx.converge(model, 60_000), []);
    console.log(
      `API crash: ${PUBLISHERS * REQUESTS} requests (${acceptedAtKill} accepted before the kill), ` +
        `${retriedRequests} retried after ${errors} errors; API back after ${restartMs} ms; ` +
        `${model.last.size} keys converged in ${Date.now() - killedAt} ms; ${rx.receiver.requests.length} POSTs`,
    );
  });
});
