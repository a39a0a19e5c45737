// The test receiver itself: other suites rely on it, so its own behaviour is pinned here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startReceiver } from '../helpers/receiver';

void test('records requests, answers per setStatus, waits and closes with hung requests open', async () => {
  const receiver = await startReceiver();
  try {
    assert.match(receiver.url, /^http:\/\/127\.0\.0\.1:\d+\/hook$/);
    receiver.setStatus((req, n) => (n === 1 ? 503 : (req.json as { ok: boolean }).ok ? 201 : 400));
    const post = (payload: unknown): Promise<Response> =>
      fetch(receiver.url, { method: 'POST', body: JSON.stringify(payload), headers: { 'x-test': '1' } });

    const waiting = receiver.waitForRequests(2, 2_000);
    assert.equal((await post({ ok: true })).status, 503);
    assert.equal((await post({ ok: true })).status, 201);
    await waiting;
    assert.equal((await post({ ok: false })).status, 400);
    assert.equal(receiver.requests.length, 3);
    assert.deepEqual(receiver.requests[0]!.rawBody, Buffer.from('{"ok":true}'));
    assert.deepEqual(receiver.requests[2]!.json, { ok: false });
    assert.equal(receiver.requests[0]!.headers['x-test'], '1');
    assert.equal(receiver.requests[0]!.method, 'POST');

    await assert.rejects(receiver.waitForRequests(10, 50), /expected 10 request\(s\) within 50 ms, got 3/);

    receiver.setDelayMs(60_000);
    void post({ ok: true }).catch(() => undefined);
    await receiver.waitForRequests(4, 2_000);
  } finally {
    const started = Date.now();
    await receiver.close();
    assert.ok(Date.now() - started < 1_000, 'close() does not wait for hung requests');
  }
});
