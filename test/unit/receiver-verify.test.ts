// herald/receiver against Herald's own signer (src/webhook/signing.ts) and against the
// standardwebhooks library, so the two implementations of docs/contract.md §3 cannot drift apart.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import { buildHeaders, generateSigningSecret } from '../../src/webhook/signing';
import {
  coachviewHeaderNames,
  headerNames,
  verifyDelivery,
  WebhookVerificationError,
  type ReceivedChange,
  type VerificationErrorCode,
  type VerifyDeliveryOptions,
} from '../../src/receiver/index';
import type { Change } from '../../core/types';

// Compile-time: the receiver's own change type and Herald's are the same shape.
const _toHerald = (c: ReceivedChange): Change => c;
const _toReceiver = (c: Change): ReceivedChange => c;

const NOW_SEC = 1_760_000_000;
const secret = generateSigningSecret();
const older = generateSigningSecret();
const body = Buffer.from(
  JSON.stringify({
    changes: [
      { action: 'import', object: 'institute', id: 234234, url: 'https://api.example.com/institutes/234234' },
      { action: 'destroy', object: 'training', id: 34534, event: 'training.destroy' },
    ],
  }),
);

function sign(opts: { prefix?: string; secrets?: string[]; ts?: number; payload?: Buffer } = {}) {
  return buildHeaders({
    prefix: opts.prefix ?? 'x-webhook-',
    deliveryId: 'dlv_0123456789',
    timestampSec: opts.ts ?? NOW_SEC,
    body: opts.payload ?? body,
    token: 'tok_abc',
    secrets: (opts.secrets ?? [secret]).map((s) => ({ secret: s, createdAt: '2025-01-01T00:00:00Z' })),
  });
}

function refused(opts: VerifyDeliveryOptions, code: VerificationErrorCode) {
  assert.throws(
    () => verifyDelivery(opts),
    (err: unknown) => err instanceof WebhookVerificationError && err.code === code,
    `expected ${code}`,
  );
}

const now = NOW_SEC * 1000;

void test('accepts what Herald signs: changes, id and timestamp come back', () => {
  const out = verifyDelivery({ rawBody: body, headers: sign(), secret, token: 'tok_abc', now });
  assert.equal(out.scheme, 'standard-webhooks');
  assert.equal(out.deliveryId, 'dlv_0123456789');
  assert.equal(out.timestamp, NOW_SEC);
  assert.deepEqual(out.changes, JSON.parse(body.toString()).changes);
  // A string body and a Fetch Headers object work the same.
  const fetchHeaders = new Headers(sign());
  assert.equal(
    verifyDelivery({ rawBody: body.toString(), headers: fetchHeaders, secret, now }).changes.length,
    2,
  );
});

void test('the standardwebhooks library accepts the same headers and body', () => {
  const headers = sign({ ts: Math.floor(Date.now() / 1000) });
  assert.deepEqual(new Webhook(secret).verify(body, headers), JSON.parse(body.toString()));
  assert.throws(() => new Webhook(older).verify(body, headers), /No matching signature/);
});

void test('refuses a tampered body, a wrong secret, a stale timestamp and a wrong token', () => {
  const headers = sign();
  const tampered = Buffer.from(body.toString().replace('234234', '234235'));
  refused({ rawBody: tampered, headers, secret, now }, 'bad_signature');
  refused({ rawBody: body, headers, secret: older, now }, 'bad_signature');
  refused({ rawBody: body, headers, secret, now: now + 301_000 }, 'stale_timestamp');
  refused({ rawBody: body, headers, secret, now: now - 301_000 }, 'stale_timestamp');
  assert.ok(verifyDelivery({ rawBody: body, headers, secret, now: now + 299_000 }));
  assert.ok(verifyDelivery({ rawBody: body, headers, secret, now: now + 3_600_000, toleranceSeconds: 3601 }));
  refused({ rawBody: body, headers, secret, token: 'tok_abd', now }, 'bad_token');
  refused(
    { rawBody: body, headers: { ...headers, 'x-webhook-token': '' }, secret, token: 'tok_abc', now },
    'missing_headers',
  );
  // A forged timestamp breaks the signature rather than passing as merely stale.
  refused(
    { rawBody: body, headers: { ...headers, 'webhook-timestamp': String(NOW_SEC + 1) }, secret, now },
    'bad_signature',
  );
});

void test('missing headers and bad bodies have their own codes', () => {
  const headers = sign();
  refused({ rawBody: body, headers: {}, secret, now }, 'missing_headers');
  const { 'webhook-id': _id, ...noId } = headers;
  refused({ rawBody: body, headers: noId, secret, now }, 'missing_headers');
  for (const payload of [
    'not json',
    '{"changes":{}}',
    '{"changes":[{"action":"upsert","object":"x","id":1}]}',
  ]) {
    const raw = Buffer.from(payload);
    refused({ rawBody: raw, headers: sign({ payload: raw }), secret, now }, 'bad_body');
  }
});

void test('rotation: every live secret signs, and any one of several configured secrets passes', () => {
  const headers = sign({ secrets: [secret, older] });
  assert.equal(headers['webhook-signature']!.split(' ').length, 2);
  for (const s of [secret, older, [generateSigningSecret(), older]])
    assert.ok(verifyDelivery({ rawBody: body, headers, secret: s, now }));
  refused({ rawBody: body, headers, secret: [generateSigningSecret()], now }, 'bad_signature');
  assert.throws(() => verifyDelivery({ rawBody: body, headers, secret: [], now }), TypeError);
});

void test('without the Standard Webhooks trio the <prefix>signature is checked (Coachview names)', () => {
  const all = sign({ prefix: 'x-coachview-wh' });
  assert.equal(coachviewHeaderNames.signature, 'x-coachview-whsignature');
  assert.equal(coachviewHeaderNames.token, 'x-coachview-whtoken');
  const coachviewOnly = {
    'X-Coachview-WhSignature': all['x-coachview-whsignature']!,
    'x-coachview-whtoken': [all['x-coachview-whtoken']!],
  };
  const opts = { rawBody: body, secret, headerPrefix: 'x-coachview-wh', token: 'tok_abc', now };
  const out = verifyDelivery({ ...opts, headers: coachviewOnly });
  assert.equal(out.scheme, 'prefix-signature');
  assert.equal(out.deliveryId, undefined);
  refused({ ...opts, headers: coachviewOnly, rawBody: Buffer.from(body.toString() + ' ') }, 'bad_signature');
  refused({ ...opts, headers: coachviewOnly, secret: older }, 'bad_signature');
  refused({ ...opts, headers: coachviewOnly, token: 'nope' }, 'bad_token');
  // The default prefix does not see Coachview's names.
  refused({ ...opts, headers: coachviewOnly, headerPrefix: undefined }, 'missing_headers');
  assert.equal(headerNames().signature, 'x-webhook-signature');
});
