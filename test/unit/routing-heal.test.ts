// A broken receiver heals instead of stalling the publisher (ChangeRouter with its heal hook):
// healed → the request goes on (202) and the change reaches it; not healable → 503
// subscription_broken and nothing is signalled; a signal that finds the workflow closed heals
// it and is sent again. An operational event is never routed to the subscription it is about.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkflowNotFoundError } from '@temporalio/client';
import { createCatalog } from '../../src/catalog/catalog';
import { createMetrics } from '../../src/metrics';
import { ChangeRouter } from '../../src/service/changes';
import { ApiError } from '../../src/service/errors';
import { GroupCommitter } from '../../src/service/group-commit';
import { RoutingTable } from '../../src/service/routing-table';
import type { SubscriptionGateway } from '../../src/temporal/subscription-gateway';
import { operationalChange } from '../../core/operational-events';
import type { Change, PublicSubscription } from '../../core/types';
import { publicSubscription } from '../helpers/subscriptions';

const catalog = createCatalog([
  { name: 'training.update', description: 'd', pii: [], details: [] },
  { name: 'subscription.disabled', description: 'd', pii: [], details: [] },
]);
const training: Change = { action: 'update', object: 'training', id: 1, event: 'training.update' };

async function setup(subs: PublicSubscription[], healable: boolean, closedOnce: string[] = []) {
  const signals: string[] = [];
  const healed: string[] = [];
  const closed = new Set(closedOnce);
  const routing = new RoutingTable({ list: async () => subs, refreshMs: 60_000 });
  await routing.refresh();
  const committer = new GroupCommitter(async (id) => {
    if (closed.delete(id)) throw new WorkflowNotFoundError('closed', `subscription:${id}`, undefined);
    signals.push(id);
  });
  const router = new ChangeRouter({
    gateway: { runStatus: async () => 'broken' } as unknown as SubscriptionGateway,
    catalog,
    routing,
    committer,
    metrics: createMetrics({ defaultMetrics: false }),
    heal: async (id) => {
      healed.push(id);
      return healable;
    },
  });
  return { router, signals, healed };
}

void test('a broken receiver is healed and the request is answered with every receiver', async () => {
  const subs = [
    publicSubscription('broken', ['training.update'], { state: 'broken' }),
    publicSubscription('fine', ['training.update']),
  ];
  const { router, signals, healed } = await setup(subs, true);
  assert.deepEqual(await router.publish([training]), { accepted: 1, subscriptions: 2 });
  assert.deepEqual(healed, ['broken']);
  assert.deepEqual(signals.sort(), ['broken', 'fine']);
});

void test('one that cannot be restored is a 503 and nothing of the request is signalled', async () => {
  const subs = [
    publicSubscription('broken', ['training.update'], { state: 'broken' }),
    publicSubscription('fine', ['training.update']),
  ];
  const { router, signals } = await setup(subs, false);
  await assert.rejects(
    router.publish([training]),
    (err: unknown) => err instanceof ApiError && err.statusCode === 503 && err.code === 'subscription_broken',
  );
  assert.deepEqual(signals, []);
});

void test('a signal that finds the workflow closed heals it and is sent again', async () => {
  const { router, signals, healed } = await setup([publicSubscription('closed', ['training.update'])], true, [
    'closed',
  ]);
  assert.deepEqual(await router.publish([training]), { accepted: 1, subscriptions: 1 });
  assert.deepEqual(healed, ['closed']);
  assert.deepEqual(signals, ['closed']);
  const direct = await setup([publicSubscription('closed', ['training.update'])], true, ['closed']);
  assert.deepEqual(await direct.router.publishTo('closed', [training]), { accepted: 1, subscriptions: 1 });
});

void test('an operational event skips the subscription it is about', async () => {
  const subs = [
    publicSubscription('about', ['subscription.disabled']),
    publicSubscription('ops', ['subscription.disabled']),
  ];
  const { router, signals } = await setup(subs, true);
  const event = operationalChange(
    'subscription.disabled',
    { id: 'about', name: 'a' },
    { reason: 'gone', at: 'now' },
  );
  assert.deepEqual(await router.publish([event], { except: 'about' }), { accepted: 1, subscriptions: 1 });
  assert.deepEqual(signals, ['ops']);
});
