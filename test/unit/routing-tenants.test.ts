// Issue 17's routing guarantee, as properties over random tenants, channels, events and
// subscriptions: no change reaches a subscription of another tenant or one without a shared
// channel, and every change reaches every subscription that should get it. Checked against a
// statement of the rules written out here, for the routing table's index, the rules function
// and the ChangeRouter (what is actually signalled, and in which shape).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import type { SubscriptionGateway } from '../../src/temporal/subscription-gateway';
import { createCatalog } from '../../src/catalog/catalog';
import { createMetrics } from '../../src/metrics';
import { DEFAULT_CHANGE_URL_POLICY } from '../../src/webhook/change-url-policy';
import { ChangeRouter } from '../../src/service/changes';
import { normalizeChange } from '../../src/service/publish-input';
import { GroupCommitter } from '../../src/service/group-commit';
import { receives, type RoutableChange } from '../../src/service/routing-rules';
import { RoutingTable } from '../../src/service/routing-table';
import type { Change, PublicSubscription } from '../../core/types';
import { publicSubscription } from '../helpers/subscriptions';

const EVENTS = ['training.update', 'training.destroy', 'institute.update'];
const TENANTS = ['acme', 'globex', 'initech'];
const CHANNELS = ['eu', 'us', 'billing', 'hr'];

/** The rules of issue 17, spelled out independently of src/service/routing-rules.ts. */
function shouldReceive(sub: PublicSubscription, c: RoutableChange): boolean {
  if (sub.state === 'deleted') return false;
  if (!(sub.events.length === 1 && sub.events[0] === '*') && !sub.events.includes(c.event!)) return false;
  const sameTenant = sub.tenant === '*' || sub.tenant === c.tenant; // both absent: publisher-wide
  const sharedChannel =
    sub.channels === undefined ||
    sub.channels.length === 0 ||
    (c.channels ?? []).some((x) => sub.channels!.includes(x));
  return sameTenant && sharedChannel;
}

const subArb = fc.record({
  events: fc.oneof(
    fc.constant<string[]>(['*']),
    fc.uniqueArray(fc.constantFrom(...EVENTS), { minLength: 1, maxLength: 3 }),
  ),
  tenant: fc.option(fc.constantFrom(...TENANTS, '*'), { nil: undefined }),
  channels: fc.option(fc.uniqueArray(fc.constantFrom(...CHANNELS), { maxLength: 3 }), { nil: undefined }),
  state: fc.constantFrom('active', 'paused', 'deleted') as fc.Arbitrary<PublicSubscription['state']>,
});
const subsArb = fc.array(subArb, { minLength: 0, maxLength: 25 }).map((specs) =>
  specs.map((s, i) =>
    publicSubscription(`sub${i}`, s.events, {
      state: s.state,
      ...(s.tenant === undefined ? {} : { tenant: s.tenant }),
      ...(s.channels === undefined ? {} : { channels: s.channels }),
    }),
  ),
);
const changeArb = fc.record({
  event: fc.constantFrom(...EVENTS),
  tenant: fc.option(fc.constantFrom(...TENANTS), { nil: undefined }),
  channels: fc.option(fc.uniqueArray(fc.constantFrom(...CHANNELS), { maxLength: 3 }), { nil: undefined }),
});
const changesArb = fc.array(changeArb, { minLength: 1, maxLength: 20 }).map((specs) =>
  specs.map((s, i): RoutableChange => {
    const [object, action] = s.event.split('.') as [string, Change['action']];
    return normalizeChange(
      {
        action,
        object,
        id: i + 1,
        event: s.event,
        data: { n: i },
        ...(s.tenant === undefined ? {} : { tenant: s.tenant }),
        ...(s.channels === undefined ? {} : { channels: s.channels }),
      },
      {
        apiBaseUrl: 'https://api.example.com',
        policy: DEFAULT_CHANGE_URL_POLICY,
        urlTemplate: () => undefined,
      },
    );
  }),
);

