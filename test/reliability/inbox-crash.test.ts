// Issue 27: with the ingest inbox (HERALD_INGEST=inbox) a 202 means the change is durable in an
// inbox workflow, not yet in its subscriptions. Here kill -9 hits every process while accepted
// changes sit between the inbox and the subscription: the worker (no hand-off runs), then the
// API and the Temporal dev server too, and Temporal again in the middle of a burst. Every key
// must still converge to the last change accepted for it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Change } from '../../core/types';
import { createSubscription, publishUntilAccepted } from './helpers/api';
import { Model, startModelReceiver, type ModelReceiver } from './helpers/model';
import { Cluster, type HeraldChild } from './helpers/processes';

const KEYS = 40;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

void describe(
  'reliability: kill -9 between the ingest inbox and the subscription',
  { timeout: 300_000 },
  () => {
    const cluster = new Cluster({ HERALD_INGEST: 'inbox', HERALD_INBOX_SHARDS: '2' });
    let rx: ModelReceiver;
    let worker: HeraldChild;
    let apiChild: HeraldChild;
    const model = new Model();
    const api = () => cluster.apiUrl;
    const round = (n = KEYS) => Array.from({ length: n }, (_, i) => model.change('training', i + 1));
    const publish = async (changes: Change[]) => {
      await publishUntilAccepted(api, changes);
      model.accept(changes);
    };

    before(async () => {
      await cluster.startTemporal();
      worker = await cluster.startWorker();
      apiChild = await cluster.startApi();
      rx = await startModelReceiver('ok');
      for (let i = 0; i < 2; i++)
        await createSubscription(cluster.apiUrl, {
          url: rx.url,
          batching: { debounceMs: 200, maxWaitMs: 2000 },
          retry: { initialIntervalMs: 200, backoffCoefficient: 2, maximumAttempts: 0, timeoutMs: 1000 },
        });
      await publish(round());
      assert.deepEqual(await rx.converge(model, 60_000), [], 'converged before any crash');
    });
    after(async () => {
      await rx?.close();
      await cluster.shutdown();
    });

    void it('keeps changes accepted into an inbox while no worker ran, across kill -9 of API and Temporal', async () => {
      await worker.kill9();
      for (let r = 0; r < 3; r++) await publish(round());
      await apiChild.kill9();
      await cluster.killTemporal();
      await cluster.startTemporal();
      apiChild = await cluster.startApi();
      worker = await cluster.startWorker();
      assert.deepEqual(await rx.converge(model, 90_000), []);
    });

    void it('loses nothing accepted during a burst in which Temporal and then the worker are killed', async () => {
      const accepted: number[] = [];
      const publisher = async (p: number) => {
        for (let r = 0; r < 20; r++) {
          const ids = Array.from({ length: 4 }, (_, i) => ((r * 4 + i) % (KEYS / 4)) * 4 + p + 1);
          const changes = ids.map((id) => model.change('training', id, r % 7 === 6 ? 'destroy' : 'update'));
          await publishUntilAccepted(api, changes);
          accepted.push(Date.now());
          model.accept(changes);
        }
      };
      const burst = Promise.all([0, 1, 2, 3].map(publisher));
      while (accepted.length < 20) await sleep(20);
      await cluster.killTemporal();
      await sleep(1000);
      await cluster.startTemporal();
      while (accepted.length < 50) await sleep(20);
      await worker.kill9();
      await sleep(1000);
      worker = await cluster.startWorker();
      await burst;
      assert.deepEqual(await rx.converge(model, 120_000), []);
      console.log(
        `inbox burst: ${model.last.size} keys converged; ${rx.receiver.requests.length} POSTs in all`,
      );
    });

    void it('loses nothing when the API is killed mid-burst', async () => {
      const publisher = async (p: number) => {
        for (let r = 0; r < 15; r++) {
          const ids = Array.from({ length: 4 }, (_, i) => ((r * 4 + i) % (KEYS / 4)) * 4 + p + 1);
          const changes = ids.map((id) => model.change('training', id));
          await publishUntilAccepted(api, changes);
          model.accept(changes);
        }
      };
      const burst = Promise.all([0, 1, 2, 3].map(publisher));
      await sleep(400);
      await apiChild.kill9();
      apiChild = await cluster.startApi();
      await burst;
      assert.deepEqual(await rx.converge(model, 90_000), []);
    });
  },
);
