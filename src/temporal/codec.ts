// AES-256-GCM payload codec: every payload Temporal stores (inputs, results, signals, memo,
// failures) is encrypted, so secrets and personal data never sit in its database in clear.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

export const ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';
export const COMPRESSION_METADATA = 'compression';
/**
 * Temporal refuses payloads over 2 MB, and a subscription carries its pending changes across
 * continue-as-new in one payload. Change JSON deflates about tenfold, so compressing before
 * encrypting (after, it would not shrink) raises that ceiling as far.
 */
const COMPRESS_ABOVE_BYTES = 1024;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/**
 * Parses `HERALD_ENCRYPTION_KEY`: `id:base64key[,id:base64key…]`. The first key encrypts; all
 * of them decrypt, so a key can be rotated by putting the new one first.
 */
export function parseEncryptionKeys(spec: string): EncryptionKey[] {
  const keys = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((part) => {
      const idx = part.indexOf(':');
      const id = idx > 0 ? part.slice(0, idx) : 'default';
      const key = Buffer.from(idx > 0 ? part.slice(idx + 1) : part, 'base64');
      if (key.length !== 32) throw new Error(`HERALD_ENCRYPTION_KEY: key "${id}" must be 32 bytes of base64`);
      return { id, key };
    });
  if (keys.length === 0) throw new Error('HERALD_ENCRYPTION_KEY: no key given');
  return keys;
}

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  constructor(private readonly keys: EncryptionKey[]) {
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const { id, key } = this.keys[0]!;
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const serialized = temporal.api.common.v1.Payload.encode(payload).finish();
      const compress = serialized.length > COMPRESS_ABOVE_BYTES;
      const plain = compress ? deflateRawSync(serialized, { level: 1 }) : serialized;
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      const metadata: Record<string, Uint8Array> = {
        encoding: Buffer.from(ENCODING),
        [KEY_ID_METADATA]: Buffer.from(id),
      };
      if (compress) metadata[COMPRESSION_METADATA] = Buffer.from('deflate');
      return { metadata, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding && Buffer.from(payload.metadata.encoding).toString();
      if (encoding !== ENCODING || !payload.data) return payload;
      const keyId = Buffer.from(payload.metadata?.[KEY_ID_METADATA] ?? []).toString();
      const key = this.byId.get(keyId);
      if (!key) throw new Error(`payload encrypted with unknown key id "${keyId}"`);
      const data = Buffer.from(payload.data);
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      const plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
      const compressed = Buffer.from(payload.metadata?.[COMPRESSION_METADATA] ?? []).toString() === 'deflate';
      return temporal.api.common.v1.Payload.decode(compressed ? inflateRawSync(plain) : plain);
    });
  }
}

export const createEncryptionCodec = (keys: string): PayloadCodec =>
  new EncryptionCodec(parseEncryptionKeys(keys));

// The Temporal UI reaches the codec at /codec/ui/<token> (src/api/routes/codec.ts), since it
// cannot send a bearer header: the token is an HMAC of the admin key, never the key.
const UI_TOKEN_LABEL = 'herald codec ui token v1';

/** The codec token derived from the admin key (base64url of HMAC-SHA256; not the key itself). */
export function codecUiToken(adminKey: string): string {
  return createHmac('sha256', adminKey).update(UI_TOKEN_LABEL).digest('base64url');
}

/** What the Temporal UI is given as its codec endpoint; it appends /decode and /encode. */
export function codecUiEndpoint(baseUrl: string, adminKey: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/codec/ui/${codecUiToken(adminKey)}`;
}
