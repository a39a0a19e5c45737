// The deliver activity in a mock activity context against a real receiver on 127.0.0.1.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { Webhook } from 'standardwebhooks';
import {
  closeActivities,
  createActivities,
  type Activities,
  type AttemptFailureDetails,
  type FirstAttemptOutcome,
} from '../../activities';
import { coachviewSignature, generateSigningSecret } from '../../src/webhook/signing';
import type { AttemptRecord, DeliveryInput } from '../../core/delivery-types';
import { startReceiver, type Receiver } from '../helpers/receiver';

const SECRET = generateSigningSecret();
const OLD_SECRET = generateSigningSecret();
const NOW = new Date();

function input(url: string, timeoutMs = 2_000): DeliveryInput {
  return {
    subscriptionId: 'sub_abc',
    deliveryId: 'dlv_abc_4',
    sequence: 4,
    url,
    token: 'tok-xyz',
    secrets: [
      { secret: SECRET, createdAt: NOW.toISOString() },
      {
        secret: OLD_SECRET,
        createdAt: '2020-01-01T00:00:00Z',
        expiresAt: new Date(NOW.getTime() + 1e6).toISOString(),
      },
    ],
    changes: [
      { action: 'update', object: 'training', id: 12, url: 'https://api.example.com/trainings/12' },
      { action: 'destroy', object: 'institute', id: 'inst-9' },
    ],
    retry: { initialIntervalMs: 60_000, backoffCoefficient: 2, maximumAttempts: 13, timeoutMs },
  };
}

