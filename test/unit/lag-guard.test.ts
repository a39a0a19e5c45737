import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LagGuard } from '../../src/service/lag-guard';

/** A guard over a scripted pending-task age and a clock the test moves. */
function setup(ages: Record<string, number | Error>) {
  let now = 10_000;
  const looks: string[] = [];
  const errors: string[] = [];
  const guard = new LagGuard(
    async (id) => {
      looks.push(id);
      const age = ages[id] ?? 0;
      if (age instanceof Error) throw age;
      return age;
    },
    {
      maxLagMs: 2_000,
      checkBytes: 1_000,
      recheckMs: 1_000,
      now: () => now,
      onError: (id) => errors.push(id),
    },
  );
  return { guard, looks, errors, tick: (ms: number) => (now += ms) };
}

void describe('LagGuard', () => {
  void it('looks only after checkBytes, and admits a subscription that keeps up', async () => {
    const { guard, looks } = setup({ a: 1_500 });
    guard.admitted('a', 600);
    assert.deepEqual(looks, []);
    guard.admitted('a', 600);
    await guard.settled();
    assert.deepEqual(looks, ['a']);
    assert.equal(guard.refusal('a'), undefined);
    // Keeping up: the bytes looked at are forgotten, so the next look needs checkBytes more.
    guard.admitted('a', 900);
    assert.deepEqual(looks, ['a']);
  });

  void it('refuses while the workflow task waits past maxLagMs, and admits again once it is taken', async () => {
    const ages: Record<string, number> = { a: 2_500, b: 0 };
    const { guard, looks, tick } = setup(ages);
    guard.admitted('a', 5_000);
    guard.admitted('b', 5_000);
    await guard.settled();
    assert.equal(guard.refusal('a'), 1_000, 'Retry-After one recheck interval');
    assert.equal(guard.refusal('b'), undefined);
    assert.equal(guard.behind, 1);
    // Refusals do not look again before recheckMs.
    guard.refusal('a');
    await guard.settled();
    assert.equal(looks.filter((id) => id === 'a').length, 1);
    // Still behind a second later; taken once the worker is back.
    tick(1_000);
    assert.equal(guard.refusal('a'), 1_000);
    await guard.settled();
    assert.equal(looks.filter((id) => id === 'a').length, 2);
    assert.equal(guard.refusal('a'), 1_000);
    ages.a = 10;
    tick(1_000);
    guard.refusal('a');
    await guard.settled();
    assert.equal(guard.refusal('a'), undefined);
    assert.equal(guard.behind, 0);
  });

  void it('keeps its last answer when Temporal cannot be asked', async () => {
    const ages: Record<string, number | Error> = { a: 5_000 };
    const { guard, errors, tick } = setup(ages);
    guard.admitted('a', 1_000);
    await guard.settled();
    assert.ok(guard.refusal('a'));
    ages.a = new Error('unavailable');
    tick(1_000);
    guard.refusal('a');
    await guard.settled();
    assert.deepEqual(errors, ['a']);
    assert.ok(guard.refusal('a'), 'still refused: nothing says it caught up');
  });

  void it('counts bytes admitted during a look towards the next one', async () => {
    const { guard, looks, tick } = setup({ a: 0 });
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
    guard.admitted('a', 1_000);
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
    assert.ok(guard.refusal('a'), 'still behind: refused again');
  });
});
