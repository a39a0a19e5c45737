// The ingest inbox's pure parts (issue 27): shards by key, the inbox's queues and what a
// subscription applies of a hand-off (each round once, in order), and the API's inbox committer
// (one signal per shard per round, each change once, the 202 only once durable).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { AppliedRounds, inboxShardOf, type HandoffInput } from '../../core/inbox';
import { InboxQueues } from '../../core/inbox-queues';
import type { Change } from '../../core/types';
import { InboxCommitter, type SendRound } from '../../src/service/inbox-committer';
import { SubscriptionRates } from '../../src/service/inbox-rate';
import { InboxBacklogs } from '../../src/service/inbox-backlog';
import type { ShardRound } from '../../src/temporal/inbox-gateway';
import { InboxUnavailableError } from '../../src/temporal/inbox-gateway';
import { ApiError } from '../../src/service/errors';

const ch = (id: number | string, v = 1, object = 'training'): Change => ({
  action: 'update',
  object,
  id,
  data: { v },
});

describe('inboxShardOf', () => {
  it('is fixed by the key: 42 and "42" are one shard; all shards are used', () => {
    assert.equal(inboxShardOf(ch(42), 8), inboxShardOf(ch('42'), 8));
    const used = new Set(Array.from({ length: 200 }, (_, i) => inboxShardOf(ch(i), 8)));
    assert.equal(used.size, 8);
    assert.equal(inboxShardOf(ch(5), 1), 0);
  });
});

describe('InboxQueues', () => {
  it('numbers rounds, takes the oldest within caps, puts back at the head, carries', () => {
    const q = new InboxQueues();
    const changes = [ch(1), ch(2), ch(3)];
    assert.equal(
      q.add({
        changes,
        sizes: [10, 10, 10],
        subs: [
          { id: 'a', idx: [0, 1] },
          { id: 'b', idx: [2] },
        ],
      }),
      1,
    );
    assert.equal(q.add({ changes: [ch(1, 2)], sizes: [10], subs: [{ id: 'a', idx: [0] }] }), 2);
    assert.deepEqual(q.waiting(), ['a', 'b']);
    const h = q.take('a', 3, { maxChanges: 2, maxChars: 1000 })!;
    assert.deepEqual(h.rounds, [1, 1]);
    assert.equal(h.shard, 3);
    assert.equal(q.size('a'), 1);
    q.putBack('a', h);
    assert.equal(q.size('a'), 3);
    assert.equal(q.chars, 40);
    const next = new InboxQueues(q.carry());
    assert.equal(next.add({ changes: [], sizes: [], subs: [] }), 3);
    const all = next.take('a', 0)!;
    assert.deepEqual(all.rounds, [1, 1, 2]);
    assert.deepEqual(
      all.changes.map((c) => c.data!.v),
      [1, 1, 2],
    );
    assert.equal(next.drop('b'), 1);
    assert.equal(next.chars, 0);
  });
  it('a hand-off takes at least one change, however large', () => {
    const q = new InboxQueues();
    q.add({ changes: [ch(1), ch(2)], sizes: [5000, 5000], subs: [{ id: 'a', idx: [0, 1] }] });
    assert.equal(q.take('a', 0, { maxChanges: 10, maxChars: 100 })!.changes.length, 1);
  });
});

describe('InboxQueues carry', () => {
  it('carries each change once however many subscriptions wait for it', () => {
    const q = new InboxQueues();
    const changes = [ch(1), ch(2)];
    q.add({ changes, sizes: [10, 20], subs: ['a', 'b', 'c'].map((id) => ({ id, idx: [0, 1] })) });
    q.take('a', 0, { maxChanges: 1, maxChars: 1000 });
    assert.equal(q.uniqueChars(), 30);
    const carried = JSON.parse(JSON.stringify(q.carry())) as ReturnType<InboxQueues['carry']>;
    assert.equal(carried.changes.length, 2);
    const next = new InboxQueues(carried);
    assert.equal(next.chars, 80);
    assert.deepEqual(next.take('a', 0), { shard: 0, changes: [ch(2)], sizes: [20], rounds: [1], offset: 1 });
    assert.deepEqual(next.take('c', 0)!.changes, changes);
  });
});

