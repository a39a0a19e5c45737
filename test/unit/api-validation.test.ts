// Malformed requests against the real app, with a Temporal client that points nowhere: every
// one must be refused with a 4xx and the error body before Temporal is ever needed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY, testConfig } from '../helpers/config';
import { buildOfflineApp } from '../helpers/offline-app';

const ADMIN = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
const PUBLISH = { authorization: `Bearer ${TEST_PUBLISH_KEY}` };
const SUB = 'sub_abcdefghijABCDEFGHIJ';
const BODY_LIMIT = 256 * 1024;

const okSub = { name: 'Partner', url: 'https://partner.example.com/hook', events: ['training.update'] };
const okChange = { action: 'update', object: 'training', id: 1 };
const json = (payload: unknown) => ({ 'content-type': 'application/json', payload: JSON.stringify(payload) });

interface Case {
  name: string;
  req: InjectOptions;
  status: number;
  error: string;
  /** A zod issue path that must appear in details. */
  path?: (string | number)[];
}

const createWith = (patch: Record<string, unknown>, path?: (string | number)[]): Omit<Case, 'name'> => ({
  req: { method: 'POST', url: '/v1/subscriptions', headers: ADMIN, payload: { ...okSub, ...patch } },
  status: 400,
  error: 'validation_error',
  path,
});
const changesWith = (
  changes: unknown,
  path?: (string | number)[],
  url = '/v1/changes',
): Omit<Case, 'name'> => ({
  req: { method: 'POST', url, headers: PUBLISH, payload: { changes } },
  status: 400,
  error: 'validation_error',
  path,
});
const change = (patch: Record<string, unknown>, path?: (string | number)[]) =>
  changesWith([{ ...okChange, ...patch }], path);

