// Contract §4 merge rules, rule by rule, and a property test against a reference model.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { changeKey, mergeAll, mergeChange, PendingChanges } from '../../core/merge';
import type { Action, Change } from '../../core/types';

const c = (action: Action, id: number | string, v?: number, object = 'training'): Change =>
  v === undefined ? { action, object, id } : { action, object, id, data: { v } };

describe('mergeChange', () => {
  it('a later change replaces an earlier one', () => {
    assert.deepEqual(mergeChange(c('update', 1, 1), c('update', 1, 2)), c('update', 1, 2));
  });
  it('import then update gives import with the latest data', () => {
    assert.deepEqual(mergeChange(c('import', 1, 1), c('update', 1, 2)), c('import', 1, 2));
  });
  it('update then import gives import with the latest data', () => {
    assert.deepEqual(mergeChange(c('update', 1, 1), c('import', 1, 2)), c('import', 1, 2));
  });
  it("import absorbing an update keeps the import's event name", () => {
    const merged = mergeChange(
      { ...c('import', 1, 1), event: 'training.import' },
      { ...c('update', 1, 2), event: 'training.update' },
    );
    assert.equal(merged.event, 'training.import');
    assert.equal(merged.action, 'import');
  });
  it('destroy replaces anything before it', () => {
    for (const a of ['import', 'update', 'destroy'] as const)
      assert.deepEqual(mergeChange(c(a, 1, 1), c('destroy', 1)), c('destroy', 1));
  });
  it('anything after a destroy replaces the destroy', () => {
    for (const a of ['import', 'update'] as const)
      assert.deepEqual(mergeChange(c('destroy', 1), c(a, 1, 3)), c(a, 1, 3));
  });
  it('keys are (object, id); 42 and "42" are one key, training 1 and institute 1 are two', () => {
    assert.equal(changeKey(c('update', 42)), changeKey(c('update', '42')));
    assert.notEqual(changeKey(c('update', 1)), changeKey(c('update', 1, undefined, 'institute')));
  });
});

describe('PendingChanges', () => {
  it('orders the batch by each key latest change', () => {
    const p = new PendingChanges();
    p.addAll([c('update', 1, 1), c('update', 2, 1), c('update', 3, 1), c('update', 1, 2)], 0);
    assert.deepEqual(
      p.take(10).map((x) => x.id),
      [2, 3, 1],
    );
  });
  it('takes the oldest max keys and leaves the rest', () => {
    const p = new PendingChanges();
    p.addAll(
      [1, 2, 3, 4, 5].map((i) => c('update', i, i)),
      0,
    );
    assert.deepEqual(
      p.take(2).map((x) => x.id),
      [1, 2],
    );
    assert.equal(p.size, 3);
    assert.deepEqual(
      p.take(10).map((x) => x.id),
      [3, 4, 5],
    );
  });
  it('remembers when a key first arrived, across merges, for maxWaitMs', () => {
    const p = new PendingChanges();
    p.add(c('update', 1, 1), 100);
    p.add(c('update', 2, 1), 200);
    p.add(c('update', 1, 2), 300);
    assert.equal(p.oldestFirstAt(), 100);
    assert.equal(p.latestAt(), 300);
  });
  it('survives JSON (continue-as-new) unchanged', () => {
    const p = new PendingChanges();
    p.addAll([c('import', 1, 1), c('update', 2, 1), c('update', 1, 2)], 5);
    const q = new PendingChanges(JSON.parse(JSON.stringify(p.toJSON())));
    assert.deepEqual(q.changes(), p.changes());
    assert.equal(q.oldestFirstAt(), p.oldestFirstAt());
  });
});

/** The reference model: the rules written as plainly as possible, per key, over a list. */
function model(changes: Change[]): Change[] {
  const order: string[] = [];
  const state = new Map<string, Change>();
  for (const ch of changes) {
    const key = `${ch.object}/${ch.id}`;
    const prev = state.get(key);
    let next = ch;
    if (prev && prev.action === 'import' && ch.action === 'update') {
      next = { ...ch, action: 'import' };
      if (prev.event === undefined) delete next.event;
      else next.event = prev.event;
    }
    state.set(key, next);
    const at = order.indexOf(key);
    if (at >= 0) order.splice(at, 1);
    order.push(key);
  }
  return order.map((k) => state.get(k)!);
}

const changeArb = fc.record(
  {
    action: fc.constantFrom<Action>('import', 'update', 'destroy'),
    object: fc.constantFrom('training', 'institute'),
    id: fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constantFrom('a', 'b')),
    data: fc.record({ v: fc.integer() }),
    event: fc.constantFrom('x.custom', 'y.custom'),
  },
  { requiredKeys: ['action', 'object', 'id'] },
);

describe('merge property', () => {
  it('equals the reference model on random sequences', () => {
    fc.assert(
      fc.property(fc.array(changeArb, { maxLength: 60 }), (changes) => {
        assert.deepEqual(mergeAll(changes), model(changes));
      }),
      { numRuns: 500 },
    );
  });
  it('merging in any split into batches converges to the same final state per key', () => {
    fc.assert(
      fc.property(
        fc.array(changeArb, { maxLength: 40 }),
        fc.integer({ min: 1, max: 10 }),
        (changes, batch) => {
          const p = new PendingChanges();
          const delivered = new Map<string, Change>();
          for (let i = 0; i < changes.length; i++) {
            p.add(changes[i]!, i);
            if (i % 3 === 0) for (const ch of p.take(batch)) delivered.set(changeKey(ch), ch);
          }
          for (const ch of p.take(Infinity)) delivered.set(changeKey(ch), ch);
          const last = new Map(changes.map((ch) => [changeKey(ch), ch] as const));
          for (const [key, ch] of last) {
            const got = delivered.get(key)!;
            // The final state of a key is its last change's data, and a destroy stays a destroy.
            assert.deepEqual(got.data, ch.data);
            assert.equal(got.action === 'destroy', ch.action === 'destroy');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('PendingChanges byte budget', () => {
  it('stops a batch before it passes maxBytes, but always takes at least one change', () => {
    const p = new PendingChanges();
    const big = (id: number): Change => ({
      action: 'update',
      object: 'training',
      id,
      data: { blob: 'x'.repeat(400) },
    });
    p.addAll([1, 2, 3, 4, 5].map(big), 0);
    const first = p.take(10, 1_000);
    assert.deepEqual(
      first.map((x) => x.id),
      [1, 2],
    );
    assert.deepEqual(
      p.take(10, 10).map((x) => x.id),
      [3],
    );
    assert.equal(p.size, 2);
  });
});
