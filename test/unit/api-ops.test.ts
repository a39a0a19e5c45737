// Routes that need no Temporal answer (health, docs, metrics, catalogue, codec), and the 503
// answers when Temporal cannot be reached: they must say so and reveal nothing else.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createMetrics } from '../../src/metrics';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY, testConfig } from '../helpers/config';
import { buildOfflineApp } from '../helpers/offline-app';

const ADMIN = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
const PUBLISH = { authorization: `Bearer ${TEST_PUBLISH_KEY}` };
const SUB = 'sub_abcdefghijABCDEFGHIJ';
const b64 = (s: string) => Buffer.from(s).toString('base64');

void describe('operations routes', () => {
  let app: FastifyInstance;
  const config = testConfig({ uiPort: 18233 });
  before(async () => {
    app = await buildOfflineApp(config, { metrics: createMetrics() });
  });
  after(async () => app.close());

  void test('GET /healthz answers without a key', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { status: 'ok' });
  });

  void test('GET /readyz is 503 temporal_unavailable within a few seconds when Temporal is down', async () => {
    const t0 = Date.now();
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().error, 'temporal_unavailable');
    assert.ok(Date.now() - t0 < 5000);
  });

  void test('5xx answers reveal nothing: publishing and reading while Temporal is down', async () => {
    const publish = await app.inject({
      method: 'POST',
      url: '/v1/changes',
      headers: PUBLISH,
      payload: { changes: [{ action: 'update', object: 'training', id: 1 }] },
    });
    const read = await app.inject({ method: 'GET', url: `/v1/subscriptions/${SUB}`, headers: ADMIN });
    for (const res of [publish, read]) {
      assert.equal(res.statusCode, 503, res.body);
      const body = res.json();
      assert.deepEqual(Object.keys(body).sort(), ['error', 'message']);
      assert.equal(body.error, 'temporal_unavailable');
      assert.doesNotMatch(body.message, /127\.0\.0\.1|ECONN|grpc|UNAVAILABLE|\n\s+at /i);
    }
  });

  void test('GET /v1/event-types lists the catalogue to either key', async () => {
    for (const headers of [ADMIN, PUBLISH]) {
      const res = await app.inject({ method: 'GET', url: '/v1/event-types', headers });
      assert.equal(res.statusCode, 200);
      const items = res.json().items as { name: string; pii: string[]; details: string[] }[];
      assert.ok(items.some((e) => e.name === 'training.update' && e.pii.length > 0));
    }
  });

  void test('GET /openapi.json documents every contract route, both keys and the body limit', async () => {
    const res = await app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json();
    assert.match(doc.openapi, /^3\./);
    const paths = doc.paths as Record<
      string,
      Record<string, { security?: unknown[]; responses: Record<string, unknown> }>
    >;
    const expected: [string, string][] = [
      ['/v1/subscriptions', 'post'],
      ['/v1/subscriptions', 'get'],
      ['/v1/subscriptions/{id}', 'get'],
      ['/v1/subscriptions/{id}', 'patch'],
      ['/v1/subscriptions/{id}', 'delete'],
      ['/v1/subscriptions/{id}/pause', 'post'],
      ['/v1/subscriptions/{id}/resume', 'post'],
      ['/v1/subscriptions/{id}/rotate-secret', 'post'],
      ['/v1/subscriptions/{id}/deliveries', 'get'],
      ['/v1/subscriptions/{id}/deliveries/{deliveryId}/redeliver', 'post'],
      ['/v1/changes', 'post'],
      ['/v1/subscriptions/{id}/changes', 'post'],
      ['/v1/event-types', 'get'],
      ['/healthz', 'get'],
      ['/readyz', 'get'],
      ['/metrics', 'get'],
      ['/codec/decode', 'post'],
      ['/codec/encode', 'post'],
    ];
    for (const [path, method] of expected)
      assert.ok(paths[path]?.[method], `${method.toUpperCase()} ${path} documented`);
    assert.deepEqual(paths['/v1/changes']!.post!.security, [{ publishKey: [] }]);
    // The admin key, or a tenant token (issue 17).
    assert.deepEqual(paths['/v1/subscriptions']!.post!.security, [{ adminKey: [] }, { tenantToken: [] }]);
    assert.ok(paths['/v1/changes']!.post!.responses['413'], '413 documented');
    assert.ok(doc.components.securitySchemes.adminKey && doc.components.securitySchemes.publishKey);
    assert.match(doc.info.description, new RegExp(String(config.http.bodyLimit)));
    const create = JSON.stringify(paths['/v1/subscriptions']!.post);
    assert.match(create, /signingSecret/);
    assert.match(create, /"default":2000/, 'defaults of batching are documented');
  });

  void test('GET /docs serves the Swagger UI', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs' });
    assert.ok(res.statusCode === 200 || res.statusCode === 302, String(res.statusCode));
    const page = await app.inject({ method: 'GET', url: '/docs/' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /swagger/i);
  });

  void test('GET /metrics is Prometheus text with the Herald metrics and process metrics', async () => {
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/plain/);
    for (const name of [
      'herald_changes_received_total',
      'herald_changes_routed_total',
      'herald_signals_sent_total',
      'herald_group_commit_batch_size_bucket',
      'herald_deliveries_total',
      'herald_delivery_attempts_total',
      'herald_delivery_duration_seconds',
      'process_cpu_user_seconds_total',
    ]) {
      assert.ok(res.body.includes(name), `${name} exposed`);
    }
    assert.match(res.body, /# HELP herald_delivery_duration_seconds/);
  });

  void test('codec: encode then decode round-trips, in Temporal codec-server JSON', async () => {
    const plain = {
      payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64('{"secret":"s3cr3t"}') }],
    };
    const enc = await app.inject({ method: 'POST', url: '/codec/encode', headers: ADMIN, payload: plain });
    assert.equal(enc.statusCode, 200);
    const encrypted = enc.json();
    assert.equal(
      Buffer.from(encrypted.payloads[0].metadata.encoding, 'base64').toString(),
      'binary/encrypted',
    );
    assert.ok(!Buffer.from(encrypted.payloads[0].data, 'base64').toString().includes('s3cr3t'));
    const dec = await app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: { ...ADMIN, 'x-namespace': 'default' },
      payload: encrypted,
    });
    assert.equal(dec.statusCode, 200);
    assert.deepEqual(dec.json(), plain);
  });

  void test('codec: CORS for the Temporal UI origins only', async () => {
    for (const origin of ['http://localhost:8233', 'http://127.0.0.1:8233', 'http://localhost:18233']) {
      const pre = await app.inject({
        method: 'OPTIONS',
        url: '/codec/decode',
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
      assert.equal(pre.statusCode, 204, origin);
      assert.equal(pre.headers['access-control-allow-origin'], origin);
      assert.equal(pre.headers['access-control-allow-credentials'], 'true');
      assert.match(String(pre.headers['access-control-allow-headers']), /authorization/i);
    }
    const evil = await app.inject({
      method: 'OPTIONS',
      url: '/codec/decode',
      headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' },
    });
    assert.equal(evil.headers['access-control-allow-origin'], undefined);
    // A refused request still carries CORS headers, so the UI can show the 401 rather than a CORS error.
    const denied = await app.inject({
      method: 'POST',
      url: '/codec/decode',
      headers: { origin: 'http://localhost:8233' },
      payload: { payloads: [] },
    });
    assert.equal(denied.statusCode, 401);
    assert.equal(denied.headers['access-control-allow-origin'], 'http://localhost:8233');
    // CORS is for the codec only.
    const api = await app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { origin: 'http://localhost:8233' },
    });
    assert.equal(api.headers['access-control-allow-origin'], undefined);
  });
});