const cases: Case[] = [
  // Authentication: missing, wrong, wrong scheme, and each key on the other's routes.
  {
    name: 'no key',
    req: { method: 'POST', url: '/v1/subscriptions', payload: okSub },
    status: 401,
    error: 'unauthorized',
  },
  {
    name: 'wrong key',
    req: { method: 'GET', url: '/v1/subscriptions', headers: { authorization: 'Bearer nope-nope-nope' } },
    status: 401,
    error: 'unauthorized',
  },
  {
    name: 'basic scheme',
    req: { method: 'GET', url: '/v1/subscriptions', headers: { authorization: `Basic ${TEST_ADMIN_KEY}` } },
    status: 401,
    error: 'unauthorized',
  },
  {
    name: 'empty bearer',
    req: { method: 'GET', url: '/v1/subscriptions', headers: { authorization: 'Bearer ' } },
    status: 401,
    error: 'unauthorized',
  },
  {
    name: 'admin key with a suffix',
    req: { method: 'GET', url: '/v1/subscriptions', headers: { authorization: `Bearer ${TEST_ADMIN_KEY}x` } },
    status: 401,
    error: 'unauthorized',
  },
  {
    name: 'publish key creates',
    req: { method: 'POST', url: '/v1/subscriptions', headers: PUBLISH, payload: okSub },
    status: 401,
    error: 'unauthorized',
  },
  {
    name: 'publish key lists',
    req: { method: 'GET', url: '/v1/subscriptions', headers: PUBLISH },
    status: 401,
    error: 'unauthorized',
  },
  {
    name: 'publish key deletes',
    req: { method: 'DELETE', url: `/v1/subscriptions/${SUB}`, headers: PUBLISH },
    status: 401,
    error: 'unauthorized',
  },
  {
    name: 'publish key rotates',
    req: { method: 'POST', url: `/v1/subscriptions/${SUB}/rotate-secret`, headers: PUBLISH },
    status: 401,
    error: 'unauthorized',
  },
  {
    name: 'publish key decodes',
    req: { method: 'POST', url: '/codec/decode', headers: PUBLISH, payload: { payloads: [] } },
    status: 401,
    error: 'unauthorized',
  },
  {
    name: 'admin key publishes',
    req: { method: 'POST', url: '/v1/changes', headers: ADMIN, payload: { changes: [okChange] } },
    status: 401,
    error: 'unauthorized',
  },
  {
    name: 'admin key publishes to one',
    req: {
      method: 'POST',
      url: `/v1/subscriptions/${SUB}/changes`,
      headers: ADMIN,
      payload: { changes: [okChange] },
    },
    status: 401,
    error: 'unauthorized',
  },
  {
    name: 'no key on event types',
    req: { method: 'GET', url: '/v1/event-types' },
    status: 401,
    error: 'unauthorized',
  },
  // Unknown routes and subscriptions that cannot exist.
  { name: 'unknown route', req: { method: 'GET', url: '/v1/nope' }, status: 404, error: 'not_found' },
  {
    name: 'unknown version',
    req: { method: 'POST', url: '/v2/changes', headers: PUBLISH, payload: { changes: [okChange] } },
    status: 404,
    error: 'not_found',
  },
  {
    name: 'wrong method',
    req: { method: 'PUT', url: '/v1/changes', headers: PUBLISH },
    status: 405,
    error: 'method_not_allowed',
  },
  {
    name: 'malformed subscription id',
    req: { method: 'GET', url: '/v1/subscriptions/abc', headers: ADMIN },
    status: 404,
    error: 'not_found',
  },
  {
    name: 'short subscription id',
    req: { method: 'DELETE', url: '/v1/subscriptions/sub_abc', headers: ADMIN },
    status: 404,
    error: 'not_found',
  },
  {
    name: 'publish to malformed id',
    req: {
      method: 'POST',
      url: '/v1/subscriptions/nope/changes',
      headers: PUBLISH,
      payload: { changes: [okChange] },
    },
    status: 404,
    error: 'not_found',
  },
  {
    name: 'malformed delivery id',
    req: { method: 'POST', url: `/v1/subscriptions/${SUB}/deliveries/xyz/redeliver`, headers: ADMIN },
    status: 404,
    error: 'not_found',
  },
  {
    name: "another subscription's delivery",
    req: {
      method: 'POST',
      url: `/v1/subscriptions/${SUB}/deliveries/dlv_zzzzzzzzzzzzzzzzzzzz_3/redeliver`,
      headers: ADMIN,
    },
    status: 404,
    error: 'not_found',
  },
  // Body format.
  {
    name: 'bad JSON (create)',
    req: {
      method: 'POST',
      url: '/v1/subscriptions',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      payload: '{"name": ',
    },
    status: 400,
    error: 'invalid_json',
  },
  {
    name: 'bad JSON (changes)',
    req: {
      method: 'POST',
      url: '/v1/changes',
      headers: { ...PUBLISH, 'content-type': 'application/json' },
      payload: "{changes: [{'a'}]}",
    },
    status: 400,
    error: 'invalid_json',
  },
  {
    name: 'text/plain body',
    req: {
      method: 'POST',
      url: '/v1/changes',
      headers: { ...PUBLISH, 'content-type': 'text/plain' },
      payload: 'hello',
    },
    status: 415,
    error: 'unsupported_media_type',
  },
  {
    name: 'form body',
    req: {
      method: 'POST',
      url: '/v1/subscriptions',
      headers: { ...ADMIN, 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'name=x',
    },
    status: 415,
    error: 'unsupported_media_type',
  },
  {
    name: 'JSON array body',
    req: { method: 'POST', url: '/v1/changes', headers: { ...PUBLISH, ...json([okChange]) } },
    status: 400,
    error: 'validation_error',
  },
  {
    name: 'JSON null body',
    req: {
      method: 'POST',
      url: '/v1/subscriptions',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      payload: 'null',
    },
    status: 400,
    error: 'validation_error',
  },
  {
    name: 'empty JSON body on create',
    req: {
      method: 'POST',
      url: '/v1/subscriptions',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      payload: '',
    },
    status: 400,
    error: 'validation_error',
  },
  {
    name: 'body over the limit',
    req: {
      method: 'POST',
      url: '/v1/changes',
      headers: { ...PUBLISH, 'content-type': 'application/json' },
      payload: JSON.stringify({ changes: [{ ...okChange, data: { x: 'y'.repeat(BODY_LIMIT) } }] }),
    },
    status: 413,
    error: 'payload_too_large',
  },
  // Subscription fields.
  { name: 'missing name', ...createWith({ name: undefined }, ['name']) },
  { name: 'empty name', ...createWith({ name: '' }, ['name']) },
  { name: 'blank name', ...createWith({ name: '   ' }, ['name']) },
  { name: 'name of 201 characters', ...createWith({ name: 'n'.repeat(201) }, ['name']) },
  { name: 'numeric name', ...createWith({ name: 42 }, ['name']) },
  { name: 'missing url', ...createWith({ url: undefined }, ['url']) },
  { name: 'relative url', ...createWith({ url: '/hook' }, ['url']) },
  { name: 'http url', ...createWith({ url: 'http://partner.example.com/hook' }, ['url']) },
  { name: 'url on port 8443', ...createWith({ url: 'https://partner.example.com:8443/hook' }, ['url']) },
  {
    name: 'url with credentials',
    ...createWith({ url: 'https://user:pw@partner.example.com/hook' }, ['url']),
  },
  { name: 'url to a private IP', ...createWith({ url: 'https://10.1.2.3/hook' }, ['url']) },
  { name: 'url to loopback', ...createWith({ url: 'https://127.0.0.1/hook' }, ['url']) },
  { name: 'url to IPv6 loopback', ...createWith({ url: 'https://[::1]/hook' }, ['url']) },
  {
    name: 'url to link-local metadata IP',
    ...createWith({ url: 'https://169.254.169.254/latest' }, ['url']),
  },
  { name: 'ftp url', ...createWith({ url: 'ftp://partner.example.com/hook' }, ['url']) },
  {
    name: 'url over 2048 characters',
    ...createWith({ url: `https://partner.example.com/${'a'.repeat(2100)}` }, ['url']),
  },
  { name: 'no events', ...createWith({ events: [] }, ['events']) },
  {
    name: 'unknown event',
    ...createWith({ events: ['training.update', 'training.exploded'] }, ['events', 1]),
  },
  { name: 'wildcard mixed with names', ...createWith({ events: ['*', 'training.update'] }, ['events']) },
  { name: 'events as a string', ...createWith({ events: 'training.update' }, ['events']) },
  { name: 'includePii as a string', ...createWith({ includePii: 'yes' }, ['includePii']) },
  { name: 'includeDetails as a number', ...createWith({ includeDetails: 1 }, ['includeDetails']) },
  {
    name: 'signingSecret without prefix',
    ...createWith({ signingSecret: 'my-secret-value-123456' }, ['signingSecret']),
  },
  {
    name: 'signingSecret of 16 bytes',
    ...createWith({ signingSecret: `whsec_${Buffer.alloc(16, 1).toString('base64')}` }, ['signingSecret']),
  },
  {
    name: 'signingSecret of 65 bytes',
    ...createWith({ signingSecret: `whsec_${Buffer.alloc(65, 1).toString('base64')}` }, ['signingSecret']),
  },
  {
    name: 'signingSecret not base64',
    ...createWith({ signingSecret: 'whsec_!!!!notbase64!!!!notbase64!!!!' }, ['signingSecret']),
  },
  { name: 'token too short', ...createWith({ token: 'abc' }, ['token']) },
  { name: 'token with a newline', ...createWith({ token: 'abcdefgh\r\nx-evil: 1' }, ['token']) },
  { name: 'description too long', ...createWith({ description: 'd'.repeat(2001) }, ['description']) },
  { name: 'negative debounce', ...createWith({ batching: { debounceMs: -1 } }, ['batching', 'debounceMs']) },
  { name: 'zero batch size', ...createWith({ batching: { maxBatchSize: 0 } }, ['batching', 'maxBatchSize']) },
  {
    name: 'fractional batch size',
    ...createWith({ batching: { maxBatchSize: 1.5 } }, ['batching', 'maxBatchSize']),
  },
  {
    name: 'batch size over 1000',
    ...createWith({ batching: { maxBatchSize: 1001 } }, ['batching', 'maxBatchSize']),
  },
  { name: 'unknown batching field', ...createWith({ batching: { debounce: 5 } }, ['batching']) },
  {
    name: 'negative maximumAttempts',
    ...createWith({ retry: { maximumAttempts: -1 } }, ['retry', 'maximumAttempts']),
  },
  {
    name: 'backoff below 1',
    ...createWith({ retry: { backoffCoefficient: 0.5 } }, ['retry', 'backoffCoefficient']),
  },
  { name: 'timeout as a string', ...createWith({ retry: { timeoutMs: '10s' } }, ['retry', 'timeoutMs']) },
  {
    name: 'initial interval of 1 ms',
    ...createWith({ retry: { initialIntervalMs: 1 } }, ['retry', 'initialIntervalMs']),
  },
  { name: 'unknown top-level field', ...createWith({ include_pii: true }) },
  {
    name: 'empty PATCH',
    req: { method: 'PATCH', url: `/v1/subscriptions/${SUB}`, headers: ADMIN, payload: {} },
    status: 400,
    error: 'validation_error',
  },
  {
    name: 'PATCH to an http url',
    req: {
      method: 'PATCH',
      url: `/v1/subscriptions/${SUB}`,
      headers: ADMIN,
      payload: { url: 'http://x.example.com/' },
    },
    status: 400,
    error: 'validation_error',
    path: ['url'],
  },
  {
    name: 'PATCH with no events',
    req: { method: 'PATCH', url: `/v1/subscriptions/${SUB}`, headers: ADMIN, payload: { events: [] } },
    status: 400,
    error: 'validation_error',
    path: ['events'],
  },
  {
    name: 'PATCH with a zero batch size',
    req: {
      method: 'PATCH',
      url: `/v1/subscriptions/${SUB}`,
      headers: ADMIN,
      payload: { batching: { maxBatchSize: 0 } },
    },
    status: 400,
    error: 'validation_error',
    path: ['batching', 'maxBatchSize'],
  },
  // Changes.
  {
    name: 'no changes field',
    req: { method: 'POST', url: '/v1/changes', headers: PUBLISH, payload: {} },
    status: 400,
    error: 'validation_error',
    path: ['changes'],
  },
  { name: 'changes not a list', ...changesWith({ 0: okChange }, ['changes']) },
  { name: 'empty changes', ...changesWith([], ['changes']) },
  {
    name: '1,001 changes',
    ...changesWith(
      Array.from({ length: 1001 }, (_, i) => ({ ...okChange, id: i + 1 })),
      ['changes'],
    ),
  },
  { name: 'unknown action', ...change({ action: 'create' }, ['changes', 0, 'action']) },
  { name: 'missing action', ...change({ action: undefined }, ['changes', 0, 'action']) },
  { name: 'capitalised object', ...change({ object: 'Training' }, ['changes', 0, 'object']) },
  { name: 'object with a dash', ...change({ object: 'training-x' }, ['changes', 0, 'object']) },
  { name: 'empty object', ...change({ object: '' }, ['changes', 0, 'object']) },
  { name: 'id 0', ...change({ id: 0 }, ['changes', 0, 'id']) },
  { name: 'negative id', ...change({ id: -3 }, ['changes', 0, 'id']) },
  { name: 'fractional id', ...change({ id: 1.5 }, ['changes', 0, 'id']) },
  { name: 'empty string id', ...change({ id: '' }, ['changes', 0, 'id']) },
  { name: 'id of 129 characters', ...change({ id: 'i'.repeat(129) }, ['changes', 0, 'id']) },
  { name: 'null id', ...change({ id: null }, ['changes', 0, 'id']) },
  { name: 'boolean id', ...change({ id: true }, ['changes', 0, 'id']) },
  { name: 'relative change url', ...change({ url: '/trainings/1' }, ['changes', 0, 'url']) },
  { name: 'ftp change url', ...change({ url: 'ftp://x.example.com/1' }, ['changes', 0, 'url']) },
  { name: 'event not in the catalogue', ...change({ event: 'training.exploded' }, ['changes', 0, 'event']) },
  { name: 'default event not in the catalogue', ...change({ object: 'widget' }, ['changes', 0, 'action']) },
  { name: 'data as a list', ...change({ data: [1, 2] }, ['changes', 0, 'data']) },
  { name: 'data as a string', ...change({ data: 'x' }, ['changes', 0, 'data']) },
  { name: 'unknown change field', ...change({ extra: 1 }, ['changes', 0]) },
  {
    name: 'one bad change among 999 good ones',
    ...changesWith(
      [
        ...Array.from({ length: 500 }, (_, i) => ({ ...okChange, id: i + 1 })),
        { ...okChange, id: -1 },
        ...Array.from({ length: 498 }, (_, i) => ({ ...okChange, id: i + 600 })),
      ],
      ['changes', 500, 'id'],
    ),
  },
  {
    name: 'bad change to one subscription',
    ...changesWith(
      [{ ...okChange, action: 'nuke' }],
      ['changes', 0, 'action'],
      `/v1/subscriptions/${SUB}/changes`,
    ),
  },
  // Query strings and the codec.
  {
    name: 'deliveries limit 0',
    req: { method: 'GET', url: `/v1/subscriptions/${SUB}/deliveries?limit=0`, headers: ADMIN },
    status: 400,
    error: 'validation_error',
    path: ['limit'],
  },
  {
    name: 'deliveries limit 101',
    req: { method: 'GET', url: `/v1/subscriptions/${SUB}/deliveries?limit=101`, headers: ADMIN },
    status: 400,
    error: 'validation_error',
    path: ['limit'],
  },
  {
    name: 'deliveries limit abc',
    req: { method: 'GET', url: `/v1/subscriptions/${SUB}/deliveries?limit=abc`, headers: ADMIN },
    status: 400,
    error: 'validation_error',
    path: ['limit'],
  },
  {
    name: 'codec payloads not a list',
    req: { method: 'POST', url: '/codec/decode', headers: ADMIN, payload: { payloads: {} } },
    status: 400,
    error: 'validation_error',
    path: ['payloads'],
  },
  {
    name: 'codec data not base64',
    req: { method: 'POST', url: '/codec/decode', headers: ADMIN, payload: { payloads: [{ data: '%%%' }] } },
    status: 400,
    error: 'validation_error',
    path: ['payloads', 0, 'data'],
  },
  {
    name: 'codec payload that does not decrypt',
    req: {
      method: 'POST',
      url: '/codec/decode',
      headers: ADMIN,
      payload: {
        payloads: [
          {
            metadata: {
              encoding: Buffer.from('binary/encrypted').toString('base64'),
              'encryption-key-id': Buffer.from('t1').toString('base64'),
            },
            data: Buffer.alloc(40, 1).toString('base64'),
          },
        ],
      },
    },
    status: 400,
    error: 'invalid_payload',
  },
];

void describe('malformed requests are refused with 4xx and the error body', () => {
  let app: FastifyInstance;
  before(async () => {
    const config = testConfig({
      allowInsecureUrls: false,
      http: { host: '127.0.0.1', port: 0, bodyLimit: BODY_LIMIT },
    });
    app = await buildOfflineApp(config);
  });
  after(async () => app.close());

  void test(`there are at least 40 cases (${cases.length})`, () => assert.ok(cases.length >= 40));

  for (const c of cases) {
    void test(c.name, async () => {
      const res = await app.inject(c.req);
      assert.ok(
        res.statusCode >= 400 && res.statusCode < 500,
        `status ${res.statusCode}: ${res.body.slice(0, 300)}`,
      );
      assert.equal(res.statusCode, c.status, res.body.slice(0, 300));
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const body = res.json() as { error: unknown; message: unknown; details?: { path: unknown[] }[] };
      assert.equal(body.error, c.error, res.body.slice(0, 300));
      assert.equal(typeof body.message, 'string');
      assert.ok((body.message as string).length > 0);
      if (c.status === 401) assert.equal(res.headers['www-authenticate'], 'Bearer');
      if (c.error === 'validation_error') {
        assert.ok(Array.isArray(body.details) && body.details.length > 0, 'validation errors carry details');
      }
      if (c.path) {
        const paths = body.details!.map((d) => JSON.stringify(d.path));
        assert.ok(
          paths.includes(JSON.stringify(c.path)),
          `expected path ${JSON.stringify(c.path)} in ${paths.join(' ')}`,
        );
      }
    });
  }
});
