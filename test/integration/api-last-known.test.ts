// GET /v1/subscriptions/:id while the subscription's workflow cannot answer a query (no worker
// polls its task queue: killed, restarting, or far behind): the API that read its live status
// before answers 200 with that status and its `statusAsOf`, and the configuration from the memo;
// an API that never read it answers 503. With a worker back, the status is live again.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app';
import { loadCatalog } from '../../src/catalog/catalog';
import { createEncryptionCodec } from '../../src/temporal/codec';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY } from '../helpers/config';
import { waitUntil } from '../helpers/subscriptions';
import { startTemporal, type TemporalHarness } from '../helpers/temporal';

const CALL_TIMEOUT_MS = 1_500;

void describe('GET of a subscription whose workflow cannot answer', () => {
  let t: TemporalHarness;
  const apps: FastifyInstance[] = [];
  const newApp = async () => {
    const app = await buildApp({
      config: t.config,
      client: t.client,
      catalog: loadCatalog(t.config.eventCatalogPath),
      codec: createEncryptionCodec(t.config.encryptionKeys),
      callTimeoutMs: CALL_TIMEOUT_MS,
    });
    apps.push(app);
    return app;
  };
  const inject = async (app: FastifyInstance, method: 'GET' | 'POST', url: string, body?: object) => {
    const key = url === '/v1/changes' ? TEST_PUBLISH_KEY : TEST_ADMIN_KEY;
    const res = await app.inject({ method, url, payload: body, headers: { authorization: `Bearer ${key}` } });
    return { status: res.statusCode, body: res.json() };
  };

  before(async () => {
    t = await startTemporal();
  });
  after(async () => {
    for (const app of apps) await app.close();
    await t?.teardown();
  });

  void it('answers the last status read, with its time, and 503 where none was read', async () => {
    const app = await newApp();
    const worker = await t.startWorker();
    const created = await inject(app, 'POST', '/v1/subscriptions', {
      name: 'last known',
      url: 'http://127.0.0.1:9/never-called',
      events: ['training.update'],
      // Nothing leaves while the test looks: the changes stay pending.
      batching: { debounceMs: 600_000, maxWaitMs: 600_000 },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const path = `/v1/subscriptions/${created.body.id as string}`;
    const changes = [1, 2, 3].map((id) => ({ action: 'update', object: 'training', id }));
    assert.equal((await inject(app, 'POST', '/v1/changes', { changes })).status, 202);
    let live = await inject(app, 'GET', path);
    await waitUntil(
      async () => (live = await inject(app, 'GET', path)).body.pendingChanges === 3,
      10_000,
      'three pending changes',
    );
    assert.equal(live.status, 200);
    const readAt = Date.parse(live.body.statusAsOf as string);
    assert.ok(Math.abs(Date.now() - readAt) < 5_000, `statusAsOf ${live.body.statusAsOf}`);

    await worker.shutdown();
    const stale = await inject(app, 'GET', path);
    assert.equal(stale.status, 200, JSON.stringify(stale.body));
    assert.equal(stale.body.statusAsOf, live.body.statusAsOf, 'the status as last read, with its time');
    assert.equal(stale.body.pendingChanges, 3);
    assert.deepEqual(stale.body.counters, live.body.counters);
    // The configuration is the memo's, which every configuration change writes.
    assert.equal(stale.body.name, 'last known');
    assert.equal(stale.body.state, 'active');
    assert.equal(stale.body.token, undefined);

    const other = await newApp();
    const unknown = await inject(other, 'GET', path);
    assert.equal(unknown.status, 503, JSON.stringify(unknown.body));
    assert.equal(unknown.body.error, 'temporal_unavailable');

    await t.startWorker();
    const back = await inject(other, 'GET', path);
    assert.equal(back.status, 200, JSON.stringify(back.body));
    assert.ok(Date.parse(back.body.statusAsOf as string) > readAt, 'live again');
    assert.equal(back.body.pendingChanges, 3);
  });
});