const ids = (subs: PublicSubscription[]) => subs.map((s) => s.id).sort();

// eslint-disable-next-line @typescript-eslint/no-unused-vars
const withoutRouting = ({ tenant, channels, ...rest }: RoutableChange) => rest;

void test('the routing table finds exactly the subscriptions the rules name, each once', async () => {
  await fc.assert(
    fc.asyncProperty(subsArb, changesArb, async (subs, changes) => {
      const table = new RoutingTable({ list: async () => subs, refreshMs: 60_000 });
      await table.refresh();
      for (const c of changes) {
        const found = table.match(c.event!, c.tenant, c.channels);
        assert.equal(new Set(found).size, found.length, 'no subscription twice');
        const expected = subs.filter((s) => shouldReceive(s, c));
        assert.deepEqual(ids(found), ids(expected));
        assert.deepEqual(
          ids(subs.filter((s) => receives(s, c))),
          ids(expected),
          'receives() states the same rules',
        );
      }
    }),
    { numRuns: 300 },
  );
});

void test('the index follows local writes: a changed tenant or channel list routes at once', async () => {
  await fc.assert(
    fc.asyncProperty(subsArb, subsArb, changesArb, async (before, after, changes) => {
      const table = new RoutingTable({ list: async () => before, refreshMs: 60_000 });
      await table.refresh();
      table.match('training.update'); // builds the index, which the writes must invalidate
      for (const s of after) table.upsert(s); // same ids sub0…: replaces, adds, or deletes
      const now = new Map(before.map((s) => [s.id, s]));
      for (const s of after) {
        if (s.state === 'deleted') now.delete(s.id);
        else now.set(s.id, s);
      }
      for (const c of changes)
        assert.deepEqual(
          ids(table.match(c.event!, c.tenant, c.channels)),
          ids([...now.values()].filter((s) => shouldReceive(s, c))),
        );
    }),
    { numRuns: 150 },
  );
});

void test('the ChangeRouter signals every change to exactly its receivers, in the delivered shape', async () => {
  const catalog = createCatalog(EVENTS.map((name) => ({ name, description: 'd', pii: [], details: [] })));
  await fc.assert(
    fc.asyncProperty(subsArb, changesArb, async (subs, changes) => {
      const signals = new Map<string, Change[]>();
      const committer = new GroupCommitter(async (id, sent) => {
        signals.set(id, [...(signals.get(id) ?? []), ...sent]);
      });
      const router = new ChangeRouter({
        gateway: {} as SubscriptionGateway,
        catalog,
        routing: new RoutingTable({ list: async () => subs, refreshMs: 60_000 }),
        committer,
        metrics: createMetrics({ defaultMetrics: false }),
      });
      const result = await router.publish(changes);
      const expected = new Map<string, number[]>();
      for (const s of subs) {
        const got = changes.filter((c) => shouldReceive(s, c)).map((c) => Number(c.id));
        if (got.length) expected.set(s.id, got);
      }
      assert.equal(result.subscriptions, expected.size);
      assert.deepEqual([...signals.keys()].sort(), [...expected.keys()].sort());
      for (const [id, sent] of signals) {
        const sub = subs.find((s) => s.id === id)!;
        assert.deepEqual(
          sent.map((c) => Number(c.id)),
          expected.get(id),
          `${id} gets its changes, in order`,
        );
        for (const c of sent) {
          const original = changes[Number(c.id) - 1]!;
          assert.ok(shouldReceive(sub, original), 'never another tenant, never without a shared channel');
          assert.equal('channels' in c, false, 'channels are routing metadata, never delivered');
          if (sub.tenant === '*' && original.tenant !== undefined) assert.equal(c.tenant, original.tenant);
          else assert.equal('tenant' in c, false, 'the tenant is implied by the subscription');
          assert.deepEqual(withoutRouting(c), withoutRouting(original), 'otherwise exactly as published');
        }
      }
    }),
    { numRuns: 200 },
  );
});
