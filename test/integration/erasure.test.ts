// Right to erasure, done when (issue 29): a person's changes in three subscriptions (one paused
// with the change pending, one delivered, one failing with it in a dead-lettered delivery) are
// erased; then every history left in the namespace, decoded with Herald's codec, holds neither
// the person's id nor its data, while the other person in the same batches is still delivered
// or redeliverable; and the process's logs never carried the person's data.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/runtime';
import { createEncryptionCodec } from '../../src/temporal/codec';
import { testConfig } from '../helpers/config';
import { decodeEveryHistory } from '../helpers/history-text';
import { startStack, type Stack } from '../helpers/stack';
import { waitUntil } from '../helpers/subscriptions';

const tag = randomBytes(4).toString('hex');
const ERASED = `person-erased-${tag}`;
const ERASED_EMAIL = `erase.me.${tag}@example.org`;
const KEPT = `person-kept-${tag}`;
const KEPT_EMAIL = `keep.me.${tag}@example.org`;

const change = (id: string, email: string) => ({
  action: 'update',
  object: 'person',
  id,
  event: 'person.category_added',
  data: { person: { firstName: 'Ada', email }, category: { name: 'alumni' } },
});

void describe('right to erasure', () => {
  let s: Stack;
  const logs: string[] = [];
  before(async () => {
    const logger = createLogger(
      { ...testConfig(), logLevel: 'debug' },
      { write: (l: string) => void logs.push(l) },
    );
    s = await startStack({ logger });
    s.receiver.setStatus((req) => (req.path.startsWith('/fail') ? 500 : 200));
  });
  after(async () => s?.close());

  const create = async (name: string, path: string, maximumAttempts = 3) => {
    const res = await s.api('POST', '/v1/subscriptions', {
      key: 'admin',
      body: {
        name,
        url: s.receiver.url.replace('/hook', path),
        events: ['person.category_added'],
        includePii: true,
        batching: { debounceMs: 100, maxWaitMs: 1000 },
        retry: { initialIntervalMs: 100, maximumAttempts, timeoutMs: 2000 },
      },
    });
    assert.equal(res.status, 201, res.text);
    return res.body.id as string;
  };
  const deliveries = async (id: string) =>
    (await s.api('GET', `/v1/subscriptions/${id}/deliveries`, { key: 'admin' })).body.items as {
      id: string;
      status: string;
      changes: { id: string }[];
      attempts: unknown[];
    }[];
  const receivedIds = (path: string) =>
    s.receiver.requests
      .filter((r) => r.path.startsWith(path))
      .flatMap((r) => (r.json as { changes: { id: string }[] }).changes.map((c) => c.id));

  void it('erases a person from pending, delivered and dead-lettered changes and from every history', async () => {
    const paused = await create('Paused', '/paused');
    const delivered = await create('Delivered', '/hook');
    const failing = await create('Failing', '/fail', 2);
    assert.equal((await s.api('POST', `/v1/subscriptions/${paused}/pause`, { key: 'admin' })).status, 200);

    const pub = await s.api('POST', '/v1/changes', {
      key: 'publish',
      body: { changes: [change(ERASED, ERASED_EMAIL), change(KEPT, KEPT_EMAIL)] },
    });
    assert.equal(pub.status, 202, pub.text);
    assert.equal(pub.body.subscriptions, 3);
    await waitUntil(
      async () => (await deliveries(delivered))[0]?.status === 'delivered',
      15_000,
      'delivered',
    );
    await waitUntil(async () => (await deliveries(failing))[0]?.status === 'failed', 20_000, 'dead-lettered');
    assert.deepEqual(receivedIds('/hook').sort(), [ERASED, KEPT].sort());

    const body = { object: 'person', id: ERASED };
    const started = await s.api('POST', '/v1/erasures', { key: 'admin', body });
    assert.equal(started.status, 202, started.text);
    const id = started.body.id as string;
    assert.match(id, /^era_[a-f0-9]{24}$/);
    assert.ok(!id.includes(ERASED));
    const again = await s.api('POST', '/v1/erasures', { key: 'admin', body: { keys: [body] } });
    assert.equal(again.body.id, id, 'the same key names the same erasure');
    assert.equal((await s.api('POST', '/v1/erasures', { key: 'publish', body })).status, 401);

    let report: Record<string, unknown> = {};
    await waitUntil(
      async () => {
        const res = await s.api('GET', `/v1/erasures/${id}`, { key: 'admin' });
        assert.equal(res.status, 200, res.text);
        report = res.body;
        return report.state === 'done';
      },
      // Temporal deletes runs in the background, in about half a minute on the dev server.
      150_000,
      'the erasure',
    );
    assert.ok(!JSON.stringify(report).includes(ERASED), 'the report holds no key');
    const counts = report.counts as Record<string, number>;
    assert.ok(counts.subscriptions! >= 3, JSON.stringify(counts));
    assert.equal(counts.subscriptionsAffected, 2, 'pending in one, retained in another');
    assert.equal(counts.pendingChanges, 1);
    assert.equal(counts.retainedChanges, 1);
    assert.ok(counts.deliveryRunsDeleted! >= 1, 'the dead-lettered delivery');
    assert.ok(counts.subscriptionRunsDeleted! >= 3, 'the runs that held it');
    assert.equal(counts.batchesKept, 1, "the dead-lettered delivery's other person");
    assert.equal(counts.stillHeld, 0);
    assert.equal(
      (await s.api('GET', '/v1/erasures/era_000000000000000000000000', { key: 'admin' })).status,
      404,
    );

    // Every history left, decoded with Herald's own codec.
    const runs = await decodeEveryHistory(s.t.client, createEncryptionCodec(s.t.config.encryptionKeys));
    const holding = runs.filter((r) => r.text.includes(ERASED) || r.text.includes(ERASED_EMAIL));
    assert.deepEqual(
      holding.map((r) => `${r.workflowId} ${r.status}`),
      [],
      'no history holds the erased person',
    );
    assert.ok(
      runs.some((r) => r.text.includes(KEPT_EMAIL)),
      'decoding works: the other person is there',
    );
    assert.ok(
      runs.some((r) => r.workflowId.startsWith('erasure:')),
      'the report is kept',
    );

    // The other person: still delivered or redeliverable, in all three.
    const failed = (await deliveries(failing))[0]!;
    assert.equal(failed.status, 'failed');
    assert.deepEqual(
      failed.changes.map((c) => c.id),
      [KEPT],
      'the dead-lettered delivery keeps its other change',
    );
    s.receiver.setStatus(200);
    const redo = await s.api('POST', `/v1/subscriptions/${failing}/deliveries/${failed.id}/redeliver`, {
      key: 'admin',
    });
    assert.equal(redo.status, 202, redo.text);
    assert.equal((await s.api('POST', `/v1/subscriptions/${paused}/resume`, { key: 'admin' })).status, 200);
    const ok = (await deliveries(delivered))[0]!;
    assert.deepEqual(
      ok.changes.map((c) => c.id),
      [KEPT],
      'the delivered batch is kept without the person',
    );
    await waitUntil(() => receivedIds('/fail').filter((x) => x === KEPT).length >= 3, 15_000, 'redelivered');
    await waitUntil(() => receivedIds('/paused').includes(KEPT), 15_000, 'the paused one resumed');
    assert.ok(!receivedIds('/paused').includes(ERASED), 'the paused one never sends the person');

    const logged = logs.join('\n');
    assert.ok(logged.length > 0, 'logs were written');
    for (const needle of [ERASED, ERASED_EMAIL, KEPT_EMAIL])
      assert.ok(!logged.includes(needle), `${needle} not logged`);
  });
  void it('rebuilds a retrying delivery and a queued batch without the person; the rest is delivered', async () => {
    const RETRYING = `person-retrying-${tag}`;
    const filler = (i: number) => ({
      action: 'update',
      object: 'training',
      id: `${tag}-${i}`,
      event: 'training.update',
      data: { pad: 'x'.repeat(1000) },
    });
    s.receiver.setStatus((req) => (req.path.startsWith('/retrying') ? 500 : 200));
    const res = await s.api('POST', '/v1/subscriptions', {
      key: 'admin',
      body: {
        name: 'Retrying',
        url: s.receiver.url.replace('/hook', '/retrying'),
        events: ['person.category_added', 'training.update'],
        includePii: true,
        batching: { debounceMs: 100, maxWaitMs: 1000 },
        retry: { initialIntervalMs: 500, backoffCoefficient: 1, maximumAttempts: 0, timeoutMs: 2000 },
      },
    });
    assert.equal(res.status, 201, res.text);
    const sub = res.body.id as string;
    const publish = async (changes: unknown[]) =>
      assert.equal(
        (await s.api('POST', `/v1/subscriptions/${sub}/changes`, { key: 'publish', body: { changes } }))
          .status,
        202,
      );
    // In flight: the first batch keeps failing in its delivery workflow.
    await publish([change(RETRYING, ERASED_EMAIL), change(KEPT, KEPT_EMAIL)]);
    await waitUntil(async () => ((await deliveries(sub))[0]?.attempts.length ?? 0) >= 2, 15_000, 'retrying');
    // Queued: ~460 KB behind it is past the open window's bound and sealed into a queued batch.
    await publish([...Array.from({ length: 450 }, (_, i) => filler(i)), change(RETRYING, ERASED_EMAIL)]);
    await waitUntil(
      async () =>
        (await s.api('GET', `/v1/subscriptions/${sub}`, { key: 'admin' })).body.queuedBatches >= 1 ||
        (await deliveries(sub)).length >= 2,
      15_000,
      'a queued batch',
    );

    const started = await s.api('POST', '/v1/erasures', {
      key: 'admin',
      body: { object: 'person', id: RETRYING },
    });
    assert.equal(started.status, 202, started.text);
    let report: Record<string, unknown> = {};
    await waitUntil(
      async () => {
        report = (await s.api('GET', `/v1/erasures/${started.body.id as string}`, { key: 'admin' })).body;
        return report.state === 'done';
      },
      150_000,
      'the erasure',
    );
    const counts = report.counts as Record<string, number>;
    assert.equal(counts.inFlightDeliveriesRebuilt, 1, JSON.stringify(counts));
    assert.equal(counts.queuedBatchesRebuilt, 1, JSON.stringify(counts));
    assert.ok(counts.deliveryRunsDeleted! >= 2, 'the runs before their rebuild');

    // Attempts made before the erasure reached the delivery may have carried the person; none after.
    const from = s.receiver.requests.length;
    s.receiver.setStatus(200);
    const after = () => s.receiver.requests.slice(from).filter((r) => r.path.startsWith('/retrying'));
    const idsAfter = () =>
      after().flatMap((r) => (r.json as { changes: { id: string }[] }).changes.map((c) => c.id));
    await waitUntil(
      () => idsAfter().includes(KEPT) && idsAfter().includes(`${tag}-449`),
      30_000,
      'the rest delivered',
    );
    assert.ok(!idsAfter().includes(RETRYING), 'the person is never sent after the erasure');
    const runs = await decodeEveryHistory(s.t.client, createEncryptionCodec(s.t.config.encryptionKeys));
    assert.deepEqual(
      runs.filter((r) => r.text.includes(RETRYING)).map((r) => `${r.workflowId} ${r.status}`),
      [],
    );
  });
});
