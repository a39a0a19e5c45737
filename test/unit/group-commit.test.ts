import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkflowNotFoundError } from '@temporalio/common';
import { GroupCommitter } from '../../src/service/group-commit';
import type { Change } from '../../core/types';

const change = (id: number | string, extra: Partial<Change> = {}): Change => ({
  action: 'update',
  object: 'training',
  id,
  ...extra,
});
const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

/** A fake signal: records every call, takes `delayMs`, can be told to fail. */
function fakeSignal(delayMs = 5) {
  const calls: { id: string; changes: Change[] }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let failWith: ((id: string, n: number) => unknown) | null = null;
  const send = async (id: string, changes: Change[]) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    calls.push({ id, changes });
    await tick(delayMs);
    inFlight--;
    const err = failWith?.(id, calls.length);
    if (err) throw err;
  };
  return {
    send,
    calls,
    get maxInFlight() {
      return maxInFlight;
    },
    fail(fn: ((id: string, n: number) => unknown) | null) {
      failWith = fn;
    },
  };
}

void test('200 concurrent submits to one subscription make far fewer signals, each change in exactly one', async () => {
  const fake = fakeSignal();
  const gc = new GroupCommitter(fake.send);
  await Promise.all(Array.from({ length: 200 }, (_, i) => gc.submit('sub_a', [change(i), change(`x${i}`)])));
  assert.ok(fake.calls.length <= 5, `expected few signals, got ${fake.calls.length}`);
  assert.equal(fake.maxInFlight, 1, 'at most one signal in flight per subscription');
  const seen = fake.calls.flatMap((c) => c.changes.map((ch) => String(ch.id)));
  assert.equal(seen.length, 400);
  assert.equal(new Set(seen).size, 400, 'no change is sent twice');
  await gc.drain();
  assert.equal(gc.busy, 0);
});

void test('signals to one subscription start at least minIntervalMs apart, however fast Temporal answers', async () => {
  const fake = fakeSignal(0);
  const starts: number[] = [];
  const gc = new GroupCommitter(
    async (id, changes) => {
      starts.push(Date.now());
      await fake.send(id, changes);
    },
    { minIntervalMs: 40 },
  );
  const pending: Promise<void>[] = [];
  for (let i = 0; i < 60; i++) {
    pending.push(gc.submit('s', [change(i)]));
    await tick(5); // a steady trickle: one request every ~5 ms for ~300 ms
  }
  await Promise.all(pending);
  assert.ok(fake.calls.length <= 14, `rate bounded: ${fake.calls.length} signals`);
  // After a round of several requests the full interval; after a round of one, the quiet one.
  for (let i = 1; i < starts.length; i++) {
    const min = fake.calls[i - 1]!.changes.length > 1 ? 38 : 8;
    assert.ok(starts[i]! - starts[i - 1]! >= min, `interval respected after signal ${i - 1}`);
  }
  assert.equal(fake.calls.flatMap((c) => c.changes).length, 60);
  // An idle subscription's signal leaves at once.
  await gc.drain();
  const t0 = Date.now();
  await gc.submit('s', [change('late')]);
  assert.ok(Date.now() - t0 < 30);
});

void test('a quiet publisher (one request a round) pays the quiet interval, not the full one', async () => {
  const fake = fakeSignal(2);
  const gc = new GroupCommitter(fake.send, { minIntervalMs: 200, quietIntervalMs: 10 });
  const waits: number[] = [];
  for (let i = 0; i < 8; i++) {
    const t0 = Date.now();
    // One request for two subscriptions: still one request in the round.
    await Promise.all([gc.submit('a', [change(i)]), gc.submit('b', [change(i)])]);
    waits.push(Date.now() - t0);
    await tick(15);
  }
  assert.equal(fake.calls.length, 16, 'a signal per request and subscription');
  assert.ok(Math.max(...waits) < 100, `answered without the 200 ms pause: ${waits.join(', ')} ms`);
});

void test('a caller resolves only after the signal carrying its changes completed', async () => {
  const fake = fakeSignal(30);
  const gc = new GroupCommitter(fake.send);
  let firstDone = false;
  let secondDone = false;
  const first = gc.submit('s', [change(1)]).then(() => (firstDone = true));
  await tick(5); // the first signal is now in flight
  const second = gc.submit('s', [change(2)]).then(() => (secondDone = true));
  await first;
  assert.equal(firstDone, true);
  assert.equal(secondDone, false, 'the second submission waits for the next signal');
  await second;
  assert.deepEqual(
    fake.calls.map((c) => c.changes.map((x) => x.id)),
    [[1], [2]],
  );
});