void describe('deliver activity', () => {
  let receiver: Receiver;
  let activities: Activities;
  let reports: { workflowId: string; record: AttemptRecord }[];
  let outcomes: string[];
  const env = new MockActivityEnvironment({
    attempt: 3,
    workflowExecution: { workflowId: 'delivery:sub_abc:4', runId: 'run-1' },
  });

  before(async () => {
    receiver = await startReceiver();
    activities = createActivities({
      headerPrefix: 'x-coachview-wh',
      allowInsecureUrls: true,
      now: () => NOW,
      reportAttempt: async (workflowId, record) => void reports.push({ workflowId, record }),
      metrics: { attempt: (a) => void outcomes.push(`${a.outcome} ${a.status} ${a.subscription}`) },
    });
  });
  after(async () => {
    await closeActivities(activities);
    await receiver.close();
  });
  beforeEach(() => {
    reports = [];
    outcomes = [];
    receiver.setHandler(null);
    receiver.setStatus(200);
    receiver.setDelayMs(0);
    receiver.setResponseHeaders({});
  });

  /** Runs deliver and returns the ApplicationFailure it must throw. */
  async function failure(
    url = receiver.url,
    timeoutMs?: number,
    given = input(url, timeoutMs),
  ): Promise<ApplicationFailure> {
    const err = await env.run(activities.deliver, given).then(
      () => assert.fail('deliver should have failed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ApplicationFailure, `expected ApplicationFailure, got ${String(err)}`);
    // Only a 410 ends a delivery before its last attempt.
    assert.equal(err.nonRetryable, err.type === 'HttpStatus410');
    return err;
  }
  const deliver = (i: DeliveryInput, acts = activities): ReturnType<Activities['deliver']> =>
    env.run(acts.deliver, i) as ReturnType<Activities['deliver']>;
  const details = (f: ApplicationFailure): AttemptFailureDetails => f.details?.[0] as AttemptFailureDetails;

  for (const status of [200, 204]) {
    void test(`${status} is delivered, with exact body, headers and signatures`, async () => {
      receiver.setStatus(status);
      const result = await deliver(input(receiver.url));
      assert.equal(result.statusCode, status);
      const req = receiver.requests.at(-1)!;
      const expectedBody = JSON.stringify({ changes: input('').changes });
      assert.equal(req.rawBody.toString('utf8'), expectedBody);
      const h = req.headers as Record<string, string>;
      assert.equal(h['webhook-id'], 'dlv_abc_4');
      assert.equal(h['webhook-timestamp'], String(Math.floor(NOW.getTime() / 1000)));
      assert.equal(h['x-coachview-whtoken'], 'tok-xyz');
      assert.equal(h['x-coachview-whsignature'], coachviewSignature(req.rawBody, SECRET));
      assert.equal(h['webhook-signature']!.split(' ').length, 2);
      new Webhook(SECRET).verify(req.rawBody.toString('utf8'), h);
      new Webhook(OLD_SECRET).verify(req.rawBody.toString('utf8'), h);
      // A success is recorded through the result, not a signal.
      assert.deepEqual(result.attempt, {
        attempt: 3,
        at: NOW.toISOString(),
        statusCode: status,
        durationMs: result.durationMs,
      });
      assert.deepEqual(reports, []);
      assert.deepEqual(outcomes, [`success ${status} sub_abc`]);
    });
  }

  void test('an expired old secret no longer signs', async () => {
    const late = { ...input(receiver.url) };
    late.secrets = [late.secrets[0]!, { ...late.secrets[1]!, expiresAt: '2020-06-01T00:00:00Z' }];
    await env.run(activities.deliver, late);
    const h = receiver.requests.at(-1)!.headers as Record<string, string>;
    assert.equal(h['webhook-signature']!.split(' ').length, 1);
  });

  void test('500 fails with HttpStatus500, the body and the status', async () => {
    receiver.setHandler((_req, res) => res.writeHead(500).end('database on fire'));
    const f = await failure();
    assert.equal(f.type, 'HttpStatus500');
    assert.equal(details(f).statusCode, 500);
    assert.equal(details(f).body, 'database on fire');
    assert.equal(typeof details(f).durationMs, 'number');
    assert.equal(reports.length, 1);
    assert.equal(reports[0]!.record.statusCode, 500);
    assert.equal(reports[0]!.record.attempt, 3);
    assert.match(reports[0]!.record.error!, /500/);
    assert.deepEqual(outcomes, ['failure 500 sub_abc']);
  });

  void test('404 fails with HttpStatus404', async () => {
    receiver.setStatus(404);
    const f = await failure();
    assert.equal(f.type, 'HttpStatus404');
    assert.equal(reports[0]!.record.statusCode, 404);
  });

  void test('301 is not followed and fails as Redirect', async () => {
    const before = receiver.requests.length;
    receiver.setHandler((_req, res) =>
      res.writeHead(301, { location: 'http://127.0.0.1:1/elsewhere' }).end(),
    );
    const f = await failure();
    assert.equal(f.type, 'Redirect');
    assert.equal(details(f).statusCode, 301);
    assert.equal(details(f).location, 'http://127.0.0.1:1/elsewhere');
    assert.equal(receiver.requests.length, before + 1);
  });

  // The mock's attempt 3 of a 1-minute schedule: the next attempt is due 4 minutes later.
  void test('429 with a Retry-After within the schedule keeps the schedule', async () => {
    receiver.setStatus(429);
    receiver.setResponseHeaders({ 'retry-after': '30' });
    const f = await failure();
    assert.equal(f.type, 'HttpStatus429');
    assert.equal(details(f).retryAfter, '30');
    assert.equal(f.nextRetryDelay, undefined);
    assert.equal(reports[0]!.record.retryAfterMs, undefined);
  });

  void test('503 with a longer Retry-After moves the next attempt and logs it in the attempt', async () => {
    receiver.setStatus(503);
    receiver.setResponseHeaders({ 'retry-after': '600' });
    const f = await failure();
    assert.equal(f.nonRetryable, false);
    assert.equal(f.nextRetryDelay, 600_000);
    assert.equal(reports[0]!.record.retryAfterMs, 600_000);
  });

  void test('429 with an HTTP date is honoured, capped at interval + maxRetryAfterMs', async () => {
    receiver.setStatus(429);
    receiver.setResponseHeaders({ 'retry-after': new Date(Date.now() + 86_400_000).toUTCString() });
    const f = await failure();
    assert.equal(f.nextRetryDelay, 240_000 + 2 * 3_600_000);
    // The activity's clock is NOW: a date 10 min after it, cut to the second by the format.
    receiver.setResponseHeaders({ 'retry-after': new Date(NOW.getTime() + 600_000).toUTCString() });
    const g = await failure();
    const ms = Number(g.nextRetryDelay);
    assert.ok(ms > 599_000 && ms <= 600_000, `${ms}`);
  });

  void test('maxRetryAfterMs 0, another status or a malformed header keep the schedule', async () => {
    receiver.setStatus(429);
    receiver.setResponseHeaders({ 'retry-after': '600' });
    const off = input(receiver.url);
    off.retry = { ...off.retry, maxRetryAfterMs: 0 };
    assert.equal((await failure(receiver.url, 2_000, off)).nextRetryDelay, undefined);
    receiver.setStatus(500);
    assert.equal((await failure()).nextRetryDelay, undefined);
    receiver.setStatus(429);
    for (const bad of ['-5', '1.5', 'soon', 'Mon, 99 Foo 2026 00:00:00 GMT']) {
      receiver.setResponseHeaders({ 'retry-after': bad });
      assert.equal((await failure()).nextRetryDelay, undefined, bad);
    }
  });

  void test('410 Gone ends the delivery: not retryable, and the first attempt says gone', async () => {
    receiver.setStatus(410);
    const f = await failure();
    assert.equal(f.type, 'HttpStatus410');
    assert.equal(f.nonRetryable, true);
    const first = (await env.run(activities.deliverFirst, input(receiver.url))) as FirstAttemptOutcome;
    assert.equal(first.ok, false);
    assert.equal(!first.ok && first.gone, true);
    assert.equal(first.attempt.statusCode, 410);
  });

  void test('a hung receiver fails as Timeout after timeoutMs', async () => {
    receiver.setDelayMs(10_000);
    const f = await failure(receiver.url, 200);
    assert.equal(f.type, 'Timeout');
    assert.ok(details(f).durationMs >= 190);
    assert.equal(reports[0]!.record.statusCode, undefined);
    assert.match(reports[0]!.record.error!, /^Timeout/);
    assert.deepEqual(outcomes, ['failure timeout sub_abc']);
  });

  void test('a closed port fails as NetworkError', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    const f = await failure(`http://127.0.0.1:${port}/hook`);
    assert.equal(f.type, 'NetworkError');
    assert.match(f.message, /ECONNREFUSED/);
    assert.match(reports[0]!.record.error!, /ECONNREFUSED/);
    assert.deepEqual(outcomes, ['failure network sub_abc']);
  });

  void test('a forbidden target fails as ForbiddenAddress when insecure URLs are off', async () => {
    const strict = createActivities({ headerPrefix: 'x-webhook-', allowInsecureUrls: false });
    try {
      const err = await env
        .run(strict.deliver, input('https://169.254.169.254/latest'))
        .catch((e: unknown) => e);
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'ForbiddenAddress');
    } finally {
      await closeActivities(strict);
    }
  });

  void test('a failing reportAttempt does not change the outcome', async () => {
    const flaky = createActivities({
      headerPrefix: 'x-webhook-',
      allowInsecureUrls: true,
      reportAttempt: async () => {
        throw new Error('signal failed');
      },
    });
    try {
      const result = await deliver(input(receiver.url), flaky);
      assert.equal(result.statusCode, 200);
    } finally {
      await closeActivities(flaky);
    }
  });
});
