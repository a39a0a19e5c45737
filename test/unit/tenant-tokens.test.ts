// Tenant tokens without Temporal: what they are (a JWT bound to one tenant, signed with a key
// derived from the admin key), when they stop working (expiry, another admin key, tampering),
// and which routes refuse them before Temporal is ever asked. The 404s for another tenant's
// subscriptions need a real workflow: test/integration/tenants.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import { TenantTokens } from '../../src/api/tenant-tokens';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY, testConfig } from '../helpers/config';
import { buildOfflineApp } from '../helpers/offline-app';

const HOUR = 3_600_000;

void test('a token names its tenant, expires after its TTL and is bound to the admin key', async () => {
  const tokens = new TenantTokens(TEST_ADMIN_KEY);
  const issued = await tokens.issue('acme', 600);
  assert.deepEqual(await tokens.verify(issued.token), { tenant: 'acme' });
  const claims = decodeJwt(issued.token);
  assert.equal(claims.sub, 'acme');
  assert.equal(claims.exp! - claims.iat!, 600);
  assert.equal(issued.expiresAt, new Date(claims.exp! * 1000).toISOString());

  const old = await new TenantTokens(TEST_ADMIN_KEY, { now: () => Date.now() - 2 * HOUR }).issue(
    'acme',
    3600,
  );
  assert.deepEqual(await tokens.verify(old.token), { refused: 'tenant token expired' });

  const rotated = new TenantTokens('another-admin-key-0123456789');
  assert.deepEqual(await rotated.verify(issued.token), { refused: 'invalid tenant token' });
});

void test('a tampered or unsigned token is refused', async () => {
  const tokens = new TenantTokens(TEST_ADMIN_KEY);
  const [header, payload, signature] = (await tokens.issue('acme')).token.split('.');
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
  const otherTenant = b64({ ...claims, sub: 'globex' });
  assert.deepEqual(await tokens.verify(`${header}.${otherTenant}.${signature}`), {
    refused: 'invalid tenant token',
  });
  const none = `${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`;
  assert.deepEqual(await tokens.verify(none), { refused: 'invalid tenant token' });
  assert.deepEqual(await tokens.verify('a.b.c'), { refused: 'invalid tenant token' });
});