describe('InboxQueues uniqueChars', () => {
  it('counts a shared change until the last subscription waiting for it has taken it', () => {
    const q = new InboxQueues();
    q.add({ changes: [ch(1), ch(2)], sizes: [10, 20], subs: ['a', 'b'].map((id) => ({ id, idx: [0, 1] })) });
    q.add({ changes: [ch(3)], sizes: [40], subs: [{ id: 'b', idx: [0] }] });
    assert.equal(q.uniqueChars(), 70);
    const h = q.take('a', 0)!;
    assert.equal(q.uniqueChars(), 70, 'b still waits for 1 and 2');
    q.putBack('a', h);
    assert.equal(q.uniqueChars(), 70);
    q.take('b', 0);
    assert.equal(q.uniqueChars(), 30, 'only a waits, for 1 and 2');
    assert.equal(q.drop('a'), 2);
    assert.equal(q.uniqueChars(), 0);
    assert.equal(q.lastRound, 2);
    // After a continue-as-new the carried changes are shared again.
    q.add({ changes: [ch(4)], sizes: [5], subs: ['a', 'b', 'c'].map((id) => ({ id, idx: [0] })) });
    const next = new InboxQueues(JSON.parse(JSON.stringify(q.carry())) as ReturnType<InboxQueues['carry']>);
    assert.equal(next.uniqueChars(), 5);
    next.take('a', 0);
    next.take('b', 0);
    assert.equal(next.uniqueChars(), 5);
    next.take('c', 0);
    assert.equal(next.uniqueChars(), 0);
  });
});

describe('InboxBacklogs', () => {
  it('refuses while an inbox is past the bound, from its last read', async () => {
    let backlog = 2_000_000;
    const b = new InboxBacklogs(2, async (shard) => (shard === 1 ? backlog : 0), 1_000_000);
    assert.equal(b.refusal(), undefined, 'nothing read yet');
    await new Promise((r) => setImmediate(r));
    assert.equal(b.refusal(), 1_000);
    backlog = 0;
    await new Promise((r) => setTimeout(r, 300));
    b.refusal();
    await new Promise((r) => setImmediate(r));
    assert.equal(b.refusal(), undefined);
  });
});

describe('AppliedRounds', () => {
  const h = (rounds: number[], offset?: number, shard = 0): HandoffInput => ({
    shard,
    rounds,
    changes: rounds.map((r, i) => ch(`${r}.${i}`)),
    sizes: rounds.map(() => 1),
    ...(offset === undefined ? {} : { offset }),
  });
  it('applies each change once per shard, also when a repeated hand-off is cut differently', () => {
    const a = new AppliedRounds();
    assert.equal(a.take(h([1, 1, 2])).changes.length, 3);
    assert.equal(a.take(h([1, 1, 2])).changes.length, 0);
    // Round 2 was cut: its first change came before, the next two now (offset 1).
    assert.equal(a.take(h([2, 2], 1)).changes.length, 2);
    // A repeat that re-cuts round 2 from its start applies only what is new in it.
    assert.equal(a.take(h([2, 2, 2, 2, 3])).changes.length, 2);
    assert.equal(a.take(h([1], undefined, 1)).changes.length, 1, 'another shard counts on its own');
    const carried = new AppliedRounds(a.carry());
    assert.equal(carried.take(h([3])).changes.length, 0);
    assert.equal(new AppliedRounds().carry(), undefined);
  });
  it('property: rounds cut by any caps, hand-offs repeated or re-cut from an older state: each change applied once, in order', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(7), { minLength: 1, maxLength: 12 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 5 }), fc.nat(3)), { minLength: 1, maxLength: 40 }),
        (roundSizes, steps) => {
          const q = new InboxQueues();
          const all: string[] = [];
          roundSizes.forEach((k, r) => {
            const changes = Array.from({ length: k }, (_, i) => ch(`${r + 1}.${i}`));
            all.push(...changes.map((c) => String(c.id)));
            q.add({
              changes,
              sizes: changes.map(() => 1),
              subs: [{ id: 's', idx: changes.map((_, i) => i) }],
            });
          });
          const applied = new AppliedRounds();
          const seen: string[] = [];
          const apply = (x: HandoffInput) => seen.push(...applied.take(x).changes.map((c) => String(c.id)));
          const sent: HandoffInput[] = [];
          let live = q;
          const snapshots = [structuredClone(q.carry())];
          for (const [cap, action] of steps) {
            if (action === 0 && sent.length > 0)
              apply(sent[sent.length - 1]!); // a repeated hand-off
            else if (action === 1 && snapshots.length > 1)
              live = new InboxQueues(structuredClone(snapshots[0]!)); // reset, re-cut
            const x = live.take('s', 0, { maxChanges: cap, maxChars: 1e9 });
            if (!x) continue;
            sent.push(x);
            apply(x);
            snapshots.push(structuredClone(live.carry()));
          }
          while (live.size('s') > 0) apply(live.take('s', 0)!);
          assert.deepEqual(seen, all);
        },
      ),
    );
  });
});

