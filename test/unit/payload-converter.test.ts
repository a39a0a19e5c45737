// Herald's JSON payload converter must write the very bytes the SDK's default one writes (so
// recorded histories replay and other tools decode them), read what the default one wrote, and
// send pre-serialized changes signals as the JSON the workflow expects.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultPayloadConverter } from '@temporalio/common';
import { jsonText, payloadConverter } from '../../src/temporal/payload-converter';
import { changesText } from '../../src/temporal/gateway';
import type { Change } from '../../core/types';

const values: unknown[] = [
  { changes: [{ action: 'update', object: 'training', id: 7, data: { title: 'Größe & Maß — 日本 🎓' } }] },
  'plain',
  0,
  null,
  [1, 'two', { three: [3] }],
  { emoji: '👩‍🏫', lone: 'x\u00e9y', escaped: '"\\\n' },
];

void test('writes the same bytes and metadata as the SDK default, and reads them back', () => {
  for (const v of values) {
    const ours = payloadConverter.toPayload(v);
    const theirs = defaultPayloadConverter.toPayload(v);
    assert.deepEqual(Buffer.from(ours.data!), Buffer.from(theirs.data!), JSON.stringify(v));
    assert.deepEqual(ours.metadata, theirs.metadata);
    assert.deepEqual(payloadConverter.fromPayload(theirs), v);
    assert.deepEqual(defaultPayloadConverter.fromPayload(ours), v);
  }
  // undefined and bytes still go to their own converters.
  assert.deepEqual(payloadConverter.toPayload(undefined), defaultPayloadConverter.toPayload(undefined));
  const bytes = new Uint8Array([1, 2, 255]);
  assert.deepEqual(
    Buffer.from(payloadConverter.fromPayload<Uint8Array>(payloadConverter.toPayload(bytes))),
    Buffer.from(bytes),
  );
});

void test('a changes signal built from measured texts is the JSON of { changes, sizes }', () => {
  const changes: Change[] = [
    { action: 'update', object: 'training', id: 1, data: { name: 'Überblick' } },
    { action: 'destroy', object: 'institute', id: 'x-2' },
  ];
  const sizes = changes.map((c) => JSON.stringify(c).length + 1);
  const payload = payloadConverter.toPayload(changesText(changes));
  assert.deepEqual(Buffer.from(payload.data!), Buffer.from(JSON.stringify({ changes, sizes })));
  assert.deepEqual(payloadConverter.fromPayload(payload), { changes, sizes });
  // Text passes through as it is, whatever it holds.
  assert.equal(Buffer.from(payloadConverter.toPayload(jsonText('[1, 2]')).data!).toString(), '[1, 2]');
});
