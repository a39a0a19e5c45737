// The erasure routes (issue 29) before Temporal is needed: admin key only, one key or a list,
// strict bodies, ids of one shape, the same keys the same id; an answer needs Temporal (503 here).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ErasureService } from '../../src/service/erasures';
import type { ErasureGateway } from '../../src/temporal/erasure-gateway';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY, testConfig } from '../helpers/config';
import { buildOfflineApp } from '../helpers/offline-app';

const ADMIN = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
const PUBLISH = { authorization: `Bearer ${TEST_PUBLISH_KEY}` };

void describe('POST /v1/erasures and GET /v1/erasures/:id', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await buildOfflineApp(testConfig());
  });
  after(() => app.close());
  const post = (payload: unknown, headers = ADMIN) =>
    app.inject({ method: 'POST', url: '/v1/erasures', headers, payload: payload as object });

  test('refuses a bad body with 400 validation_error, before Temporal', async () => {
    for (const body of [
      {},
      { object: 'person' },
      { object: 'Person', id: 1 },
      { object: 'person', id: 0 },
      { object: 'person', id: '..' },
      { object: 'person', id: 'x'.repeat(129) },
      { object: 'person', id: 1, tenant: '*' },
      { object: 'person', id: 1, email: 'a@b.c' },
      { keys: [] },
      { keys: Array.from({ length: 101 }, (_, i) => ({ object: 'person', id: i + 1 })) },
      { keys: [{ object: 'person', id: 1 }], object: 'person' },
    ]) {
      const res = await post(body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().error, 'validation_error');
    }
  });

  test('admin key only', async () => {
    assert.equal((await post({ object: 'person', id: 1 }, PUBLISH)).statusCode, 401);
    assert.equal((await post({ object: 'person', id: 1 }, {} as typeof ADMIN)).statusCode, 401);
    const get = await app.inject({
      method: 'GET',
      url: '/v1/erasures/era_000000000000000000000000',
      headers: PUBLISH,
    });
    assert.equal(get.statusCode, 401);
  });

  test('a malformed id is the same 404 as an unknown one; a valid request needs Temporal', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/erasures/era_nope', headers: ADMIN });
    assert.equal(res.statusCode, 404);
    assert.equal(res.json().error, 'not_found');
    const started = await post({ object: 'person', id: 1 });
    assert.equal(started.statusCode, 503);
    assert.equal(started.json().error, 'temporal_unavailable');
  });
});

void test('the same keys, in any order or spelling, name the same erasure; the id tells nothing', () => {
  const service = new ErasureService({} as ErasureGateway, TEST_ADMIN_KEY);
  const a = service.idOf([
    { object: 'person', id: 42 },
    { object: 'training', id: '7' },
  ]);
  const b = service.idOf([
    { object: 'training', id: 7 },
    { object: 'person', id: '42' },
    { object: 'person', id: 42 },
  ]);
  assert.equal(a, b);
  assert.match(a, /^era_[0-9a-f]{24}$/);
  assert.notEqual(
    service.idOf([{ object: 'person', id: 42, tenant: 'acme' }]),
    service.idOf([{ object: 'person', id: 42 }]),
  );
  assert.notEqual(
    new ErasureService({} as ErasureGateway, 'another-admin-key-0123').idOf([{ object: 'person', id: 42 }]),
    service.idOf([{ object: 'person', id: 42 }]),
  );
});
