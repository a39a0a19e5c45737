// Issue 17 end to end (dev server, worker, real receivers): tenant tokens manage their own
// tenant's subscriptions and nothing else (404 for every other one), changes reach only their
// tenant's subscriptions (and "*"), channels filter, and partners get the contract's shape.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Change } from '../../core/types';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { startStack, type Json, type Stack } from '../helpers/stack';
import { waitUntil } from '../helpers/subscriptions';

const fast = {
  batching: { debounceMs: 200, maxWaitMs: 1000 },
  retry: { initialIntervalMs: 200, timeoutMs: 2000 },
};
const received = (r: Receiver) => r.requests.flatMap((q) => (q.json as { changes: Change[] }).changes);

void describe('tenants and channels (dev server, worker, receivers)', { timeout: 120_000 }, () => {
  let stack: Stack;
  const extra: Receiver[] = [];
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    for (const r of extra) await r.close();
    await stack?.close();
  });

  it('scopes tenant tokens, routes by tenant and channel, and delivers the contract shape', async () => {
    const { api } = stack;
    const receiver = async () => {
      const r = await startReceiver();
      extra.push(r);
      return r;
    };
    const [rAcme, rGlobex, rAll, rNone, rEu] = [
      stack.receiver,
      await receiver(),
      await receiver(),
      await receiver(),
      await receiver(),
    ];

    const tokenFor = async (tenant: string) => {
      const res = await api('POST', `/v1/tenants/${tenant}/tokens`, {
        key: 'admin',
        body: { ttlSeconds: 600 },
      });
      assert.equal(res.status, 201, res.text);
      return res.body.token as string;
    };
    const acme = await tokenFor('acme');
    const globex = await tokenFor('globex');
    const create = async (key: string, body: Json) => {
      const res = await api('POST', '/v1/subscriptions', {
        key,
        body: { name: 'P', events: ['*'], ...fast, ...body },
      });
      assert.equal(res.status, 201, res.text);
      return res.body;
    };
    // A tenant token's creation is its tenant's, whether it says so or not.
    const a = await create(acme, { url: rAcme.url });
    assert.equal(a.tenant, 'acme');
    const g = await create(globex, { url: rGlobex.url, tenant: 'globex' });
    const all = await create('admin', { url: rAll.url, tenant: '*' });
    const none = await create('admin', { url: rNone.url });
    assert.equal('tenant' in none, false);
    const eu = await create(acme, { url: rEu.url, channels: ['eu'], events: ['training.update'] });
    assert.deepEqual(eu.channels, ['eu']);

    // Another tenant's subscription does not exist for a tenant token.
    const other = `/v1/subscriptions/${g.id}`;
    for (const [method, path, body] of [
      ['GET', other, undefined],
      ['PATCH', other, { name: 'mine now' }],
      ['POST', `${other}/pause`, undefined],
      ['POST', `${other}/resume`, undefined],
      ['POST', `${other}/rotate-secret`, undefined],
      ['GET', `${other}/deliveries`, undefined],
      ['POST', `${other}/deliveries/dlv_${String(g.id).slice(4)}_1/redeliver`, undefined],
      ['DELETE', other, undefined],
    ] as const) {
      const res = await api(method, path, { key: acme, body });
      assert.equal(res.status, 404, `${method} ${path} with acme's token: ${res.text}`);
      assert.equal(res.body.error, 'not_found');
    }
    assert.equal((await api('GET', other, { key: 'admin' })).body.name, 'P', 'untouched');
    assert.equal((await api('GET', `/v1/subscriptions/${a.id}`, { key: acme })).status, 200);
    const ids = (res: { body: Json }) => (res.body.items as Json[]).map((s) => s.id as string).sort();
    assert.deepEqual(ids(await api('GET', '/v1/subscriptions', { key: acme })), [a.id, eu.id].sort());
    assert.deepEqual(ids(await api('GET', '/v1/subscriptions?tenant=globex', { key: acme })), []);
    assert.deepEqual(ids(await api('GET', '/v1/subscriptions?tenant=globex', { key: 'admin' })), [g.id]);
    assert.deepEqual(ids(await api('GET', '/v1/subscriptions?tenant=*', { key: 'admin' })), [all.id]);
    const patched = await api('PATCH', `/v1/subscriptions/${a.id}`, {
      key: acme,
      body: { tenant: 'globex' },
    });
    assert.equal(patched.status, 400, 'the tenant is immutable');

    // A tenant token cannot publish.
    const changes = [
      { action: 'update', object: 'training', id: 1, tenant: 'acme', data: { v: 'acme' } },
      { action: 'update', object: 'training', id: 1, tenant: 'globex', data: { v: 'globex' } },
      { action: 'update', object: 'training', id: 2, data: { v: 'nobody' } },
      {
        action: 'update',
        object: 'training',
        id: 3,
        tenant: 'acme',
        channels: ['eu', 'us'],
        data: { v: 'eu' },
      },
      { action: 'update', object: 'training', id: 4, tenant: 'acme', channels: ['us'], data: { v: 'us' } },
    ];
    assert.equal((await api('POST', '/v1/changes', { key: acme, body: { changes } })).status, 401);
    const published = await api('POST', '/v1/changes', { key: 'publish', body: { changes } });
    assert.equal(published.status, 202, published.text);
    assert.deepEqual(published.body, { accepted: 5, subscriptions: 5 });

    const values = (r: Receiver) =>
      received(r)
        .map((c) => `${c.id}:${String(c.data?.v)}`)
        .sort();
    await waitUntil(() => received(rAll).length >= 5 && received(rEu).length >= 1, 20_000, 'deliveries');
    await waitUntil(() => received(rAcme).length >= 3, 20_000, "acme's deliveries");
    assert.deepEqual(values(rAcme), ['1:acme', '3:eu', '4:us']);
    assert.deepEqual(values(rGlobex), ['1:globex']);
    assert.deepEqual(values(rNone), ['2:nobody']);
    assert.deepEqual(values(rEu), ['3:eu'], 'only the change sharing a channel');
    // "*" gets every change, tenant included, and the two tenants' training 1 do not merge.
    assert.deepEqual(values(rAll), ['1:acme', '1:globex', '2:nobody', '3:eu', '4:us']);
    assert.deepEqual(
      received(rAll)
        .map((c) => c.tenant ?? '-')
        .sort(),
      ['-', 'acme', 'acme', 'acme', 'globex'],
    );
    for (const c of [...received(rAcme), ...received(rGlobex), ...received(rNone), ...received(rEu)])
      assert.deepEqual(
        Object.keys(c).sort(),
        ['action', 'data', 'event', 'id', 'object', 'url'],
        'contract shape',
      );
    assert.ok(received(rAll).every((c) => !('channels' in c)));

    // The tenant's own deliveries are readable with its token; the Temporal UI can find it.
    const deliveries = await api('GET', `/v1/subscriptions/${a.id}/deliveries`, { key: acme });
    assert.equal(deliveries.status, 200);
    assert.equal(deliveries.body.items.length >= 1, true);
    const handle = stack.t.client.workflow.getHandle(`subscription:${a.id}`);
    let tenantAttr: unknown;
    const end = Date.now() + 10_000;
    while (Date.now() < end && tenantAttr === undefined) {
      tenantAttr = (await handle.describe()).searchAttributes.HeraldTenant;
      if (tenantAttr === undefined) await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(tenantAttr, ['acme']);

    // Direct publishing keeps the tenant boundary.
    const direct = await api('POST', `/v1/subscriptions/${a.id}/changes`, {
      key: 'publish',
      body: { changes: [{ action: 'update', object: 'training', id: 9, tenant: 'globex' }] },
    });
    assert.equal(direct.status, 409, direct.text);
    assert.equal(direct.body.error, 'tenant_mismatch');

    // Channels may change; [] removes the filter.
    const widened = await api('PATCH', `/v1/subscriptions/${eu.id}`, { key: acme, body: { channels: [] } });
    assert.equal(widened.status, 200, widened.text);
    assert.deepEqual(widened.body.channels, []);
    const plain = [{ action: 'update', object: 'training', id: 5, tenant: 'acme', data: { v: 'plain' } }];
    assert.equal(
      (await api('POST', '/v1/changes', { key: 'publish', body: { changes: plain } })).status,
      202,
    );
    await waitUntil(() => values(rEu).includes('5:plain'), 20_000, 'the widened subscription');

    assert.equal((await api('DELETE', `/v1/subscriptions/${a.id}`, { key: acme })).status, 204);
    assert.equal((await api('GET', `/v1/subscriptions/${a.id}`, { key: 'admin' })).status, 404);
  });
});