void test('subscriptions are signalled together, in rounds', async () => {
  const fake = fakeSignal(20);
  const gc = new GroupCommitter(fake.send);
  await Promise.all(['a', 'b', 'c'].map((id) => gc.submit(id, [change(1)])));
  assert.equal(fake.maxInFlight, 3);
  // A request for many subscriptions, sent while a round is out, waits for one more round, not
  // for one cycle of each of them: every lane's next signal leaves in the same round.
  const starts: { id: string; at: number }[] = [];
  const gc2 = new GroupCommitter(
    async (id, changes) => {
      starts.push({ id, at: Date.now() });
      await tick(id === 'a' ? 5 : 60);
      void changes;
    },
    { minIntervalMs: 0, gatherMs: 0 },
  );
  const first = Promise.all(['a', 'b', 'c'].map((id) => gc2.submit(id, [change(1)])));
  await tick(10); // a's signal is back, b's and c's are not
  const second = Promise.all(['a', 'b', 'c'].map((id) => gc2.submit(id, [change(2)])));
  await Promise.all([first, second]);
  assert.equal(starts.length, 6);
  const round2 = starts.slice(3).map((s) => s.at);
  assert.ok(Math.max(...round2) - Math.min(...round2) <= 20, `round 2 left together: ${round2.join(', ')}`);
  assert.ok(Math.min(...round2) - starts[2]!.at >= 55, 'after the whole first round was acknowledged');
});

void test('a slow subscription holds the others back at most maxRoundWaitMs', async () => {
  const starts: string[] = [];
  const gc = new GroupCommitter(
    async (id) => {
      starts.push(id);
      await tick(id === 'slow' ? 400 : 2);
    },
    { minIntervalMs: 0, gatherMs: 0, maxRoundWaitMs: 30 },
  );
  const slow = gc.submit('slow', [change(1)]);
  const fast = gc.submit('fast', [change(1)]);
  await fast;
  await tick(5);
  const t0 = Date.now();
  await gc.submit('fast', [change(2)]);
  assert.ok(
    Date.now() - t0 < 100,
    `the next fast signal did not wait for the slow one (${Date.now() - t0} ms)`,
  );
  await slow;
  assert.deepEqual(starts, ['slow', 'fast', 'fast']);
});

void test('callers answered by a round that come back within gatherMs ride in the next round', async () => {
  const calls: number[] = [];
  const gc = new GroupCommitter(
    async (_id, changes) => {
      calls.push(changes.length);
      await tick(10);
    },
    { minIntervalMs: 0, gatherMs: 15 },
  );
  // Four publishers, each sending its next request 2 ms after its last one was answered.
  await Promise.all(
    Array.from({ length: 4 }, async (_, p) => {
      for (let r = 0; r < 5; r++) {
        await gc.submit('s', [change(`${p}-${r}`)]);
        await tick(2);
      }
    }),
  );
  assert.equal(
    calls.reduce((a, b) => a + b, 0),
    20,
  );
  assert.ok(calls.length <= 6, `each round carried every publisher: ${calls.join(', ')}`);
});

void test('signals are capped by change count and by bytes; a large submission is split and resolves once', async () => {
  const fake = fakeSignal(1);
  const gc = new GroupCommitter(fake.send, { maxChanges: 100, maxBytes: 10_000 });
  await gc.submit(
    's',
    Array.from({ length: 250 }, (_, i) => change(i)),
  );
  assert.deepEqual(
    fake.calls.map((c) => c.changes.length),
    [100, 100, 50],
  );
  fake.calls.length = 0;
  const big = { blob: 'x'.repeat(3000) };
  await gc.submit(
    's',
    Array.from({ length: 10 }, (_, i) => change(i, { data: big })),
  );
  assert.ok(fake.calls.length >= 4, 'split by bytes');
  for (const c of fake.calls) assert.ok(Buffer.byteLength(JSON.stringify(c.changes)) <= 10_000 + 100);
  assert.equal(fake.calls.flatMap((c) => c.changes).length, 10);
});

void test('a failed signal rejects exactly the waiters whose changes it carried; later ones still go', async () => {
  const fake = fakeSignal(20);
  const gc = new GroupCommitter(fake.send);
  fake.fail((_id, n) => (n <= 2 ? new Error('unavailable') : null));
  const first = gc.submit('s', [change(1)]);
  await tick(5);
  const queued = Array.from({ length: 10 }, (_, i) => gc.submit('s', [change(100 + i)]));
  const results = await Promise.allSettled([first, ...queued]);
  assert.ok(
    results.every((r) => r.status === 'rejected'),
    'signals 1 and 2 failed: all 11 waiters rejected',
  );
  assert.equal(fake.calls.length, 2);
  // The committer recovers: the next submission is sent and succeeds.
  await gc.submit('s', [change(999)]);
  assert.equal(fake.calls.length, 3);
});

void test('one submission split over several signals rejects when any part fails, and its remaining parts are dropped', async () => {
  const fake = fakeSignal(1);
  const gc = new GroupCommitter(fake.send, { maxChanges: 10 });
  fake.fail((_id, n) => (n === 1 ? new Error('boom') : null));
  await assert.rejects(
    gc.submit(
      's',
      Array.from({ length: 30 }, (_, i) => change(i)),
    ),
    /boom/,
  );
  await gc.drain();
  assert.equal(fake.calls.length, 1, 'the other two parts were not sent');
});

