// Issue 9 §6: fast-check throws random JSON, random mutations of valid bodies and random
// headers at POST /v1/changes and POST /v1/subscriptions (app.inject, real Temporal). Every
// answer is 201/202 or a 4xx with {error, message}, never a 5xx, and a rejected request
// changes nothing: the subscription list and each subscription's status stay as they were.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app';
import { loadCatalog } from '../../src/catalog/catalog';
import { createEncryptionCodec } from '../../src/temporal/codec';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY } from '../helpers/config';
import { startTemporal, type TemporalHarness } from '../helpers/temporal';
import { changesBody, request, subscriptionBody } from './helpers/arbitraries';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
// Bounded so that both properties finish in well under a minute on a loaded 2-core machine.
const CHANGE_RUNS = 500;
const SUBSCRIPTION_RUNS = 300;
const SEED = Number(process.env.HERALD_FUZZ_SEED ?? Date.now() % 2 ** 31);

void describe('reliability: bad input at scale (fast-check, real Temporal)', { timeout: 180_000 }, () => {
  let t: TemporalHarness;
  let app: FastifyInstance;
  const keep: string[] = [];

  const inject = (method: 'GET' | 'POST', url: string, key: string, payload?: string, type?: string) =>
    app.inject({
      method,
      url,
      payload,
      headers: { ...(key ? { authorization: key } : {}), ...(type ? { 'content-type': type } : {}) },
    });

  /** The list and each kept subscription's live status, as one comparable string. */
  const snapshot = async () => {
    const list = await inject('GET', '/v1/subscriptions', `Bearer ${TEST_ADMIN_KEY}`);
    assert.equal(list.statusCode, 200);
    const items = (list.json().items as Json[]).map((s) => JSON.stringify(s)).sort();
    const statuses = [];
    for (const id of keep) {
      const s = await inject('GET', `/v1/subscriptions/${id}`, `Bearer ${TEST_ADMIN_KEY}`);
      const { state, pendingChanges, counters } = s.json();
      statuses.push({ id, state, pendingChanges, counters });
    }
    return JSON.stringify({ items, statuses });
  };

  const fuzz = async (
    path: string,
    rightKey: string,
    valid: fc.Arbitrary<Json>,
    ok: number,
    numRuns: number,
  ) => {
    let state = await snapshot();
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request(valid), async ({ payload, contentType, auth }) => {
        const key = {
          right: `Bearer ${rightKey}`,
          other: `Bearer ${rightKey === TEST_ADMIN_KEY ? TEST_PUBLISH_KEY : TEST_ADMIN_KEY}`,
          none: '',
          garbage: 'Bearer \u00ff',
        }[auth];
        const res = await inject('POST', path, key, payload, contentType);
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        if (res.statusCode === ok) {
          state = await snapshot();
          return;
        }
        assert.ok(
          res.statusCode >= 400 && res.statusCode < 500,
          `${res.statusCode} ${res.body} for ${payload}`,
        );
        const body = res.json();
        assert.equal(typeof body.error, 'string', res.body);
        assert.equal(typeof body.message, 'string', res.body);
        assert.equal(
          await snapshot(),
          state,
          `a rejected request (${res.statusCode}) changed state: ${payload}`,
        );
      }),
      { numRuns, seed: SEED, endOnFailure: true },
    );
    return Object.fromEntries([...seen].sort());
  };

  before(async () => {
    t = await startTemporal();
    await t.startWorker();
    app = await buildApp({
      config: t.config,
      client: t.client,
      catalog: loadCatalog(t.config.eventCatalogPath),
      codec: createEncryptionCodec(t.config.encryptionKeys),
    });
    await app.ready();
    // Two paused subscriptions: accepted changes pile up in pendingChanges, nothing is sent.
    for (const events of [['*'], ['training.update', 'training.destroy']]) {
      const body = JSON.stringify({ name: 'fuzz target', url: 'http://127.0.0.1:9/hook', events });
      const res = await inject(
        'POST',
        '/v1/subscriptions',
        `Bearer ${TEST_ADMIN_KEY}`,
        body,
        'application/json',
      );
      assert.equal(res.statusCode, 201, res.body);
      const id = res.json().id as string;
      assert.equal(
        (await inject('POST', `/v1/subscriptions/${id}/pause`, `Bearer ${TEST_ADMIN_KEY}`)).statusCode,
        200,
      );
      keep.push(id);
    }
  });
  after(async () => {
    await app?.close();
    await t?.teardown();
  });

  void it('POST /v1/changes: 202 or a 4xx error body, and a rejection changes nothing', async () => {
    const t0 = Date.now();
    const seen = await fuzz('/v1/changes', TEST_PUBLISH_KEY, changesBody, 202, CHANGE_RUNS);
    console.log(
      `fuzz /v1/changes (seed ${SEED}): ${CHANGE_RUNS} runs in ${Date.now() - t0} ms, statuses ${JSON.stringify(seen)}`,
    );
    assert.ok((seen[202] ?? 0) > 0 && (seen[400] ?? 0) > 0, 'both accepted and rejected requests were tried');
  });

  void it('POST /v1/subscriptions: 201 or a 4xx error body, and a rejection changes nothing', async () => {
    const t0 = Date.now();
    const seen = await fuzz('/v1/subscriptions', TEST_ADMIN_KEY, subscriptionBody, 201, SUBSCRIPTION_RUNS);
    console.log(
      `fuzz /v1/subscriptions (seed ${SEED}): ${SUBSCRIPTION_RUNS} runs in ${Date.now() - t0} ms, statuses ${JSON.stringify(seen)}`,
    );
    assert.ok((seen[201] ?? 0) > 0 && (seen[400] ?? 0) > 0, 'both accepted and rejected requests were tried');
  });
});
