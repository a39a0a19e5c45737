// Issue 9 §4: the receiver answers 503 for many attempts while changes keep arriving over a
// bounded key set. The backlog stays bounded by the distinct keys; after recovery the batch
// that was in flight is delivered first, then the rest in order, and every key converges.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseDeliveryId } from '../../core/ids';
import { call, createSubscription, publishUntilAccepted } from './helpers/api';
import { Model, seededRandom, startModelReceiver, type ModelReceiver } from './helpers/model';
import { Cluster } from './helpers/processes';

const KEYS = 20;
const FAILED_ATTEMPTS = 6;

void describe('reliability: receiver outage with a bounded backlog', { timeout: 180_000 }, () => {
  const cluster = new Cluster();
  let rx: ModelReceiver;
  const model = new Model();

  before(async () => {
    await cluster.startTemporal();
    await cluster.startWorker();
    await cluster.startApi();
    rx = await startModelReceiver('fail');
  });
  after(async () => {
    await rx?.close();
    await cluster.shutdown();
  });

  void it('keeps pending bounded by keys and delivers the in-flight batch first after recovery', async () => {
    const sub = await createSubscription(cluster.apiUrl, {
      url: rx.url,
      batching: { debounceMs: 200, maxWaitMs: 1000 },
      // Scaled schedule: attempts at 0, 0.2, 0.6, 1.4, 3.0, 6.2, 12.6 s …
      retry: { initialIntervalMs: 200, backoffCoefficient: 2, maximumAttempts: 0, timeoutMs: 1000 },
    });
    let sent = 0;
    let maxPending = 0;
    let polls = 0;
    let stop = false;
    const random = seededRandom(42);
    const rand = (n: number) => Math.floor(random() * n);
    const publishing = (async () => {
      while (!stop) {
        const changes = Array.from({ length: 3 }, () => {
          const id = rand(KEYS) + 1;
          return model.change(id % 2 ? 'training' : 'institute', id, rand(10) === 0 ? 'destroy' : 'update');
        });
        await publishUntilAccepted(() => cluster.apiUrl, changes);
        model.accept(changes);
        sent += changes.length;
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const polling = (async () => {
      while (!stop) {
        const res = await call(cluster.apiUrl, 'GET', `/v1/subscriptions/${sub.id}`, { key: 'admin' });
        assert.equal(res.status, 200);
        const pending = res.body.pendingChanges as number;
        assert.ok(pending <= KEYS, `pendingChanges ${pending} exceeds the ${KEYS} distinct keys`);
        maxPending = Math.max(maxPending, pending);
        polls++;
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    // The loops end whatever the outcome: one left running would keep this file's process alive.
    try {
      await rx.receiver.waitForRequests(FAILED_ATTEMPTS, 30_000);
    } finally {
      stop = true;
      await Promise.all([publishing, polling]);
    }
    const failing = new Set(rx.receiver.requests.map((r) => r.headers['webhook-id']));
    assert.equal(failing.size, 1, 'one delivery in flight during the outage');
    const [inFlightId] = failing;
    const recoveredAt = Date.now();
    rx.setBehaviour('ok');

    assert.deepEqual(await rx.converge(model, 60_000), []);
    const ids = rx.acknowledged.map((r) => r.headers['webhook-id'] as string);
    assert.equal(ids[0], inFlightId, 'the in-flight batch is the first delivered');
    const seqs = ids.map((id) => parseDeliveryId(id)!.sequence);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      'deliveries arrive in sequence order',
    );
    assert.equal(new Set(seqs).size, seqs.length, 'each delivery acknowledged once');
    assert.ok(sent > KEYS * 5, `changes kept arriving (${sent})`);
    assert.ok(maxPending >= KEYS / 2, `the backlog filled up (max ${maxPending})`);

    const deliveries = await call(cluster.apiUrl, 'GET', `/v1/subscriptions/${sub.id}/deliveries`, {
      key: 'admin',
    });
    const first = (deliveries.body.items as { id: string; status: string; attempts: unknown[] }[]).find(
      (d) => d.id === inFlightId,
    )!;
    assert.equal(first.status, 'delivered');
    assert.ok(first.attempts.length > FAILED_ATTEMPTS, `attempts recorded: ${first.attempts.length}`);
    console.log(
      `receiver outage: ${sent} changes over ${KEYS} keys during ${rx.receiver.requests.length - rx.acknowledged.length} ` +
        `failed attempts; pendingChanges max ${maxPending} over ${polls} polls; after recovery ` +
        `${rx.acknowledged.length} deliveries in order, converged ${Date.now() - recoveredAt} ms after recovery`,
    );
  });
});
