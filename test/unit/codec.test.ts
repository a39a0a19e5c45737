// The payload codec: AES-256-GCM with a key id, compression for large payloads, rotation.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  COMPRESSION_METADATA,
  createEncryptionCodec,
  KEY_ID_METADATA,
  parseEncryptionKeys,
} from '../../src/temporal/codec';

const key = () => randomBytes(32).toString('base64');
const payload = (value: unknown) => defaultPayloadConverter.toPayload(value)!;
const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('latin1');

describe('encryption codec', () => {
  it('round-trips and hides the plaintext', async () => {
    const codec = createEncryptionCodec(`k1:${key()}`);
    const secret = { token: 'tok_visible_secret', email: 'jane@example.com' };
    const [enc] = await codec.encode([payload(secret)]);
    assert.equal(text(enc!.metadata![KEY_ID_METADATA]), 'k1');
    assert.ok(!text(enc!.data).includes('tok_visible_secret'));
    const [dec] = await codec.decode([enc!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(dec!), secret);
  });
  it('compresses large payloads before encrypting them', async () => {
    const codec = createEncryptionCodec(`k1:${key()}`);
    const changes = Array.from({ length: 2000 }, (_, i) => ({
      action: 'update',
      object: 'training',
      id: i,
      url: `https://api.example.com/trainings/${i}`,
    }));
    const plain = payload({ changes });
    const [enc] = await codec.encode([plain]);
    assert.equal(text(enc!.metadata![COMPRESSION_METADATA]), 'deflate');
    assert.ok(enc!.data!.length * 5 < plain.data!.length, `${enc!.data!.length} vs ${plain.data!.length}`);
    const [dec] = await codec.decode([enc!]);
    assert.deepEqual(defaultPayloadConverter.fromPayload(dec!), { changes });
  });
  it('decrypts with an older key after rotation, encrypts with the first', async () => {
    const oldKey = `old:${key()}`;
    const [enc] = await createEncryptionCodec(oldKey).encode([payload('x')]);
    const rotated = createEncryptionCodec(`new:${key()},${oldKey}`);
    assert.equal(defaultPayloadConverter.fromPayload((await rotated.decode([enc!]))[0]!), 'x');
    const [again] = await rotated.encode([payload('y')]);
    assert.equal(text(again!.metadata![KEY_ID_METADATA]), 'new');
  });
  it('refuses a tampered payload and an unknown key id', async () => {
    const codec = createEncryptionCodec(`k1:${key()}`);
    const [enc] = await codec.encode([payload('hello')]);
    const tampered = { ...enc!, data: Buffer.from(enc!.data!).fill(1, 20, 21) };
    await assert.rejects(codec.decode([tampered]));
    await assert.rejects(createEncryptionCodec(`k2:${key()}`).decode([enc!]), /unknown key id "k1"/);
  });
  it('leaves payloads it did not encrypt alone', async () => {
    const codec = createEncryptionCodec(`k1:${key()}`);
    const p = payload({ a: 1 });
    assert.deepEqual(await codec.decode([p]), [p]);
  });
  it('rejects keys that are not 32 bytes', () => {
    assert.throws(() => parseEncryptionKeys('k1:c2hvcnQ='), /32 bytes/);
    assert.throws(() => parseEncryptionKeys(' , '), /no key/);
    assert.equal(parseEncryptionKeys(key())[0]!.id, 'default');
  });
});
