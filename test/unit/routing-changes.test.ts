// Publishing logic without Temporal: normalisation, routing by events, per-subscription
// filtering of personal data, and what a missing or unreachable workflow does to the answer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ServiceError } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import { createCatalog } from '../../src/catalog/catalog';
import { createMetrics } from '../../src/metrics';
import { DEFAULT_CHANGE_URL_POLICY } from '../../src/webhook/change-url-policy';
import type { ChangeUrlRules } from '../../src/service/change-urls';
import { ChangeRouter } from '../../src/service/changes';
import { normalizeChange } from '../../src/service/publish-input';
import { ApiError } from '../../src/service/errors';
import { GroupCommitter } from '../../src/service/group-commit';
import { RoutingTable } from '../../src/service/routing-table';
import type { SubscriptionGateway } from '../../src/temporal/subscription-gateway';
import type { Change, PublicSubscription } from '../../core/types';
import { publicSubscription } from '../helpers/subscriptions';

const catalog = createCatalog([
  { name: 'person.update', description: 'd', pii: ['person.email'], details: ['person.notes'] },
  { name: 'training.update', description: 'd', pii: [], details: [] },
  { name: 'training.destroy', description: 'd', pii: [], details: [] },
]);

const sub = publicSubscription;
/** Today's rule only: no catalogue templates (test/unit/change-urls.test.ts covers those). */
const base = (apiBaseUrl: string): ChangeUrlRules => ({
  apiBaseUrl,
  policy: DEFAULT_CHANGE_URL_POLICY,
  urlTemplate: () => undefined,
});

/** What a signal's NotFound is answered with: the latest run read directly (here: gone, i.e. deleted). */
type RunOf = (id: string) => Promise<'running' | 'deleted' | 'broken'>;

async function setup(
  subs: PublicSubscription[],
  fail: (id: string) => unknown = () => null,
  runStatus: RunOf = async () => 'deleted',
) {
  const signals: { id: string; changes: Change[] }[] = [];
  const routing = new RoutingTable({ list: async () => subs, refreshMs: 60_000 });
  const committer = new GroupCommitter(async (id, changes) => {
    const err = fail(id);
    if (err) throw err;
    signals.push({ id, changes });
  });
  const metrics = createMetrics({ defaultMetrics: false });
  const router = new ChangeRouter({
    gateway: { runStatus } as SubscriptionGateway,
    catalog,
    routing,
    committer,
    metrics,
  });
  return { router, routing, signals, metrics };
}

const person = (id: number): Change =>
  normalizeChange(
    { action: 'update', object: 'person', id, data: { person: { name: 'A', email: 'a@x.nl', notes: 'n' } } },
    base('https://api.example.com'),
  );

void test('normalizeChange fills event and url, and drops the url of a destroy', () => {
  assert.deepEqual(
    normalizeChange({ action: 'update', object: 'training', id: 12 }, base('https://api.example.com')),
    {
      action: 'update',
      object: 'training',
      id: 12,
      event: 'training.update',
      url: 'https://api.example.com/trainings/12',
    },
  );
  assert.equal(
    normalizeChange({ action: 'import', object: 'training', id: 'a b/c' }, base('https://x')).url,
    'https://x/trainings/a%20b%2Fc',
  );
  assert.equal(
    normalizeChange({ action: 'update', object: 'training', id: 1, url: 'https://own/1' }, base('https://x'))
      .url,
    'https://own/1',
  );
  const destroyed = normalizeChange(
    { action: 'destroy', object: 'training', id: 1, url: 'https://own/1' },
    base('https://x'),
  );
  assert.equal('url' in destroyed, false);
  assert.equal(destroyed.event, 'training.destroy');
  assert.equal(
    normalizeChange({ action: 'update', object: 'person', id: 1, event: 'person.update' }, base('https://x'))
      .event,
    'person.update',
  );
});

