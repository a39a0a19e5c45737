// Issue 16: every answer Fastify or Node would give on their own comes out in the contract's
// {error, message} shape with a stable code, and change urls that would leak a key are refused.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY, testConfig } from '../helpers/config';
import { buildOfflineApp } from '../helpers/offline-app';

const ADMIN = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
const PUBLISH = { authorization: `Bearer ${TEST_PUBLISH_KEY}` };

/** One raw HTTP exchange, for what Node's parser refuses before Fastify sees it. */
function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.on('data', (b) => (text += b.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

void describe('errors in the contract shape', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await buildOfflineApp(testConfig());
    await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(() => app.close());

  test('an over-long id is a 401 without a key and the same 404 as any unknown id with one', async () => {
    const url = `/v1/subscriptions/${'x'.repeat(5000)}`;
    const anonymous = await app.inject({ method: 'GET', url });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().error, 'unauthorized');
    for (const method of ['GET', 'DELETE'] as const) {
      const res = await app.inject({ method, url, headers: ADMIN });
      assert.equal(res.statusCode, 404, res.body);
      assert.deepEqual(res.json(), { error: 'not_found', message: 'subscription not found' });
    }
    const changes = await app.inject({
      method: 'POST',
      url: `${url}/changes`,
      headers: PUBLISH,
      payload: { changes: [{ action: 'update', object: 'training', id: 1 }] },
    });
    assert.equal(changes.statusCode, 404);
  });

  test('an undeclared method on a known path is 405 with Allow; an unknown path stays 404', async () => {
    for (const [method, url, allow] of [
      ['TRACE', '/v1/subscriptions', 'GET, HEAD, POST'],
      ['PUT', '/v1/subscriptions/sub_abcdefghijABCDEFGHIJ', 'DELETE, GET, HEAD, PATCH'],
      ['OPTIONS', '/v1/changes', 'POST'],
      ['QUERY', '/healthz', 'GET, HEAD'],
    ] as const) {
      const res = await app.inject({ method, url });
      assert.equal(res.statusCode, 405, `${method} ${url}`);
      assert.equal(res.headers.allow, allow);
      const body = res.json<{ error: string; message: string }>();
      assert.equal(body.error, 'method_not_allowed');
      assert.match(body.message, new RegExp(`${method} is not allowed`));
    }
    const unknown = await app.inject({ method: 'TRACE', url: '/v1/nothing' });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error, 'not_found');
  });

  test('a malformed percent-encoding is 400 bad_request', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/subscriptions/%E0%A4%A', headers: ADMIN });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error, 'bad_request');
  });

  test("requests Node's parser refuses are answered as JSON errors too", async () => {
    const garbage = await raw(port(app), 'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.1 400 /);
    assert.deepEqual(JSON.parse(garbage.slice(garbage.indexOf('\r\n\r\n') + 4)), {
      error: 'bad_request',
      message: 'the request is not valid HTTP',
    });
    const huge = await raw(
      port(app),
      `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    assert.match(huge, /^HTTP\/1\.1 431 /);
    assert.equal(JSON.parse(huge.slice(huge.indexOf('\r\n\r\n') + 4)).error, 'headers_too_large');
  });

  test('a change url with an API key, user info or a format extension is refused, saying why', async () => {
    const cases: [string, RegExp][] = [
      [
        'https://api.example.org/trainings/1001.json?api_key=SECRETKEY123',
        /"api_key".*\.json|\.json.*"api_key"/,
      ],
      ['https://api.example.org/trainings/1001?Access-Token=abc', /"Access-Token" looks like an API key/],
      ['https://me:secret@api.example.org/trainings/1001', /credentials \(user info/],
      ['https://api.example.org/trainings/1001.XML', /format extension "\.xml"/],
    ];
    for (const [url, why] of cases) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/changes',
        headers: PUBLISH,
        payload: { changes: [{ action: 'update', object: 'training', id: 1001, url }] },
      });
      assert.equal(res.statusCode, 400, url);
      const body = res.json();
      assert.equal(body.error, 'validation_error');
      assert.match(body.message, /^body\.changes\.0\.url: must not carry credentials/);
      assert.match(body.message, why);
      assert.doesNotMatch(res.body, /SECRETKEY123|me:secret/, 'the answer does not echo the secret');
    }
  });

  test('ids "." and ".." are refused: no url can carry them as a path segment', async () => {
    for (const id of ['.', '..']) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/changes',
        headers: PUBLISH,
        payload: { changes: [{ action: 'update', object: 'training', id }] },
      });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json().details[0].path, ['changes', 0, 'id']);
    }
  });
});

function port(app: FastifyInstance): number {
  const address = app.server.address();
  if (typeof address !== 'object' || !address) throw new Error('not listening');
  return address.port;
}
