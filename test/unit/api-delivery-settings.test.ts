// The delivery settings and the operational events at the API's edge, without Temporal: bad
// `delivery` values are 400 with their path, a publisher cannot send an operational event, and
// the catalogue lists the operational events whatever its file says.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { OPERATIONAL_EVENTS } from '../../core/operational-events';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY, testConfig } from '../helpers/config';
import { buildOfflineApp } from '../helpers/offline-app';

void describe('delivery settings and operational events at the API', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await buildOfflineApp(testConfig());
  });
  after(async () => app.close());

  const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
  const create = (delivery: unknown) =>
    app.inject({
      method: 'POST',
      url: '/v1/subscriptions',
      headers: admin,
      payload: { name: 'p', url: 'https://partner.example/hook', events: ['*'], delivery },
    });

  for (const [what, delivery, path] of [
    ['maxPerMinute 0', { maxPerMinute: 0 }, ['delivery', 'maxPerMinute']],
    ['a fractional maxPerMinute', { maxPerMinute: 1.5 }, ['delivery', 'maxPerMinute']],
    ['a negative disableAfterMs', { disableAfterMs: -1 }, ['delivery', 'disableAfterMs']],
    ['an unknown key', { disableAfter: 5 }, ['delivery']],
  ] as const) {
    void test(`refuses ${what} with 400 and its path`, async () => {
      const res = await create(delivery);
      assert.equal(res.statusCode, 400, res.body);
      const body = res.json() as { error: string; details: { path: unknown[] }[] };
      assert.equal(body.error, 'validation_error');
      assert.ok(
        body.details.some((d) => JSON.stringify(d.path) === JSON.stringify(path)),
        JSON.stringify(body.details),
      );
    });
  }

  void test('a publisher cannot send an operational event', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/changes',
      headers: { authorization: `Bearer ${TEST_PUBLISH_KEY}` },
      payload: {
        changes: [{ action: 'update', object: 'subscription', id: 's', event: 'subscription.disabled' }],
      },
    });
    assert.equal(res.statusCode, 400, res.body);
    assert.match(res.body, /operational event: only Herald sends it/);
  });

  void test('the catalogue lists the operational events', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/event-types', headers: admin });
    assert.equal(res.statusCode, 200, res.body);
    const names = (res.json() as { items: { name: string }[] }).items.map((e) => e.name);
    for (const name of OPERATIONAL_EVENTS) assert.ok(names.includes(name), name);
  });
});