void test('publish routes by events and filters personal data per subscription before signalling', async () => {
  const { router, signals, metrics } = await setup([
    sub('pii', ['person.update'], { includePii: true }),
    sub('plain', ['*']),
    sub('other', ['training.update']),
  ]);
  const result = await router.publish([person(1), person(2)]);
  assert.deepEqual(result, { accepted: 2, subscriptions: 2 });
  const byId = new Map(signals.map((s) => [s.id, s.changes]));
  assert.equal(byId.has('other'), false);
  assert.deepEqual(
    byId.get('pii')![0]!.data,
    { person: { name: 'A', email: 'a@x.nl' } },
    'pii kept, details removed',
  );
  assert.deepEqual(byId.get('plain')![0]!.data, { person: { name: 'A' } }, 'pii and details removed');
  assert.equal(byId.get('plain')!.length, 2, 'one signal carries all of the request for a subscription');
  assert.match(await metrics.registry.metrics(), /herald_changes_routed_total 4/);
});

void test('a publish that matches nobody is accepted with 0 subscriptions', async () => {
  const { router, signals } = await setup([sub('other', ['training.update'])]);
  assert.deepEqual(await router.publish([person(1)]), { accepted: 1, subscriptions: 0 });
  assert.equal(signals.length, 0);
});

void test('a subscription whose workflow is gone is dropped from routing, not an error', async () => {
  const { router, routing } = await setup([sub('gone', ['*']), sub('live', ['*'])], (id) =>
    id === 'gone' ? new WorkflowNotFoundError('gone', 'subscription:gone', undefined) : null,
  );
  assert.deepEqual(await router.publish([person(1)]), { accepted: 1, subscriptions: 1 });
  assert.equal(routing.get('gone'), undefined);
  assert.deepEqual(await router.publish([person(2)]), { accepted: 1, subscriptions: 1 });
});

void test('a closed workflow whose run cannot be read is a 503, not taken as deleted', async () => {
  const { router, routing } = await setup(
    [sub('gone', ['*'])],
    () => new WorkflowNotFoundError('gone', 'subscription:gone', undefined),
    async () => {
      throw new ServiceError('14 UNAVAILABLE: connection refused');
    },
  );
  await assert.rejects(
    router.publish([person(1)]),
    (err: unknown) => err instanceof ApiError && err.statusCode === 503 && err.code === 'subscription_broken',
  );
  assert.equal(routing.get('gone')?.id, 'gone', 'still routed to: the next request asks again');
});

void test('a failing signal makes the request a 503 (safe to retry)', async () => {
  const { router } = await setup(
    [sub('a', ['*'])],
    () => new ServiceError('14 UNAVAILABLE: connection refused'),
  );
  await assert.rejects(
    router.publish([person(1)]),
    (err: unknown) =>
      err instanceof ApiError && err.statusCode === 503 && err.code === 'temporal_unavailable',
  );
});

void test('publish waits for the first routing table and answers 503 when it cannot be loaded', async () => {
  const routing = new RoutingTable({
    list: async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    },
    refreshMs: 60_000,
  });
  const committer = new GroupCommitter(async () => undefined);
  const router = new ChangeRouter({
    gateway: {} as SubscriptionGateway,
    catalog,
    routing,
    committer,
    metrics: createMetrics({ defaultMetrics: false }),
  });
  await assert.rejects(
    router.publish([person(1)]),
    (err: unknown) => err instanceof ApiError && err.statusCode === 503,
  );
});

void test('publishTo sends to one subscription whatever its events, still filtered; a gone one is 404', async () => {
  const { router, signals } = await setup([sub('one', ['training.update']), sub('gone', ['*'])], (id) =>
    id === 'gone' ? new WorkflowNotFoundError('gone', 'subscription:gone', undefined) : null,
  );
  await router.publish([]); // loads the table
  assert.deepEqual(await router.publishTo('one', [person(1)]), { accepted: 1, subscriptions: 1 });
  assert.deepEqual(signals[0]!.changes[0]!.data, { person: { name: 'A' } });
  await assert.rejects(
    router.publishTo('gone', [person(1)]),
    (err: unknown) => err instanceof ApiError && err.statusCode === 404,
  );
});