void test('a workflow that is gone fails everything queued for it at once', async () => {
  const fake = fakeSignal(20);
  const gc = new GroupCommitter(fake.send);
  fake.fail(() => new WorkflowNotFoundError('gone', 'subscription:s', undefined));
  const first = gc.submit('s', [change(1)]);
  await tick(5);
  const queued = Array.from({ length: 5 }, (_, i) => gc.submit('s', [change(10 + i)]));
  const results = await Promise.allSettled([first, ...queued]);
  for (const r of results) {
    assert.equal(r.status, 'rejected');
    assert.ok((r as PromiseRejectedResult).reason instanceof WorkflowNotFoundError);
  }
  await gc.drain();
  assert.equal(fake.calls.length, 1, 'no second signal to a workflow known to be gone');
});

void test('onSignal reports submissions and changes per signal; drain waits for queued work', async () => {
  const fake = fakeSignal(10);
  const seen: { submissions: number; changes: number; ok: boolean }[] = [];
  const gc = new GroupCommitter(fake.send, {
    onSignal: ({ submissions, changes, ok }) => seen.push({ submissions, changes, ok }),
  });
  const all = Array.from({ length: 20 }, (_, i) => gc.submit('s', [change(i), change(i + 100)]));
  await gc.drain();
  await Promise.all(all);
  assert.equal(
    seen.reduce((n, s) => n + s.submissions, 0),
    20,
  );
  assert.equal(
    seen.reduce((n, s) => n + s.changes, 0),
    40,
  );
  assert.ok(seen.every((s) => s.ok));
});

void test('an empty submission resolves at once without a signal', async () => {
  const fake = fakeSignal();
  const gc = new GroupCommitter(fake.send);
  await gc.submit('s', []);
  assert.equal(fake.calls.length, 0);
});

void test('backpressure: one subscription is signalled at most maxBytesPerSecond, then refused with a wait', async () => {
  const sent: { at: number; bytes: number }[] = [];
  const gc = new GroupCommitter(
    async (_id, changes) => {
      sent.push({ at: Date.now(), bytes: GroupCommitter.bytesOf(changes) });
      await tick(1);
    },
    { maxBytesPerSecond: 20_000, maxQueueMs: 400, maxBytes: 2_000, minIntervalMs: 0 },
  );
  const big = (i: number) => change(i, { data: { pad: 'x'.repeat(900) } });
  const one = GroupCommitter.bytesOf([big(0)]);
  // An idle lane admits anything, whatever its size.
  assert.equal(gc.refusal('s', 1_000_000), undefined);
  const t0 = Date.now();
  const accepted: Promise<void>[] = [];
  let refusedAfterMs: number | undefined;
  for (let i = 0; i < 40 && refusedAfterMs === undefined; i++) {
    refusedAfterMs = gc.refusal('s', one);
    if (refusedAfterMs === undefined) accepted.push(gc.submit('s', [big(i)]));
  }
  // 400 ms at 20,000 B/s is ~8,000 bytes of queue: about 8 changes of ~1 KB, then a refusal.
  assert.ok(refusedAfterMs !== undefined, 'a full lane refuses');
  assert.ok(accepted.length >= 6 && accepted.length <= 11, `${accepted.length} admitted`);
  assert.ok(refusedAfterMs >= 250 && refusedAfterMs <= 500, `come back after ${refusedAfterMs} ms`);
  assert.equal(gc.refusal('other', one), undefined, 'other subscriptions are not held back');
  await Promise.all(accepted);
  // Every signal but the first left only once the bytes before it had their time at the rate.
  let before = 0;
  for (const s of sent) {
    assert.ok(s.at - t0 >= (before / 20_000) * 1000 - 5, `signal at ${s.at - t0} ms after ${before} B`);
    before += s.bytes;
  }
  assert.equal(
    sent.reduce((n, s) => n + s.bytes, 0),
    accepted.length * one,
  );
  await gc.drain();
  assert.equal(gc.refusal('s', one), undefined, 'a drained lane admits again');
});

void test('the next round waits gatherMs after the last one ended', async () => {
  const starts: number[] = [];
  const gc = new GroupCommitter(
    async () => {
      starts.push(Date.now());
      await tick(5);
    },
    { minIntervalMs: 0, gatherMs: 150 },
  );
  await Promise.all([gc.submit('s', [change(1)]), gc.submit('s', [change(2)])]);
  await gc.submit('s', [change(3)]); // only one of the two publishers came back
  assert.equal(starts.length, 2);
  assert.ok(
    starts[1]! - starts[0]! >= 140,
    `the second round waited for the gather: ${starts[1]! - starts[0]!} ms`,
  );
});
