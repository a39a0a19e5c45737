import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LagGuard } from '../../src/service/lag-guard';

type Pending = number | undefined | Error;

/**
 * A guard over a scripted pending task (since when it waits, in the test's clock) and a clock the
 * test moves. Bounds: 2,000 bytes untaken, a look per 1,000 bytes and per second at most.
 */
function setup(pending: Record<string, Pending>) {
  let now = 10_000;
  const looks: string[] = [];
  const errors: string[] = [];
  const behindLogs: number[] = [];
  const guard = new LagGuard(
    async (id) => {
      looks.push(id);
      const since = pending[id];
      if (since instanceof Error) throw since;
      return { since };
    },
    {
      maxUntakenBytes: 2_000,
      checkBytes: 1_000,
      recheckMs: 1_000,
      now: () => now,
      onError: (id) => errors.push(id),
      onBehind: (_id, untaken) => behindLogs.push(untaken),
    },
  );
  const tick = (ms: number) => (now += ms);
  return { guard, looks, errors, behindLogs, tick, now: () => now };
}

void describe('LagGuard', () => {
  void it('looks only after checkBytes, and forgets a subscription whose workflow has taken everything', async () => {
    const { guard, looks } = setup({ a: undefined });
    guard.admitted('a', 600);
    assert.deepEqual(looks, []);
    guard.admitted('a', 600);
    await guard.settled();
    assert.deepEqual(looks, ['a']);
    assert.equal(guard.refusal('a'), undefined);
    // Nothing pending: the bytes looked at are forgotten, so the next look needs checkBytes more.
    guard.admitted('a', 900);
    assert.deepEqual(looks, ['a']);
  });

  void it('refuses once more than maxUntakenBytes were sent since the pending task was scheduled, and admits again once it is taken', async () => {
    const pending: Record<string, Pending> = { a: 10_000, b: undefined };
    const { guard, looks, tick, behindLogs } = setup(pending);
    // No worker from 10,000 on: 1,000 bytes a second.
    guard.admitted('a', 1_000);
    guard.admitted('b', 5_000);
    await guard.settled();
    assert.equal(guard.refusal('a'), undefined, '1,000 untaken');
    tick(1_000);
    guard.admitted('a', 1_000);
    await guard.settled();
    assert.equal(guard.refusal('a'), undefined, '2,000 untaken: at the bound, not past it');
    tick(1_000);
    guard.admitted('a', 1_000);
    await guard.settled();
    assert.equal(guard.refusal('a'), 1_000, '3,000 untaken: Retry-After one recheck interval');
    assert.equal(guard.refusal('b'), undefined);
    assert.equal(guard.behind, 1);
    assert.deepEqual(behindLogs, [3_000]);
    // Refusals do not look again before recheckMs.
    const looked = looks.filter((id) => id === 'a').length;
    guard.refusal('a');
    await guard.settled();
    assert.equal(looks.filter((id) => id === 'a').length, looked);
    // Still behind a second later; admitted once a worker has taken the task.
    tick(1_000);
    guard.refusal('a');
    await guard.settled();
    assert.equal(guard.refusal('a'), 1_000);
    pending.a = undefined;
    tick(1_000);
    guard.refusal('a');
    await guard.settled();
    assert.equal(guard.refusal('a'), undefined);
    assert.equal(guard.behind, 0);
  });

  void it('does not refuse a subscription whose tasks wait long while little is sent (a busy worker taking everything)', async () => {
    const pending: Record<string, Pending> = {};
    const { guard, looks, tick, now } = setup(pending);
    // Every task waits 8 s before a worker takes it; 200 bytes a second arrive meanwhile.
    for (let s = 0; s < 60; s++) {
      pending.a = now() - 8_000;
      guard.admitted('a', 200);
      await guard.settled();
      assert.equal(guard.refusal('a'), undefined, `second ${s}`);
      tick(1_000);
    }
    assert.ok(looks.length >= 10, `looked ${looks.length} times`);
  });

  void it('counts only what was sent after the task was scheduled', async () => {
    const pending: Record<string, Pending> = { a: undefined };
    const { guard, tick } = setup(pending);
    guard.admitted('a', 900);
    tick(500);
    guard.admitted('a', 900); // a look: nothing pending, 1,800 bytes taken
    await guard.settled();
    tick(500);
    pending.a = 11_000; // scheduled now
    guard.admitted('a', 1_900); // a look at 2,800 sent, 1,900 of them since 11,000
    await guard.settled();
    assert.equal(guard.refusal('a'), undefined);
    tick(1_000);
    guard.admitted('a', 200); // 2,100 since the task was scheduled
    assert.equal(guard.refusal('a'), undefined, 'not looked at yet');
    tick(1_000);
    guard.admitted('a', 1_000);
    await guard.settled();
    assert.equal(guard.refusal('a'), 1_000);
  });

  void it('keeps its last answer when Temporal cannot be asked', async () => {
    const pending: Record<string, Pending> = { a: 5_000 };
    const { guard, errors, tick } = setup(pending);
    guard.admitted('a', 3_000);
    await guard.settled();
    assert.ok(guard.refusal('a'));
    pending.a = new Error('unavailable');
    tick(1_000);
    guard.refusal('a');
    await guard.settled();
    assert.deepEqual(errors, ['a']);
    assert.ok(guard.refusal('a'), 'still refused: nothing says it caught up');
  });

  void it('counts bytes admitted during a look towards the next one', async () => {
    const { guard, looks, tick } = setup({ a: undefined });
    guard.admitted('a', 1_000); // starts a look
    guard.admitted('a', 1_000); // while it is in flight
    await guard.settled();
    tick(1_000);
    guard.admitted('a', 1); // 1,001 unchecked bytes: due
    await guard.settled();
    assert.equal(looks.length, 2);
  });

  void it('forgets a subscription found behind once nothing has asked about it for staleMs', async () => {
    const { guard, looks, tick } = setup({ a: 9_000 });
    guard.admitted('a', 3_000);
    await guard.settled();
    assert.equal(guard.behind, 1);
    // Publishers still retrying: it stays counted.
    tick(4_000);
    assert.ok(guard.refusal('a'));
    await guard.settled();
    tick(4_000);
    assert.equal(guard.behind, 1);
    // Nobody asked for 5 s (five recheck intervals): the gauge stops counting it...
    tick(1_100);
    assert.equal(guard.behind, 0);
    // ...and a change for it later is admitted until checkBytes more make it look again.
    assert.equal(guard.refusal('a'), undefined);
    const before = looks.length;
    guard.admitted('a', 1_000);
    await guard.settled();
    assert.equal(looks.length, before + 1);
    assert.equal(guard.refusal('a'), undefined, 'what the forgotten watch counted is gone: 1,000 untaken');
    tick(1_000);
    guard.admitted('a', 1_500);
    await guard.settled();
    assert.ok(guard.refusal('a'), 'still behind: refused again');
  });
});
