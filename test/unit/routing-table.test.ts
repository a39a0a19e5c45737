import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoutingTable } from '../../src/service/routing-table';
import type { PublicSubscription } from '../../core/types';
import { publicSubscription } from '../helpers/subscriptions';

const sub = publicSubscription;

const ids = (subs: PublicSubscription[]) => subs.map((s) => s.id).sort();

/** A visibility stand-in whose answer the test sets. */
function source(initial: PublicSubscription[] = []) {
  let listing = initial;
  let error: Error | null = null;
  let calls = 0;
  return {
    list: async () => {
      calls++;
      if (error) throw error;
      return listing;
    },
    set(l: PublicSubscription[]) {
      listing = l;
    },
    fail(e: Error | null) {
      error = e;
    },
    get calls() {
      return calls;
    },
  };
}

void test('matches exact event names and the "*" wildcard', async () => {
  const src = source([
    sub('a', ['training.update']),
    sub('b', ['*']),
    sub('c', ['institute.update', 'training.update']),
  ]);
  const table = new RoutingTable({ list: src.list, refreshMs: 1000 });
  await table.refresh();
  assert.deepEqual(ids(table.match('training.update')), ['a', 'b', 'c']);
  assert.deepEqual(ids(table.match('institute.update')), ['b', 'c']);
  assert.deepEqual(ids(table.match('training.destroy')), ['b']);
});

void test('deleted subscriptions in a listing are not routed to; paused ones are', async () => {
  const src = source([sub('a', ['*'], { state: 'deleted' }), sub('b', ['*'], { state: 'paused' })]);
  const table = new RoutingTable({ list: src.list, refreshMs: 1000 });
  await table.refresh();
  assert.deepEqual(ids(table.match('x.y')), ['b']);
});

void test('a local create is routed at once and survives a stale listing', async () => {
  const src = source([]);
  const table = new RoutingTable({ list: src.list, refreshMs: 1000 });
  await table.refresh();
  table.upsert(sub('new', ['training.update']));
  assert.deepEqual(ids(table.match('training.update')), ['new']);
  await table.refresh(); // visibility has not caught up yet
  assert.deepEqual(ids(table.match('training.update')), ['new']);
});

void test('a local delete is not resurrected by a stale listing', async () => {
  const src = source([sub('a', ['*'])]);
  const table = new RoutingTable({ list: src.list, refreshMs: 1000 });
  await table.refresh();
  table.remove('a');
  assert.deepEqual(table.match('x.y'), []);
  await table.refresh();
  assert.deepEqual(table.match('x.y'), []);
});

void test('a local patch outranks an older listing, but a newer listing from elsewhere wins', async () => {
  const src = source([sub('a', ['training.update'])]);
  const table = new RoutingTable({ list: src.list, refreshMs: 1000 });
  await table.refresh();
  table.upsert(sub('a', ['institute.update'], { updatedAt: '2024-02-01T00:00:00.000Z' }));
  await table.refresh();
  assert.deepEqual(ids(table.match('institute.update')), ['a']);
  assert.deepEqual(ids(table.match('training.update')), []);
  src.set([sub('a', ['training.destroy'], { updatedAt: '2024-03-01T00:00:00.000Z' })]);
  await table.refresh();
  assert.deepEqual(ids(table.match('training.destroy')), ['a']);
  assert.deepEqual(ids(table.match('institute.update')), []);
});

void test('local writes expire after the grace period; visibility is authoritative again', async () => {
  let now = 1_000_000;
  const src = source([]);
  const table = new RoutingTable({ list: src.list, refreshMs: 1000, localGraceMs: 5000, now: () => now });
  table.upsert(sub('a', ['*']));
  now += 6000;
  await table.refresh();
  assert.deepEqual(
    table.match('x.y'),
    [],
    'a create never seen by visibility within the grace period is dropped',
  );
});

void test('subscriptions created elsewhere appear after a refresh', async () => {
  const src = source([]);
  const table = new RoutingTable({ list: src.list, refreshMs: 1000 });
  await table.refresh();
  src.set([sub('other', ['*'])]);
  assert.deepEqual(table.match('x.y'), []);
  await table.refresh();
  assert.deepEqual(ids(table.match('x.y')), ['other']);
});

void test('ensureLoaded waits for a first listing and reports its failure; later failures keep the table', async () => {
  const src = source([sub('a', ['*'])]);
  src.fail(new Error('unreachable'));
  const warnings: string[] = [];
  const table = new RoutingTable({
    list: src.list,
    refreshMs: 1000,
    log: { warn: (_o, m) => warnings.push(m) },
  });
  await assert.rejects(table.ensureLoaded(), /unreachable/);
  assert.equal(table.isLoaded, false);
  src.fail(null);
  await table.ensureLoaded();
  assert.equal(table.isLoaded, true);
  src.fail(new Error('flaky'));
  await assert.rejects(table.refresh());
  assert.deepEqual(ids(table.match('x.y')), ['a'], 'the previous table is kept');
});

void test('concurrent refreshes share one listing', async () => {
  const src = source([sub('a', ['*'])]);
  const table = new RoutingTable({ list: src.list, refreshMs: 1000 });
  await Promise.all([table.refresh(), table.refresh(), table.ensureLoaded()]);
  assert.equal(src.calls, 1);
});