describe('SubscriptionRates', () => {
  it('admits anything once caught up; refuses what would wait past maxQueueMs', () => {
    let now = 0;
    const r = new SubscriptionRates(1, 5_000, () => now); // 1 byte/ms
    assert.equal(r.refusal('a', 100_000), undefined);
    r.charge('a', 4_000);
    assert.equal(r.refusal('a', 500), undefined);
    assert.equal(r.refusal('a', 2_000), 4_000);
    now = 4_000;
    assert.equal(r.refusal('a', 100_000), undefined);
  });
});

describe('InboxCommitter', () => {
  const setup = (send: SendRound, shards = 2) =>
    new InboxCommitter(send, { shards, minIntervalMs: 0, maxBytesPerSecond: 1 << 20, maxQueueMs: 5_000 });

  it('one signal per shard per round, each change once however many subscriptions get it', async () => {
    const rounds: [number, ShardRound][] = [];
    const c = setup(async (shard, round) => void rounds.push([shard, round]));
    const changes = Array.from({ length: 20 }, (_, i) => ch(i));
    await Promise.all(['a', 'b', 'c'].map((id) => c.submit(id, changes)));
    assert.equal(rounds.length, 2);
    for (const [shard, round] of rounds) {
      assert.ok(round.changes.every((x) => inboxShardOf(x, 2) === shard));
      assert.deepEqual(
        round.subs.map((s) => s.id),
        ['a', 'b', 'c'],
      );
      for (const s of round.subs)
        assert.deepEqual(
          s.idx,
          round.changes.map((_, i) => i),
        );
    }
    assert.equal(
      rounds.reduce((n, [, r]) => n + r.changes.length, 0),
      20,
    );
  });

  it('answers only when every shard is durable; a failed shard fails the submission', async () => {
    const pending: (() => void)[] = [];
    const c = setup((shard) =>
      shard === 1 ? Promise.reject(new InboxUnavailableError(1)) : new Promise<void>((r) => pending.push(r)),
    );
    const done = c.submit(
      'a',
      Array.from({ length: 10 }, (_, i) => ch(i)),
    );
    await assert.rejects(
      done,
      (e: unknown) => e instanceof ApiError && e.statusCode === 503 && e.code === 'inbox_unavailable',
    );
    pending.forEach((r) => r());
  });

  it('what arrives while a shard signal is in flight rides in the next one', async () => {
    const rounds: ShardRound[] = [];
    let release!: () => void;
    const c = setup(async (_shard, round) => {
      rounds.push(round);
      if (rounds.length === 1) await new Promise<void>((r) => (release = r));
    }, 1);
    const first = c.submit('a', [ch(1)]);
    await new Promise((r) => setImmediate(r));
    const more = [c.submit('a', [ch(2)]), c.submit('b', [ch(3)]), c.submit('a', [ch(4)])];
    release();
    await Promise.all([first, ...more]);
    assert.equal(rounds.length, 2);
    assert.deepEqual(rounds[1]!.subs, [
      { id: 'a', idx: [0, 2] },
      { id: 'b', idx: [1] },
    ]);
  });
});
