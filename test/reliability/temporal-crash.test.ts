// Issue 9 §2: the Temporal dev server is killed with SIGKILL during a debounce, during a retry
// backoff and during a burst of ingest, then restarted on the same SQLite file and port.
// Nothing the API answered 202 for may be lost (see SQLITE_PRAGMAS in src/temporal/dev-server.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Change } from '../../core/types';
import { createSubscription, publishUntilAccepted } from './helpers/api';
import { Model, startModelReceiver, type ModelReceiver } from './helpers/model';
import { Cluster } from './helpers/processes';

const KEYS = 40;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

void describe('reliability: Temporal crash (kill -9, restart on the same db)', { timeout: 240_000 }, () => {
  const cluster = new Cluster();
  let rx: ModelReceiver;
  const model = new Model();
  const api = () => cluster.apiUrl;
  const round = (n = KEYS) => Array.from({ length: n }, (_, i) => model.change('training', i + 1));
  const publish = async (changes: Change[]) => {
    await publishUntilAccepted(api, changes);
    model.accept(changes);
  };
  const restart = async () => {
    const t0 = Date.now();
    await cluster.startTemporal();
    return Date.now() - t0;
  };

  before(async () => {
    await cluster.startTemporal();
    await cluster.startWorker();
    await cluster.startApi();
    rx = await startModelReceiver('ok');
    await createSubscription(cluster.apiUrl, {
      url: rx.url,
      batching: { debounceMs: 1500, maxWaitMs: 5000 },
      retry: { initialIntervalMs: 200, backoffCoefficient: 2, maximumAttempts: 0, timeoutMs: 1000 },
    });
  });
  after(async () => {
    await rx?.close();
    await cluster.shutdown();
  });

  void it('keeps changes accepted while a batch was debouncing', async () => {
    await publish(round());
    await cluster.killTemporal();
    assert.equal(rx.receiver.requests.length, 0, 'killed inside the debounce window');
    const restartMs = await restart();
    assert.deepEqual(await rx.converge(model, 60_000), []);
    console.log(`debounce crash: ${model.last.size} keys converged; restart took ${restartMs} ms`);
  });

  void it('keeps a delivery that was waiting out a retry backoff', async () => {
    rx.setBehaviour('fail');
    const seen = rx.receiver.requests.length;
    await publish(round());
    await rx.receiver.waitForRequests(seen + 2, 30_000);
    await cluster.killTemporal();
    rx.setBehaviour('ok');
    await restart();
    assert.deepEqual(await rx.converge(model, 60_000), []);
    const failedId = rx.receiver.requests[seen]!.headers['webhook-id'];
    const firstOk = rx.acknowledged.find((r) => r.at > rx.receiver.requests[seen]!.at)!;
    assert.equal(firstOk.headers['webhook-id'], failedId, 'the failing delivery is the one that succeeds');
  });

  void it('loses nothing accepted during a burst of ingest', async () => {
    // Four publishers, each owning a quarter of the keys and sending in order, so the model's
    // "last accepted change per key" is well defined even with retries.
    const accepted: number[] = [];
    /** [sent, answered 202] per request, to count the ones the crash caught in flight. */
    const spans: [number, number][] = [];
    let errors = 0;
    let tries = 0;
    const publisher = async (p: number) => {
      for (let r = 0; r < 25; r++) {
        const ids = Array.from({ length: 4 }, (_, i) => ((r * 4 + i) % (KEYS / 4)) * 4 + p + 1);
        const changes = ids.map((id) => model.change('training', id, r % 7 === 6 ? 'destroy' : 'update'));
        const sent = Date.now();
        const out = await publishUntilAccepted(api, changes);
        tries += out.tries;
        errors += out.errors;
        accepted.push(Date.now());
        spans.push([sent, Date.now()]);
        model.accept(changes);
      }
    };
    const burst = Promise.all([0, 1, 2, 3].map(publisher));
    await (async () => {
      while (accepted.length < 30) await sleep(20);
    })();
    await cluster.killTemporal();
    const killedAt = Date.now();
    const acceptedBeforeKill = accepted.length;
    await sleep(1500);
    await restart();
    const restartedAt = Date.now();
    await burst;
    // Requests under way when the server died, answered 202 only after it came back: the API's
    // Temporal client retries UNAVAILABLE, so a short outage reaches publishers as latency.
    const caught = spans.filter(([sent, done]) => sent < killedAt && done >= restartedAt).length;
    assert.ok(caught > 0, 'the crash caught requests in flight');
    assert.deepEqual(await rx.converge(model, 90_000), []);
    console.log(
      `burst crash: 100 requests (${acceptedBeforeKill} accepted before the kill, ${caught} in flight ` +
        `across the crash), ${tries} tries, ` +
        `${errors} errors retried; outage ${Date.now() - killedAt} ms until drained; ` +
        `${model.last.size} keys converged; ${rx.receiver.requests.length} POSTs in all`,
    );
  });
});
