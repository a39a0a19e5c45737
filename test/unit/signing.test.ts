// Signatures checked by independent implementations: the standardwebhooks library for
// webhook-signature, a plain HMAC for the Coachview header, on bytes a real server received.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Webhook } from 'standardwebhooks';
import pkg from '../../package.json';
import { createHttpClient, type HttpClient } from '../../src/webhook/http-client';
import {
  buildHeaders,
  coachviewSignature,
  generateSigningSecret,
  generateToken,
  liveSecrets,
  standardSignature,
} from '../../src/webhook/signing';
import type { SigningSecret } from '../../core/types';
import { startReceiver, type Receiver } from '../helpers/receiver';

const SECRET_A = generateSigningSecret();
const SECRET_B = generateSigningSecret();
const body = Buffer.from(
  JSON.stringify({ changes: [{ action: 'update', object: 'training', id: 7, data: { t: 'ü€' } }] }),
);

function headersOf(r: Receiver, i = 0): Record<string, string> {
  return r.requests[i]!.headers as Record<string, string>;
}

void describe('signing primitives', () => {
  void test('secrets and tokens have the contract form', () => {
    const secret = generateSigningSecret();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    assert.equal(Buffer.from(secret.slice(6), 'base64').length, 32);
    assert.notEqual(secret, generateSigningSecret());
    const token = generateToken();
    assert.match(token, /^[A-Za-z0-9_-]{32}$/);
  });

  void test('standardSignature equals the standardwebhooks library signature', () => {
    const ts = 1_700_000_000;
    const ours = standardSignature('dlv_x_1', ts, body, SECRET_A);
    assert.equal(ours, new Webhook(SECRET_A).sign('dlv_x_1', new Date(ts * 1000), body.toString('utf8')));
  });

  void test('coachviewSignature keys the HMAC with the secret string itself', () => {
    const expected = createHmac('sha256', SECRET_A).update(body).digest('base64');
    assert.equal(coachviewSignature(body, SECRET_A), expected);
  });

  void test('liveSecrets: newest first, expired dropped, newest always kept', () => {
    const now = new Date('2030-01-02T00:00:00Z');
    const oldest: SigningSecret = {
      secret: 'a',
      createdAt: '2029-01-01T00:00:00Z',
      expiresAt: '2030-01-01T00:00:00Z',
    };
    const middle: SigningSecret = {
      secret: 'b',
      createdAt: '2029-06-01T00:00:00Z',
      expiresAt: '2030-01-03T00:00:00Z',
    };
    const newest: SigningSecret = {
      secret: 'c',
      createdAt: '2030-01-01T00:00:00Z',
      expiresAt: '2000-01-01T00:00:00Z',
    };
    assert.deepEqual(
      liveSecrets([oldest, newest, middle], now).map((s) => s.secret),
      ['c', 'b'],
    );
    assert.deepEqual(liveSecrets([], now), []);
  });

  void test('buildHeaders refuses to sign without a secret', () => {
    assert.throws(() =>
      buildHeaders({ prefix: 'x-webhook-', deliveryId: 'd', timestampSec: 1, body, token: 't', secrets: [] }),
    );
  });
});

void describe('headers as a real receiver gets them', () => {
  let receiver: Receiver;
  let http: HttpClient;
  before(async () => {
    receiver = await startReceiver();
    http = createHttpClient({ allowInsecure: true });
  });
  after(async () => {
    await http.close();
    await receiver.close();
  });

  async function send(prefix: string, secrets: SigningSecret[]): Promise<number> {
    const timestampSec = Math.floor(Date.now() / 1000);
    const headers = buildHeaders({
      prefix,
      deliveryId: 'dlv_abc_3',
      timestampSec,
      body,
      token: 'tok-123',
      secrets,
    });
    await http.post(receiver.url, body, headers, 2_000);
    return receiver.requests.length - 1;
  }
  const now = new Date().toISOString();

  void test('every header of docs/contract.md §3, exact body bytes, both signatures verify', async () => {
    const i = await send('x-webhook-', [{ secret: SECRET_A, createdAt: now }]);
    const req = receiver.requests[i]!;
    const h = headersOf(receiver, i);
    assert.equal(req.method, 'POST');
    assert.equal(req.path, '/hook');
    assert.deepEqual(req.rawBody, body);
    assert.equal(h['content-type'], 'application/json');
    assert.equal(h['user-agent'], `Herald/${pkg.version}`);
    assert.equal(h['x-webhook-token'], 'tok-123');
    assert.equal(h['webhook-id'], 'dlv_abc_3');
    assert.ok(Math.abs(Number(h['webhook-timestamp']) - Date.now() / 1000) < 5);
    assert.match(h['webhook-signature']!, /^v1,[A-Za-z0-9+/]+=*$/);
    assert.equal(
      h['x-webhook-signature'],
      createHmac('sha256', SECRET_A).update(req.rawBody).digest('base64'),
    );
    assert.doesNotThrow(() => new Webhook(SECRET_A).verify(req.rawBody.toString('utf8'), h));
  });

  void test('a tampered body fails verification', async () => {
    const i = await send('x-webhook-', [{ secret: SECRET_A, createdAt: now }]);
    const h = headersOf(receiver, i);
    const tampered = receiver.requests[i]!.rawBody.toString('utf8').replace('"id":7', '"id":8');
    assert.throws(() => new Webhook(SECRET_A).verify(tampered, h));
    assert.notEqual(
      h['x-webhook-signature'],
      createHmac('sha256', SECRET_A).update(tampered).digest('base64'),
    );
    assert.throws(() => new Webhook(SECRET_B).verify(receiver.requests[i]!.rawBody.toString('utf8'), h));
  });

  void test('two live secrets: two v1 entries, each verifiable; Coachview header uses the newest', async () => {
    const secrets = liveSecrets(
      [
        { secret: SECRET_A, createdAt: '2020-01-01T00:00:00Z', expiresAt: '2999-01-01T00:00:00Z' },
        { secret: SECRET_B, createdAt: now },
      ],
      new Date(),
    );
    const i = await send('x-webhook-', secrets);
    const h = headersOf(receiver, i);
    const raw = receiver.requests[i]!.rawBody.toString('utf8');
    const entries = h['webhook-signature']!.split(' ');
    assert.equal(entries.length, 2);
    for (const secret of [SECRET_A, SECRET_B]) {
      assert.doesNotThrow(() => new Webhook(secret).verify(raw, h));
      // Each entry alone verifies with exactly one of the secrets.
      const alone = entries.filter((e) => {
        try {
          new Webhook(secret).verify(raw, { ...h, 'webhook-signature': e });
          return true;
        } catch {
          return false;
        }
      });
      assert.equal(alone.length, 1);
    }
    assert.equal(h['x-webhook-signature'], coachviewSignature(receiver.requests[i]!.rawBody, SECRET_B));
  });

  void test('prefix x-coachview-wh gives the exact Coachview header names', async () => {
    const i = await send('x-coachview-wh', [{ secret: SECRET_A, createdAt: now }]);
    const h = headersOf(receiver, i);
    assert.equal(h['x-coachview-whtoken'], 'tok-123');
    assert.equal(h['x-coachview-whsignature'], coachviewSignature(receiver.requests[i]!.rawBody, SECRET_A));
    assert.equal(h['x-webhook-signature'], undefined);
    assert.ok(h['webhook-signature']);
  });
});