void test('start() refreshes periodically, logs failures and stop() ends it', async () => {
  const src = source([]);
  const warnings: string[] = [];
  const table = new RoutingTable({
    list: src.list,
    refreshMs: 20,
    log: { warn: (_o, m) => warnings.push(m) },
  });
  src.fail(new Error('down'));
  table.start();
  await new Promise((r) => setTimeout(r, 70));
  assert.ok(warnings.length >= 2, 'failures are logged, not thrown');
  src.fail(null);
  src.set([sub('late', ['*'])]);
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(ids(table.match('a.b')), ['late']);
  table.stop();
  const calls = src.calls;
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(src.calls, calls, 'no refresh after stop()');
});

void test('a subscription missing from one listing (mid continue-as-new) is kept while its run is running', async () => {
  const src = source([sub('a', ['*']), sub('b', ['*'])]);
  const asked: string[] = [];
  const runs: Record<string, 'running' | 'deleted' | 'broken'> = { a: 'running', b: 'running' };
  const table = new RoutingTable({
    list: src.list,
    status: async (id) => (asked.push(id), runs[id]!),
    refreshMs: 1000,
  });
  await table.refresh();
  assert.deepEqual(asked, [], 'nothing is asked about while listings agree');
  src.set([sub('b', ['*'])]); // visibility has closed a's old run but not indexed its new one
  await table.refresh();
  assert.deepEqual(asked, ['a']);
  assert.deepEqual(ids(table.match('x.y')), ['a', 'b'], 'a is still routed to');
  runs.a = 'deleted';
  await table.refresh();
  assert.deepEqual(ids(table.match('x.y')), ['b'], 'deleted (read directly): dropped');
  src.set([]);
  runs.b = 'broken';
  await table.refresh();
  assert.deepEqual(
    table.match('x.y').map((s) => `${s.id} ${s.state}`),
    ['b broken'],
    'closed otherwise: kept as broken, so publishing to it is refused rather than dropped',
  );
});

void test('a vanished subscription whose run cannot be read is kept; a local delete is not asked about', async () => {
  const src = source([sub('a', ['*']), sub('b', ['*'])]);
  const asked: string[] = [];
  const table = new RoutingTable({
    list: src.list,
    status: async (id) => {
      asked.push(id);
      throw new Error('unreachable');
    },
    refreshMs: 1000,
  });
  await table.refresh();
  table.remove('b');
  src.set([]);
  await table.refresh();
  assert.deepEqual(asked, ['a']);
  assert.deepEqual(ids(table.match('x.y')), ['a']);
});

void test('a first listing that misses a subscription mid continue-as-new is completed from the recently continued', async () => {
  const calls: string[] = [];
  const runs: Record<string, 'running' | 'deleted' | 'broken'> = { a: 'running', gone: 'deleted' };
  const table = new RoutingTable({
    list: async () => (calls.push('list'), [sub('b', ['*'])]),
    recent: async () => (calls.push('recent'), [sub('a', ['*']), sub('b', ['*']), sub('gone', ['*'])]),
    status: async (id) => (calls.push(`status ${id}`), runs[id]!),
    refreshMs: 1000,
  });
  await table.ensureLoaded();
  assert.deepEqual(
    calls,
    ['list', 'recent', 'status a', 'status gone'],
    'asked after the listing, about those it lacks',
  );
  assert.deepEqual(ids(table.match('x.y')), ['a', 'b']);
  await table.refresh();
  assert.deepEqual(calls.slice(4), ['list', 'status a'], 'later listings are checked against the table');
  assert.deepEqual(ids(table.match('x.y')), ['a', 'b']);
});

void test('a subscription created while a listing is being completed is routed to when that load ends', async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const table = new RoutingTable({
    list: async () => [],
    recent: async () => (await held, [sub('a', ['*'])]),
    status: async () => 'running',
    refreshMs: 1000,
  });
  const loading = table.ensureLoaded();
  await new Promise((r) => setImmediate(r)); // the listing is in, the recent query waits
  table.upsert(sub('created', ['*']));
  release();
  await loading;
  assert.deepEqual(ids(table.match('x.y')), ['a', 'created']);
});

void test('a broken subscription deleted here stays gone while visibility still lists it as broken', async () => {
  const src = source([{ ...sub('b', ['*']), state: 'broken' }]);
  const table = new RoutingTable({ list: src.list, refreshMs: 1000 });
  await table.refresh();
  assert.deepEqual(ids(table.match('x.y')), ['b']);
  // DELETE purged its run; Temporal removes it in the background, so listings still show it.
  table.remove('b');
  await table.refresh();
  assert.deepEqual(ids(table.match('x.y')), [], 'not routed to (a 503 would stall the publisher)');
});

void test('a local write that expires at a listing missing its subscription (mid continue-as-new) keeps it routed', async () => {
  let now = 0;
  const asked: string[] = [];
  const table = new RoutingTable({
    list: async () => [],
    status: async (id) => (asked.push(id), 'running'),
    refreshMs: 1000,
    localGraceMs: 60_000,
    now: () => now,
  });
  await table.refresh();
  table.upsert(sub('a', ['*']));
  await table.refresh(); // within the grace: the local write stands
  assert.deepEqual(ids(table.match('x.y')), ['a']);
  asked.length = 0;
  now = 60_001; // the grace ends at a listing that misses a (its old run closed, its new one not indexed)
  await table.refresh();
  assert.deepEqual(asked, ['a'], 'its run is read directly');
  assert.deepEqual(ids(table.match('x.y')), ['a'], 'still routed to: 202 never answered for nobody');
  table.remove('a');
  await table.refresh();
  assert.deepEqual(asked, ['a'], 'a local delete is not asked about');
  assert.deepEqual(table.match('x.y'), []);
});