void describe('tenant tokens at the API (no Temporal behind it)', () => {
  let app: FastifyInstance;
  let token: string;
  const as = (bearer: string, extra: Record<string, string> = {}) => ({
    authorization: `Bearer ${bearer}`,
    ...extra,
  });
  const JSON_CT = { 'content-type': 'application/json' };

  before(async () => {
    app = await buildOfflineApp(testConfig());
    const res = await app.inject({
      method: 'POST',
      url: '/v1/tenants/acme/tokens',
      headers: as(TEST_ADMIN_KEY, JSON_CT),
      payload: { ttlSeconds: 120 },
    });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json<{ token: string; tenant: string; tokenType: string; expiresAt: string }>();
    assert.equal(body.tenant, 'acme');
    assert.equal(body.tokenType, 'Bearer');
    token = body.token;
  });
  after(() => app.close());

  void test('only the admin key issues tokens; the TTL and the tenant are checked', async () => {
    const issue = (bearer: string, url = '/v1/tenants/acme/tokens', payload?: object) =>
      app.inject({ method: 'POST', url, headers: as(bearer, payload ? JSON_CT : {}), payload });
    assert.equal((await issue(TEST_ADMIN_KEY)).statusCode, 201, 'no body: the default TTL');
    assert.equal((await issue(token)).statusCode, 401, 'a tenant token cannot issue tokens');
    assert.equal((await issue(TEST_PUBLISH_KEY)).statusCode, 401);
    for (const ttlSeconds of [59, 86_401, 1.5])
      assert.equal(
        (await issue(TEST_ADMIN_KEY, undefined, { ttlSeconds })).statusCode,
        400,
        String(ttlSeconds),
      );
    const bad = await issue(TEST_ADMIN_KEY, '/v1/tenants/a%2Fb/tokens');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json<{ message: string }>().message, /tenant/);
    assert.equal((await issue(TEST_ADMIN_KEY, '/v1/tenants/*/tokens')).statusCode, 400, '"*" is no tenant');
  });

  void test('a tenant token cannot publish or use the codec, and may read the catalogue', async () => {
    const catalogue = await app.inject({ method: 'GET', url: '/v1/event-types', headers: as(token, {}) });
    assert.equal(catalogue.statusCode, 200, 'its self-service form lists the events');
    const change = { changes: [{ action: 'update', object: 'training', id: 1, tenant: 'acme' }] };
    for (const [method, url, payload] of [
      ['POST', '/v1/changes', change],
      ['POST', '/v1/subscriptions/sub_abcdefghijABCDEFGHIJ/changes', change],
      ['POST', '/codec/decode', { payloads: [] }],
      ['POST', '/codec/encode', { payloads: [] }],
    ] as const) {
      const res = await app.inject({
        method,
        url,
        headers: as(token, payload ? JSON_CT : {}),
        payload: payload && JSON.stringify(payload),
      });
      assert.equal(res.statusCode, 401, `${method} ${url}: ${res.body}`);
      assert.equal(res.json<{ error: string }>().error, 'unauthorized');
    }
  });

  void test('an expired token, or one signed under a previous admin key, is a 401', async () => {
    const expired = await new TenantTokens(TEST_ADMIN_KEY, { now: () => Date.now() - 2 * HOUR }).issue(
      'acme',
    );
    const previousKey = await new TenantTokens('the-previous-admin-key-0123').issue('acme');
    for (const [bearer, message] of [
      [expired.token, /expired/],
      [previousKey.token, /invalid tenant token/],
    ] as const) {
      const res = await app.inject({ method: 'GET', url: '/v1/subscriptions', headers: as(bearer) });
      assert.equal(res.statusCode, 401);
      assert.match(res.json<{ message: string }>().message, message);
    }
    // The same route with a live token passes authentication and only then needs Temporal.
    const live = await app.inject({ method: 'GET', url: '/v1/subscriptions', headers: as(token) });
    assert.equal(live.statusCode, 503, live.body);
  });

  void test('tenant and channel fields are validated with clear 400s', async () => {
    const sub = { name: 'P', url: 'https://partner.example.com/hook', events: ['training.update'] };
    const post = (url: string, bearer: string, payload: object, method: 'POST' | 'PATCH' = 'POST') =>
      app.inject({ method, url, headers: as(bearer, JSON_CT), payload });
    const cases: [string, Promise<{ statusCode: number; body: string }>, RegExp][] = [
      ['tenant with a slash', post('/v1/subscriptions', TEST_ADMIN_KEY, { ...sub, tenant: 'a/b' }), /tenant/],
      ['empty channel', post('/v1/subscriptions', TEST_ADMIN_KEY, { ...sub, channels: [''] }), /channel/],
      [
        'another tenant with a tenant token',
        post('/v1/subscriptions', token, { ...sub, tenant: 'globex' }),
        /manages tenant "acme" only/,
      ],
      ['"*" with a tenant token', post('/v1/subscriptions', token, { ...sub, tenant: '*' }), /acme/],
      [
        'PATCH of the tenant',
        post('/v1/subscriptions/sub_abcdefghijABCDEFGHIJ', TEST_ADMIN_KEY, { tenant: 'acme' }, 'PATCH'),
        /cannot be changed/,
      ],
      [
        'a change for tenant "*"',
        post('/v1/changes', TEST_PUBLISH_KEY, {
          changes: [{ action: 'update', object: 'training', id: 1, tenant: '*' }],
        }),
        /tenant/,
      ],
      [
        'a change with 11 channels',
        post('/v1/changes', TEST_PUBLISH_KEY, {
          changes: [
            {
              action: 'update',
              object: 'training',
              id: 1,
              channels: Array.from({ length: 11 }, (_, i) => `c${i}`),
            },
          ],
        }),
        /channels/,
      ],
    ];
    for (const [name, pending, message] of cases) {
      const res = await pending;
      assert.equal(res.statusCode, 400, `${name}: ${res.body}`);
      assert.match((JSON.parse(res.body) as { message: string }).message, message, name);
    }
    const list = await app.inject({
      method: 'GET',
      url: '/v1/subscriptions?tenant=a%20b',
      headers: as(TEST_ADMIN_KEY),
    });
    assert.equal(list.statusCode, 400);
  });
});
