// The OpenAPI document says what validation does (issue 16); scripts/schemathesis.sh checks the
// same from outside against a running Herald. These pin the parts a client relies on most.
import assert from 'node:assert/strict';
import { isOperationalEvent } from '../../core/operational-events';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadCatalog } from '../../src/catalog/catalog';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY, testConfig } from '../helpers/config';
import { buildOfflineApp } from '../helpers/offline-app';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

void describe('the OpenAPI document', () => {
  const config = testConfig();
  const names = loadCatalog(config.eventCatalogPath)
    .list()
    .map((e) => e.name);
  let app: FastifyInstance;
  let doc: Json;
  const body = (path: string, method: string): Json =>
    doc.paths[path][method].requestBody.content['application/json'].schema;

  before(async () => {
    app = await buildOfflineApp(config);
    doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  });
  after(() => app.close());

  test('PATCH needs at least one field, as validation does', () => {
    assert.equal(body('/v1/subscriptions/{id}', 'patch').minProperties, 1);
  });

  test('events are catalogue names or "*" alone', () => {
    const events = body('/v1/subscriptions', 'post').properties.events;
    assert.deepEqual(events.items.enum, [...names, '*']);
    assert.deepEqual(events.anyOf, [{ maxItems: 1 }, { items: { not: { enum: ['*'] } } }]);
  });

  test("a change's event is a catalogue name; without one, object and action must name one", () => {
    const change = body('/v1/changes', 'post').properties.changes.items;
    // Herald's operational events are in the catalogue, but only Herald sends them.
    assert.deepEqual(
      change.properties.event.enum,
      names.filter((n) => !isOperationalEvent(n)),
    );
    assert.deepEqual(change.anyOf[0], { required: ['event'] });
    assert.deepEqual(change.anyOf[1], {
      properties: { object: { enum: ['training'] }, action: { enum: ['import', 'update', 'destroy'] } },
    });
  });

  test('the change url pattern refuses what reject mode refuses and accepts a clean url', () => {
    const change = body('/v1/changes', 'post').properties.changes.items;
    const pattern = new RegExp(change.properties.url.pattern);
    assert.ok(pattern.test('https://api.example.org/trainings/1001?page=2'));
    for (const bad of [
      'https://api.example.org/trainings/1001.json',
      'https://api.example.org/trainings/1001?a=1&API_KEY=x',
      'https://u:p@api.example.org/trainings/1001',
      'ftp://api.example.org/1',
    ]) {
      assert.ok(!pattern.test(bad), bad);
    }
  });

  test('every operation declares its bearer scheme and documents 500 and 503', () => {
    assert.deepEqual(doc.components.securitySchemes.adminKey, {
      type: 'http',
      scheme: 'bearer',
      description: 'HERALD_ADMIN_KEY',
    });
    for (const [path, methods] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(methods as Json)) {
        const where = `${method.toUpperCase()} ${path}`;
        if (path.startsWith('/v1/') || path.startsWith('/codec/')) {
          assert.ok(op.security?.length, `${where} declares security`);
          assert.ok(op.responses['401'], `${where} documents 401`);
        }
        for (const status of ['500', '503']) assert.ok(op.responses[status], `${where} documents ${status}`);
        if (method === 'post' || method === 'patch') {
          for (const status of ['400', '413', '415']) {
            assert.ok(op.responses[status], `${where} documents ${status}`);
          }
        }
      }
    }
  });

  test('error bodies name their codes per status', () => {
    const responses = doc.paths['/v1/subscriptions/{id}'].get.responses;
    const code = (status: string) =>
      responses[status].content['application/json'].schema.properties.error.enum as string[];
    assert.deepEqual(code('404'), ['not_found']);
    assert.deepEqual(code('503'), [
      'temporal_unavailable',
      'shutting_down',
      'subscription_broken',
      'subscription_busy',
      'inbox_unavailable',
      'temporal_not_set_up',
    ]);
    // An id has no length limit in the document: an over-long one is a 404, not a 400.
    const id = doc.paths['/v1/subscriptions/{id}'].get.parameters.find((p: Json) => p.name === 'id');
    assert.equal(id.schema.maxLength, undefined);
  });

  test('lengths count code points, names must not be blank, and the secret pattern is exact', async () => {
    // Valid input passes validation and then needs Temporal, which the offline app lacks: 503.
    const create = async (patch: Json) =>
      (
        await app.inject({
          method: 'POST',
          url: '/v1/subscriptions',
          headers: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
          payload: { name: 'P', url: 'https://p.example/hook', events: ['*'], ...patch },
        })
      ).statusCode;
    assert.equal(await create({ name: '😀'.repeat(200) }), 503, '200 emoji are 200 characters');
    assert.equal(await create({ name: '😀'.repeat(201) }), 400);
    assert.equal(await create({ name: ' \u3000\ufeff' }), 400, 'blank');
    const secret = (bytes: number) => `whsec_${Buffer.alloc(bytes, 1).toString('base64')}`;
    const pattern = new RegExp(body('/v1/subscriptions', 'post').properties.signingSecret.pattern);
    for (let bytes = 20; bytes <= 68; bytes++) {
      assert.equal(pattern.test(secret(bytes)), bytes >= 24 && bytes <= 64, `${bytes} bytes`);
    }
    // The server holds the same line (each accepted one waits for the absent Temporal: few).
    for (const [bytes, status] of [
      [23, 400],
      [24, 503],
      [64, 503],
      [65, 400],
    ] as const) {
      assert.equal(await create({ signingSecret: secret(bytes) }), status, `${bytes} bytes`);
    }
  });

  test('GET /v1/event-types shows each object template', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/v1/event-types',
      headers: { authorization: `Bearer ${TEST_PUBLISH_KEY}` },
    });
    const { items, objects } = res.json();
    assert.equal(items.find((e: Json) => e.name === 'training.update').urlTemplate, '/trainings/{id}');
    assert.equal(items.find((e: Json) => e.name === 'person.category_added').urlTemplate, '/people/{id}');
    assert.deepEqual(
      objects.find((o: Json) => o.name === 'category'),
      { name: 'category', urlTemplate: '/categories/{id}' },
    );
  });
});