void test('a change is filtered once per personal-data setting, not once per subscription', async () => {
  // 60 subscriptions in 3 settings: the workflows of one setting get the very same object.
  const settings = [
    { includePii: false, includeDetails: false },
    { includePii: true, includeDetails: false },
    { includePii: true, includeDetails: true },
  ];
  const subs = Array.from({ length: 60 }, (_, i) =>
    publicSubscription(`sub_${String(i).padStart(20, '0')}`, ['*'], settings[i % 3]),
  );
  const { router, signals } = await setup(subs);
  await router.publish([person(1)]);
  assert.equal(signals.length, 60);
  const distinct = new Set(signals.map((s) => s.changes[0]));
  assert.equal(distinct.size, 3, 'three filtered copies for three settings');
  const bySetting = new Map<string, Set<Change>>();
  signals.forEach((s) => {
    const sub = subs.find((x) => x.id === s.id)!;
    const key = `${sub.includePii}/${sub.includeDetails}`;
    bySetting.set(key, (bySetting.get(key) ?? new Set()).add(s.changes[0]!));
  });
  for (const [key, copies] of bySetting) assert.equal(copies.size, 1, `one copy for ${key}`);
  // And each copy carries what its setting allows.
  const plain = signals.find((s) => subs.find((x) => x.id === s.id)!.includePii === false)!.changes[0]!;
  assert.equal((plain.data as { person?: { email?: string } }).person?.email, undefined);
});

void test('a subscription over its ingest bound makes the request a 503 subscription_busy with Retry-After, sending nothing', async () => {
  const subs = [sub('sub_slow', ['training.update']), sub('sub_fast', ['training.update'])];
  const { router, signals, metrics } = await setup(subs);
  const committer = (router as unknown as { deps: { committer: GroupCommitter } }).deps.committer;
  const full = (committer as unknown as { lanes: Map<string, { queuedBytes: number }> }).lanes;
  // As if 10 s of changes at the default 1 MiB/s were already waiting for sub_slow.
  full.set('sub_slow', { queue: [], queuedBytes: 10 * 1024 * 1024, inFlight: null } as never);
  const change = normalizeChange({ action: 'update', object: 'training', id: 1 }, base('https://x'));
  await assert.rejects(router.publish([change]), (err: ApiError) => {
    assert.equal(err.statusCode, 503);
    assert.equal(err.code, 'subscription_busy');
    assert.equal(err.retryAfterSeconds, 10);
    return true;
  });
  await assert.rejects(router.publishTo('sub_slow', [change]), { code: 'subscription_busy' });
  assert.equal(signals.length, 0, 'nothing of a refused request is signalled, not even to sub_fast');
  assert.equal((await metrics.changesRefusedBusy.get()).values[0]?.value, 2);
  full.delete('sub_slow');
  assert.deepEqual(await router.publish([change]), { accepted: 1, subscriptions: 2 });
});

void test('a request mixing events reaches each subscription in the order sent, filtered once per setting', async () => {
  const n = (action: 'update' | 'destroy', id: number): Change =>
    normalizeChange({ action, object: 'training', id }, base('https://x'));
  const subs = [sub('all_1', ['*']), sub('all_2', ['*']), sub('upd', ['training.update'])];
  const { router, signals } = await setup(subs);
  // The same key updated, destroyed and updated again: a "*" subscription must get all three in
  // this order, or its final state would be wrong; the update-only one gets the two updates.
  const sent = [n('update', 7), n('update', 8), n('destroy', 7), n('update', 7)];
  await router.publish(sent);
  const got = (id: string) => signals.filter((s) => s.id === id).flatMap((s) => s.changes);
  const seq = (cs: Change[]) => cs.map((c) => `${c.action}:${c.id}`);
  assert.deepEqual(seq(got('all_1')), ['update:7', 'update:8', 'destroy:7', 'update:7']);
  assert.deepEqual(seq(got('all_2')), seq(got('all_1')));
  assert.deepEqual(seq(got('upd')), ['update:7', 'update:8', 'update:7']);
  // Two subscriptions with the same setting share the filtered changes (filtered and sized once).
  assert.ok(got('all_1').every((c, i) => c === got('all_2')[i]));
});
