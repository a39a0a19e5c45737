// The receiver kit against a running Herald: a real delivery (real Temporal, worker, API and
// HTTP on 127.0.0.1) is accepted by herald/receiver and by the standardwebhooks library, each
// kind of forgery is refused with its own code, and the example partner (examples/partner/)
// keeps its store equal to the publisher's API through an import, an update and a destroy.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Webhook } from 'standardwebhooks';
import {
  verifyDelivery,
  WebhookVerificationError,
  type VerificationErrorCode,
} from '../../src/receiver/index';
import { startFakePublisher, type FakePublisher } from '../../examples/partner/fake-publisher';
import { INSTITUTE, runScenario, startDemo, TRAININGS } from '../../examples/partner/run';
import { startPartner } from '../../examples/partner/server';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY } from '../helpers/config';
import type { ApiServer } from '../../src/api/server';
import type { Receiver } from '../helpers/receiver';
import { startStack, type Stack } from '../helpers/stack';

type Headers = Record<string, string>;
const SECRET = `whsec_${Buffer.alloc(32, 5).toString('base64')}`;
const TOKEN = 'tok_receiver_e2e';

function refusedWith(code: VerificationErrorCode) {
  return (err: unknown) => err instanceof WebhookVerificationError && err.code === code;
}

void describe('a real delivery from Herald', { timeout: 120_000 }, () => {
  let server: ApiServer;
  let receiver: Receiver;
  let publisher: FakePublisher;
  let stack: Stack;

  async function post(path: string, key: string, body?: unknown) {
    const res = await fetch(server.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    assert.ok(res.ok, `${path}: ${res.status}`);
    return (await res.json()) as Record<string, string>;
  }

  before(async () => {
    publisher = await startFakePublisher({ institutes: [INSTITUTE], trainings: TRAININGS });
    stack = await startStack({ config: { apiBaseUrl: publisher.url } });
    ({ server, receiver } = stack);
  });
  after(async () => {
    await stack?.close();
    await publisher?.close();
  });

  void it('is accepted by verifyDelivery and standardwebhooks; forgeries are refused by code', async () => {
    const sub = await post('/v1/subscriptions', TEST_ADMIN_KEY, {
      name: 'Receiver kit',
      url: receiver.url,
      events: ['training.update'],
      token: TOKEN,
      signingSecret: SECRET,
      batching: { debounceMs: 100, maxWaitMs: 500 },
      retry: { initialIntervalMs: 200, maximumAttempts: 2, timeoutMs: 2000 },
    });
    await post('/v1/changes', TEST_PUBLISH_KEY, {
      changes: [{ action: 'update', object: 'training', id: 345345 }],
    });
    await receiver.waitForRequests(1, 15_000);
    const { rawBody, headers: received } = receiver.requests[0]!;
    const headers = received as Headers;

    const out = verifyDelivery({ rawBody, headers, secret: SECRET, token: TOKEN });
    assert.equal(out.scheme, 'standard-webhooks');
    assert.equal(out.deliveryId, headers['webhook-id']);
    assert.ok(Math.abs(out.timestamp! - Date.now() / 1000) < 30);
    const expectedChanges = [
      {
        action: 'update',
        object: 'training',
        id: 345345,
        event: 'training.update',
        url: `${publisher.url}/trainings/345345`,
      },
    ];
    assert.deepEqual(out.changes, expectedChanges);
    assert.deepEqual(new Webhook(SECRET).verify(rawBody, headers), { changes: expectedChanges });

    const tampered = Buffer.from(rawBody.toString().replace('345345', '345346'));
    assert.throws(
      () => verifyDelivery({ rawBody: tampered, headers, secret: SECRET }),
      refusedWith('bad_signature'),
    );
    assert.throws(() => new Webhook(SECRET).verify(tampered, headers), /No matching signature/);
    const wrongSecret = `whsec_${Buffer.alloc(32, 6).toString('base64')}`;
    assert.throws(
      () => verifyDelivery({ rawBody, headers, secret: wrongSecret }),
      refusedWith('bad_signature'),
    );
    const later = (out.timestamp! + 301) * 1000;
    assert.throws(
      () => verifyDelivery({ rawBody, headers, secret: SECRET, now: later }),
      refusedWith('stale_timestamp'),
    );
    assert.throws(
      () => verifyDelivery({ rawBody, headers, secret: SECRET, token: 'tok_other' }),
      refusedWith('bad_token'),
    );

    // The Coachview-style signature alone, as a receiver that ignores the webhook-* trio sees it.
    const prefixOnly = Object.fromEntries(Object.entries(headers).filter(([k]) => !k.startsWith('webhook-')));
    assert.equal(
      verifyDelivery({ rawBody, headers: prefixOnly, secret: SECRET, token: TOKEN }).scheme,
      'prefix-signature',
    );
    assert.throws(
      () => verifyDelivery({ rawBody: tampered, headers: prefixOnly, secret: SECRET }),
      refusedWith('bad_signature'),
    );

    // The example partner acknowledges the real delivery once and a resend of it as a duplicate.
    const partner = await startPartner({ secret: SECRET, token: TOKEN, apiBaseUrl: publisher.url });
    try {
      const send = (body: Buffer) =>
        fetch(partner.url, { method: 'POST', headers: signedHeaders(headers), body }).then(async (r) => [
          r.status,
          await r.json(),
        ]);
      assert.deepEqual(await send(rawBody), [200, { received: 1 }]);
      assert.deepEqual(await send(rawBody), [200, { duplicate: true }]);
      assert.deepEqual(await send(tampered), [401, { error: 'bad_signature' }]);
      await partner.idle();
      assert.deepEqual(partner.store.snapshot().trainings, { '345345': TRAININGS[0] });
      assert.deepEqual(partner.stats, { accepted: 1, duplicates: 1, refused: 1, processed: 1, failed: 0 });
    } finally {
      await partner.close();
    }

    // Rotation: the next delivery is signed with both secrets, and either one verifies it.
    const rotated = await post(`/v1/subscriptions/${sub.id}/rotate-secret`, TEST_ADMIN_KEY);
    const newSecret = rotated.signingSecret!;
    await post('/v1/changes', TEST_PUBLISH_KEY, {
      changes: [{ action: 'update', object: 'training', id: 345346 }],
    });
    await receiver.waitForRequests(2, 15_000);
    const second = receiver.requests[1]!;
    const secondHeaders = second.headers as Headers;
    assert.equal(secondHeaders['webhook-signature']!.split(' ').length, 2);
    for (const secret of [SECRET, newSecret, [wrongSecret, newSecret]])
      assert.ok(verifyDelivery({ rawBody: second.rawBody, headers: secondHeaders, secret, token: TOKEN }));
    for (const secret of [SECRET, newSecret])
      assert.ok(new Webhook(secret).verify(second.rawBody, secondHeaders));
    // The Coachview signature follows the newest secret only.
    const secondPrefix = Object.fromEntries(
      Object.entries(secondHeaders).filter(([k]) => !k.startsWith('webhook-')),
    );
    assert.ok(verifyDelivery({ rawBody: second.rawBody, headers: secondPrefix, secret: newSecret }));
  });
});

/** The signed headers of a recorded request, minus hop-by-hop ones fetch sets itself. */
function signedHeaders(headers: Headers): Headers {
  const keep = (k: string) => k === 'content-type' || k.startsWith('webhook-') || k.startsWith('x-webhook-');
  return Object.fromEntries(Object.entries(headers).filter(([k]) => keep(k)));
}

void describe('the example partner against an embedded Herald', { timeout: 180_000 }, () => {
  void it('ends with a store equal to the publisher after an import, an update and a destroy', async () => {
    const demo = await startDemo({ headerPrefix: 'x-webhook-' });
    try {
      const { steps, final } = await runScenario(demo, 30_000);
      assert.deepEqual(
        steps.map((s) => [s.name, s.differedBefore]),
        [
          ['import institute 234234', true],
          ['update training 345345', true],
          ['destroy training 34534', true],
        ],
      );
      assert.deepEqual(final, demo.publisher.state());
      assert.deepEqual(final, {
        institutes: { '234234': INSTITUTE },
        trainings: {
          '345345': { ...TRAININGS[0], name: 'TypeScript basics, 2nd edition', price: 545 },
          '345346': TRAININGS[1],
        },
      });
      assert.deepEqual(demo.partner.stats, {
        accepted: 3,
        duplicates: 0,
        refused: 0,
        processed: 3,
        failed: 0,
      });
      console.log(`  steps: ${steps.map((s) => `${s.name} ${s.ms} ms`).join(', ')}`);
    } finally {
      await demo.stop();
    }
  });
});
