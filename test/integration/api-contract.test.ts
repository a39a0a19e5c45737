// Contract §2 end to end: the API listening on a port, a real Temporal dev server with a worker,
// and a real receiver. One subscription is walked through its whole life.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startApiServer, type ApiServer } from '../../src/api/server';
import { loadCatalog } from '../../src/catalog/catalog';
import { createEncryptionCodec } from '../../src/temporal/codec';
import type { Change } from '../../core/types';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY } from '../helpers/config';
import type { Receiver } from '../helpers/receiver';
import { startStack, type Stack } from '../helpers/stack';
import { waitUntil } from '../helpers/subscriptions';
import type { TemporalHarness } from '../helpers/temporal';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

void describe('HTTP API contract (dev server, worker, receiver)', () => {
  let t: TemporalHarness;
  let server: ApiServer;
  let receiver: Receiver;

  async function api(method: string, path: string, opts: { key?: 'admin' | 'publish'; body?: unknown } = {}) {
    const headers: Record<string, string> = {};
    if (opts.key)
      headers.authorization = `Bearer ${opts.key === 'admin' ? TEST_ADMIN_KEY : TEST_PUBLISH_KEY}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(server.url + path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
    const text = await res.text();
    const isJson = (res.headers.get('content-type') ?? '').startsWith('application/json');
    return { status: res.status, text, body: (isJson && text ? JSON.parse(text) : undefined) as Json };
  }
  const bodies = () => receiver.requests.map((r) => r.json as { changes: Change[] });

  let stack: Stack;
  before(async () => {
    stack = await startStack();
    ({ t, server, receiver } = stack);
  });
  after(async () => {
    await stack?.close();
  });

  void it('walks create, list, get, patch, publish, pause, resume, rotate, deliveries, redeliver and delete', async () => {
    assert.equal((await api('GET', '/readyz')).status, 200);

    // Create: secrets shown once.
    const secret = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
    const created = await api('POST', '/v1/subscriptions', {
      key: 'admin',
      body: {
        name: 'Partner',
        url: receiver.url,
        events: ['training.update', 'training.destroy'],
        token: 'tok_contract_test',
        signingSecret: secret,
        batching: { debounceMs: 200, maxWaitMs: 1000 },
        retry: { initialIntervalMs: 200, maximumAttempts: 2, timeoutMs: 2000 },
      },
    });
    assert.equal(created.status, 201, created.text);
    const sub = created.body;
    assert.match(sub.id, /^sub_[A-Za-z0-9]{20}$/);
    assert.equal(sub.token, 'tok_contract_test');
    assert.equal(sub.signingSecret, secret);
    assert.equal(sub.includePii, false);
    assert.deepEqual(sub.batching, { debounceMs: 200, maxWaitMs: 1000, maxBatchSize: 500 });
    assert.equal(sub.retry.backoffCoefficient, 2);
    const path = `/v1/subscriptions/${sub.id}`;
    const noSecrets = (text: string) => {
      assert.ok(
        !text.includes(secret) && !text.includes('tok_contract_test'),
        'no secret or token in the answer',
      );
      assert.ok(!/"(token|signingSecret|secrets)"/.test(text));
    };

    // Published right after the 201: routed by this process's table at once.
    const first = await api('POST', '/v1/changes', {
      key: 'publish',
      body: {
        changes: [
          {
            action: 'update',
            object: 'training',
            id: 1,
            data: { training: { name: 'T', contactPerson: { email: 'p@x.nl' } } },
          },
        ],
      },
    });
    assert.equal(first.status, 202, first.text);
    assert.deepEqual(first.body, { accepted: 1, subscriptions: 1 });
    await receiver.waitForRequests(1, 15_000);
    const req1 = receiver.requests[0]!;
    assert.deepEqual(bodies()[0]!.changes, [
      {
        action: 'update',
        object: 'training',
        id: 1,
        event: 'training.update',
        url: 'https://api.example.com/trainings/1',
        data: { training: { name: 'T', contactPerson: {} } },
      },
    ]);
    assert.equal(req1.headers['x-webhook-token'], 'tok_contract_test');
    assert.equal(
      req1.headers['x-webhook-signature'],
      createHmac('sha256', secret).update(req1.rawBody).digest('base64'),
    );

    // List and get: never a secret.
    const list = await api('GET', '/v1/subscriptions', { key: 'admin' });
    assert.equal(list.status, 200);
    assert.ok(list.body.items.some((s: Json) => s.id === sub.id));
    noSecrets(list.text);
    const got = await api('GET', path, { key: 'admin' });
    assert.equal(got.status, 200, got.text);
    noSecrets(got.text);
    assert.equal(got.body.state, 'active');
    assert.equal(typeof got.body.pendingChanges, 'number');
    assert.ok(got.body.counters.changesReceived >= 1);

    // Patch.
    const patched = await api('PATCH', path, {
      key: 'admin',
      body: { name: 'Partner BV', batching: { debounceMs: 300 } },
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.body.name, 'Partner BV');
    assert.equal(patched.body.batching.debounceMs, 300);
    noSecrets(patched.text);
    // A debounce above the stored maxWait is allowed: batches then leave maxWaitMs after their
    // oldest change (the OpenAPI document cannot state a rule across two fields, issue 16).
    const longDebounce = await api('PATCH', path, { key: 'admin', body: { batching: { debounceMs: 5000 } } });
    assert.equal(longDebounce.status, 200, longDebounce.text);
    assert.deepEqual(longDebounce.body.batching, { debounceMs: 5000, maxWaitMs: 1000, maxBatchSize: 500 });
    assert.equal(
      (await api('PATCH', path, { key: 'admin', body: { batching: { debounceMs: 300 } } })).status,
      200,
    );

    // Pause: changes merge, nothing is sent; resume sends them.
    const paused = await api('POST', `${path}/pause`, { key: 'admin' });
    assert.equal(paused.status, 200);
    assert.equal(paused.body.state, 'paused');
    await api('POST', '/v1/changes', {
      key: 'publish',
      body: {
        changes: [
          { action: 'update', object: 'training', id: 2 },
          { action: 'update', object: 'training', id: 2 },
        ],
      },
    });
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(receiver.requests.length, 1, 'nothing sent while paused');
    const whilePaused = await api('GET', path, { key: 'admin' });
    assert.equal(whilePaused.body.state, 'paused');
    assert.equal(whilePaused.body.pendingChanges, 1, 'merged by key');
    const resumed = await api('POST', `${path}/resume`, { key: 'admin' });
    assert.equal(resumed.body.state, 'active');
    await receiver.waitForRequests(2, 15_000);
    assert.deepEqual(
      bodies()[1]!.changes.map((c) => c.id),
      [2],
    );

    // Rotate: the new secret once; deliveries carry both Standard Webhooks signatures.
    const rotated = await api('POST', `${path}/rotate-secret`, { key: 'admin' });
    assert.equal(rotated.status, 200);
    assert.match(rotated.body.signingSecret, /^whsec_/);
    assert.notEqual(rotated.body.signingSecret, secret);
    await api('POST', `/v1/subscriptions/${sub.id}/changes`, {
      key: 'publish',
      body: { changes: [{ action: 'destroy', object: 'training', id: 3, url: 'https://x/3' }] },
    });
    await receiver.waitForRequests(3, 15_000);
    const req3 = receiver.requests[2]!;
    assert.equal(String(req3.headers['webhook-signature']).split(' ').length, 2);
    assert.equal(
      req3.headers['x-webhook-signature'],
      createHmac('sha256', rotated.body.signingSecret).update(req3.rawBody).digest('base64'),
    );
    assert.deepEqual(bodies()[2]!.changes, [
      { action: 'destroy', object: 'training', id: 3, event: 'training.destroy' },
    ]);

    // A failing receiver: the delivery fails after 2 attempts and shows up as failed.
    receiver.setStatus(500);
    await api('POST', '/v1/changes', {
      key: 'publish',
      body: { changes: [{ action: 'update', object: 'training', id: 4 }] },
    });
    let failed: Json | undefined;
    await waitUntil(() => receiver.requests.length >= 5, 20_000, 'two failed attempts');
    for (let i = 0; i < 100 && !failed; i++) {
      const d = await api('GET', `${path}/deliveries`, { key: 'admin' });
      failed = d.body.items.find((x: Json) => x.status === 'failed');
      if (!failed) await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(failed, 'a failed delivery is listed');
    assert.equal(failed.attempts.length, 2);
    assert.equal(failed.attempts[0].statusCode, 500);
    assert.deepEqual(
      failed.changes.map((c: Change) => c.id),
      [4],
    );

    const deliveries = await api('GET', `${path}/deliveries?limit=10`, { key: 'admin' });
    assert.equal(deliveries.status, 200);
    const items = deliveries.body.items as Json[];
    assert.equal(items.length, 4);
    assert.deepEqual(
      items.map((d) => d.sequence),
      [4, 3, 2, 1],
      'newest first',
    );
    assert.deepEqual(
      items.slice(1).map((d) => d.status),
      ['delivered', 'delivered', 'delivered'],
    );
    assert.ok(items[3]!.changes.length === 1 && items[3]!.attempts[0].statusCode === 200);
    assert.equal((await api('GET', `${path}/deliveries?limit=1`, { key: 'admin' })).body.items.length, 1);

    // Redeliver the failed one.
    receiver.setStatus(200);
    const before = receiver.requests.length;
    const redelivered = await api('POST', `${path}/deliveries/${failed.id}/redeliver`, { key: 'admin' });
    assert.equal(redelivered.status, 202, redelivered.text);
    assert.equal(redelivered.body.deliveryId, failed.id);
    await receiver.waitForRequests(before + 1, 15_000);
    assert.deepEqual(
      bodies()[before]!.changes.map((c) => c.id),
      [4],
    );
    const unknownDelivery = await api(
      'POST',
      `${path}/deliveries/${failed.id.replace(/_\d+$/, '_999')}/redeliver`,
      { key: 'admin' },
    );
    assert.equal(unknownDelivery.status, 404);

    // Delete: 204, then 404 everywhere and no more routing.
    const deleted = await api('DELETE', path, { key: 'admin' });
    assert.equal(deleted.status, 204);
    assert.equal((await api('GET', path, { key: 'admin' })).status, 404);
    assert.equal((await api('PATCH', path, { key: 'admin', body: { name: 'x' } })).status, 404);
    assert.equal((await api('POST', `${path}/pause`, { key: 'admin' })).status, 404);
    assert.equal((await api('GET', `${path}/deliveries`, { key: 'admin' })).status, 404);
    assert.equal(
      (
        await api('POST', `${path}/changes`, {
          key: 'publish',
          body: { changes: [{ action: 'update', object: 'training', id: 5 }] },
        })
      ).status,
      404,
    );
    const afterDelete = await api('POST', '/v1/changes', {
      key: 'publish',
      body: { changes: [{ action: 'update', object: 'training', id: 5 }] },
    });
    assert.deepEqual(afterDelete.body, { accepted: 1, subscriptions: 0 });
    await new Promise((r) => setTimeout(r, 800)); // past a routing refresh from visibility
    const later = await api('POST', '/v1/changes', {
      key: 'publish',
      body: { changes: [{ action: 'update', object: 'training', id: 6 }] },
    });
    assert.deepEqual(later.body, { accepted: 1, subscriptions: 0 });
    assert.ok(
      !(await api('GET', '/v1/subscriptions', { key: 'admin' })).body.items.some(
        (s: Json) => s.id === sub.id,
      ),
    );

    // Metrics moved.
    const metrics = (await api('GET', '/metrics')).text;
    assert.match(metrics, /herald_changes_received_total [1-9]/);
    assert.match(metrics, /herald_signals_sent_total\{outcome="ok"\} [1-9]/);
  });

  void it('shows an in-flight delivery with its attempt and next attempt time, and refuses to redeliver it (409)', async () => {
    receiver.setStatus(503);
    try {
      const created = await api('POST', '/v1/subscriptions', {
        key: 'admin',
        body: {
          name: 'slow partner',
          url: receiver.url,
          events: ['*'],
          batching: { debounceMs: 0, maxWaitMs: 0 },
          retry: { initialIntervalMs: 60_000, maximumAttempts: 3 },
        },
      });
      const path = `/v1/subscriptions/${created.body.id}`;
      const n = receiver.requests.length;
      await api('POST', `${path}/changes`, {
        key: 'publish',
        body: { changes: [{ action: 'import', object: 'institute', id: 'abc' }] },
      });
      await receiver.waitForRequests(n + 1, 10_000);
      let live: Json = {};
      for (let i = 0; i < 50 && !(live.inFlight?.attempt >= 1); i++) {
        live = (await api('GET', path, { key: 'admin' })).body;
        if (!(live.inFlight?.attempt >= 1)) await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(live.inFlight.attempt, 1);
      assert.equal(live.inFlight.attemptsLeft, 2);
      assert.equal(live.inFlight.lastAttempt.statusCode, 503);
      const next = Date.parse(live.inFlight.nextAttemptAt) - Date.now();
      assert.ok(next > 50_000 && next <= 61_000, `next attempt in about a minute (${next} ms)`);
      const listed = (await api('GET', `${path}/deliveries`, { key: 'admin' })).body.items as Json[];
      assert.equal(listed[0]!.status, 'in_flight');
      assert.deepEqual(
        listed[0]!.changes.map((c: Change) => c.id),
        ['abc'],
      );
      assert.equal(listed[0]!.attempts.length, 1);
      assert.ok(listed[0]!.nextAttemptAt);
      const again = await api('POST', `${path}/deliveries/${listed[0]!.id}/redeliver`, { key: 'admin' });
      assert.equal(again.status, 409);
      assert.equal(again.body.error, 'conflict');
      assert.equal((await api('DELETE', path, { key: 'admin' })).status, 204);
      // At once, while the workflow may still be cancelling its delivery (found by schemathesis).
      assert.equal((await api('GET', `${path}/deliveries`, { key: 'admin' })).status, 404);
    } finally {
      receiver.setStatus(200);
    }
  });

  void it('deletes reliably while a delivery is just ending (update racing the workflow completion)', async () => {
    for (let i = 0; i < 6; i++) {
      const created = await api('POST', '/v1/subscriptions', {
        key: 'admin',
        body: {
          name: `race ${i}`,
          url: receiver.url,
          events: ['*'],
          batching: { debounceMs: 0, maxWaitMs: 0 },
        },
      });
      const n = receiver.requests.length;
      await api('POST', `/v1/subscriptions/${created.body.id}/changes`, {
        key: 'publish',
        body: { changes: [{ action: 'update', object: 'training', id: i + 1 }] },
      });
      await receiver.waitForRequests(n + 1, 10_000);
      await new Promise((r) => setTimeout(r, i * 3));
      const deleted = await api('DELETE', `/v1/subscriptions/${created.body.id}`, { key: 'admin' });
      assert.equal(deleted.status, 204, deleted.text);
      assert.equal((await api('GET', `/v1/subscriptions/${created.body.id}`, { key: 'admin' })).status, 404);
    }
  });

  void it('answers 404 for a well-formed but unknown subscription', async () => {
    const id = 'sub_ABCDEFGHIJabcdefghij';
    assert.equal((await api('GET', `/v1/subscriptions/${id}`, { key: 'admin' })).status, 404);
    assert.equal((await api('DELETE', `/v1/subscriptions/${id}`, { key: 'admin' })).status, 404);
    assert.equal((await api('POST', `/v1/subscriptions/${id}/rotate-secret`, { key: 'admin' })).status, 404);
    const publish = await api('POST', `/v1/subscriptions/${id}/changes`, {
      key: 'publish',
      body: { changes: [{ action: 'update', object: 'training', id: 1 }] },
    });
    assert.equal(publish.status, 404);
    assert.equal(publish.body.error, 'not_found');
  });

  void it('routes a subscription created by another instance after a visibility refresh', async () => {
    const other = await startApiServer({
      config: t.config,
      client: t.client,
      catalog: loadCatalog(t.config.eventCatalogPath),
      codec: createEncryptionCodec(t.config.encryptionKeys),
      host: '127.0.0.1',
      port: 0,
    });
    try {
      const res = await fetch(`${other.url}/v1/subscriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'elsewhere', url: receiver.url, events: ['institute.update'] }),
      });
      assert.equal(res.status, 201);
      const { id } = (await res.json()) as { id: string };
      // Within one refresh period (300 ms here) plus the visibility lag.
      let routed = 0;
      for (let i = 0; i < 50 && routed === 0; i++) {
        routed = (
          await api('POST', '/v1/changes', {
            key: 'publish',
            body: { changes: [{ action: 'update', object: 'institute', id: 1 }] },
          })
        ).body.subscriptions;
        if (routed === 0) await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(routed, 1);
      assert.equal((await api('DELETE', `/v1/subscriptions/${id}`, { key: 'admin' })).status, 204);
    } finally {
      await other.close();
    }
  });
});
