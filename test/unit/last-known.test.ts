import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LastKnown } from '../../src/service/last-known';

const at = (ms: number) => ({ statusAsOf: new Date(ms).toISOString(), n: ms });

void test('keeps at most maxEntries, dropping the least recently written', () => {
  const known = new LastKnown<ReturnType<typeof at>>({ maxEntries: 2, maxAgeMs: 60_000, now: () => 1_000 });
  known.set('a', at(1_000));
  known.set('b', at(1_000));
  known.set('a', at(1_000)); // written again: now the most recent
  known.set('c', at(1_000));
  assert.equal(known.get('b'), undefined);
  assert.deepEqual(known.get('a'), at(1_000));
  assert.deepEqual(known.get('c'), at(1_000));
});

void test('forgets a status older than maxAgeMs, and on request', () => {
  let now = 10_000;
  const known = new LastKnown<ReturnType<typeof at>>({ maxEntries: 10, maxAgeMs: 5_000, now: () => now });
  known.set('a', at(10_000));
  known.set('b', at(10_000));
  now = 15_000;
  assert.deepEqual(known.get('a'), at(10_000), 'exactly maxAgeMs old is still shown');
  now = 15_001;
  assert.equal(known.get('a'), undefined);
  known.forget('b');
  now = 10_000;
  assert.equal(known.get('b'), undefined);
});
