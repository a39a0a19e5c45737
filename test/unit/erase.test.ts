// The pure part of an erasure (issue 29): which changes a key names, what a subscription keeps.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  canonicalKeys,
  eraseRetained,
  holdsErased,
  isErased,
  keepBatch,
  withoutErased,
  type EraseKey,
} from '../../core/erase';
import { addCounts, zeroErasureCounts } from '../../core/erasure-report';
import { changeBytes } from '../../core/merge';
import type { Change } from '../../core/types';

const ch = (object: string, id: string | number, extra: Partial<Change> = {}): Change => ({
  action: 'update',
  object,
  id,
  ...extra,
});
const person: EraseKey[] = [{ object: 'person', id: 42 }];

void describe('erase keys', () => {
  test('42 and "42" are one id; another object or id is not erased', () => {
    assert.ok(isErased(ch('person', '42'), person));
    assert.ok(isErased(ch('person', 42), [{ object: 'person', id: '42' }]));
    assert.ok(!isErased(ch('training', 42), person));
    assert.ok(!isErased(ch('person', 43), person));
  });

  test('a key with a tenant: that tenant, or a change whose tenant was stripped; a key without: every tenant', () => {
    const acme: EraseKey[] = [{ object: 'person', id: 42, tenant: 'acme' }];
    assert.ok(isErased(ch('person', 42, { tenant: 'acme' }), acme));
    assert.ok(isErased(ch('person', 42), acme));
    assert.ok(!isErased(ch('person', 42, { tenant: 'other' }), acme));
    assert.ok(isErased(ch('person', 42, { tenant: 'other' }), person));
  });

  test('withoutErased keeps the others in order', () => {
    const out = withoutErased([ch('a', 1), ch('person', 42), ch('b', 2)], person);
    assert.deepEqual(
      out.map((c) => c.object),
      ['a', 'b'],
    );
  });

  test('retained batches lose the key; an emptied batch is dropped; bytes follow', () => {
    const mixed = [ch('a', 1), ch('person', 42)];
    const { retained, removed } = eraseRetained(
      [
        { sequence: 3, bytes: 1, changes: mixed },
        { sequence: 2, bytes: 1, changes: [ch('person', 42)] },
        { sequence: 1, bytes: 7, changes: [ch('b', 1)] },
      ],
      person,
    );
    assert.equal(removed, 2);
    assert.deepEqual(
      retained.map((r) => r.sequence),
      [3, 1],
    );
    assert.equal(retained[0]!.bytes, changeBytes(ch('a', 1)));
    assert.equal(retained[1]!.bytes, 7, 'untouched batches stay as they were');
  });

  test('keepBatch puts a batch at its sequence (newest first), replacing one kept before', () => {
    const r = (sequence: number) => ({ sequence, bytes: 1, changes: [ch('x', sequence)] });
    let kept = keepBatch([r(9), r(4)], 6, [ch('a', 1)]);
    assert.deepEqual(
      kept.map((b) => b.sequence),
      [9, 6, 4],
    );
    kept = keepBatch(kept, 6, [ch('b', 2)]);
    assert.deepEqual(
      kept.map((b) => b.changes[0]!.object),
      ['x', 'b', 'x'],
    );
    assert.deepEqual(
      keepBatch([r(9)], 1, [ch('a', 1)]).map((b) => b.sequence),
      [9, 1],
    );
    assert.equal(keepBatch([r(9)], 9, []).length, 0, 'nothing left: nothing kept');
    const big = (sequence: number, bytes: number) => ({ sequence, bytes, changes: [ch('x', sequence)] });
    assert.deepEqual(
      keepBatch([big(9, 60), big(4, 30)], 6, [ch('a', 1)], 100).map((b) => b.sequence),
      [9, 6],
      'within the bound, the oldest give way',
    );
  });

  test('holdsErased finds a change anywhere in decoded JSON, and an erase key itself', () => {
    assert.ok(holdsErased({ carried: { pending: [{ key: 'k', change: ch('person', 42) }] } }, person));
    assert.ok(holdsErased([{ keys: [{ object: 'person', id: '42' }] }], person));
    assert.ok(!holdsErased({ changes: [ch('person', 43)], note: 'person 42' }, person));
    assert.ok(!holdsErased(null, person));
  });

  test('canonicalKeys: one order and spelling, duplicates once', () => {
    assert.deepEqual(
      canonicalKeys([
        { object: 'p', id: 2 },
        { object: 'p', id: '1' },
        { object: 'p', id: '2' },
      ]),
      [
        { object: 'p', id: '1' },
        { object: 'p', id: '2' },
      ],
    );
  });

  test('counts add up', () => {
    const c = addCounts(zeroErasureCounts(), { pendingChanges: 2, subscriptions: 1 });
    addCounts(c, { pendingChanges: 1 });
    assert.equal(c.pendingChanges, 3);
    assert.equal(c.subscriptions, 1);
  });
});
