// `herald/receiver`: verify a Herald delivery in one call. Depends on node:crypto only, so a
// partner can import it or copy this folder as is; it re-implements the signing scheme of
// docs/contract.md §3 rather than importing Herald's server code.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { DEFAULT_HEADER_PREFIX, headerNames, readHeader, type HeadersInput } from './headers';

export * from './headers';

export type VerificationErrorCode =
  'missing_headers' | 'bad_signature' | 'stale_timestamp' | 'bad_token' | 'bad_body';

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly code: VerificationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** One change as the partner receives it (the same shape as Herald's `Change`). */
export interface ReceivedChange {
  action: 'import' | 'update' | 'destroy';
  object: string;
  id: number | string;
  url?: string;
  event?: string;
  data?: Record<string, unknown>;
}

export interface VerifyDeliveryOptions {
  /** The body exactly as received: verify before any JSON parsing or re-serialising. */
  rawBody: Buffer | Uint8Array | string;
  headers: HeadersInput;
  /** The signing secret (`whsec_…`), or several while rotating: any one of them passes. */
  secret: string | readonly string[];
  /** When given, `<prefix>token` must equal it (or one of them). */
  token?: string | readonly string[];
  /** Largest distance between `webhook-timestamp` and now. Default 300 (Standard Webhooks). */
  toleranceSeconds?: number;
  /** HERALD_HEADER_PREFIX of the sender. Default `x-webhook-`. */
  headerPrefix?: string;
  /** The current time, for tests. */
  now?: Date | number;
}

export interface VerifiedDelivery {
  changes: ReceivedChange[];
  /** `webhook-id`: the same on every attempt, the idempotency key. */
  deliveryId: string | undefined;
  /** `webhook-timestamp` in unix seconds. */
  timestamp: number | undefined;
  /** Which signature was checked. */
  scheme: 'standard-webhooks' | 'prefix-signature';
}

const SECRET_PREFIX = 'whsec_';
const ACTIONS = new Set(['import', 'update', 'destroy']);

const fail = (code: VerificationErrorCode, message: string): never => {
  throw new WebhookVerificationError(code, message);
};

function hmac(key: Buffer, ...parts: Buffer[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** Compares two byte strings in constant time; hashing first hides a length difference too. */
function safeEqual(a: Buffer, b: Buffer): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** Base64 signatures of a `webhook-signature` header; entries of other versions are skipped. */
function v1Signatures(header: string): Buffer[] {
  return header
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => Buffer.from(entry.slice(3), 'base64'));
}

function standardKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}

function parseChanges(body: Buffer): ReceivedChange[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return fail('bad_body', 'the body is not JSON');
  }
  const changes = (parsed as { changes?: unknown } | null)?.changes;
  if (!Array.isArray(changes)) return fail('bad_body', 'the body has no "changes" array');
  changes.forEach((c: unknown, i) => {
    const change = c as Partial<ReceivedChange> | null;
    const ok =
      typeof change === 'object' &&
      change !== null &&
      ACTIONS.has(change.action as string) &&
      typeof change.object === 'string' &&
      (typeof change.id === 'number' || typeof change.id === 'string');
    if (!ok) fail('bad_body', `changes[${i}] is not a change (action, object, id)`);
  });
  return changes as ReceivedChange[];
}

/**
 * Verifies one delivery and returns its changes, or throws a WebhookVerificationError whose
 * `code` says what failed. Standard Webhooks headers (signature over id, timestamp and body;
 * one entry per live secret) are checked when present, else `<prefix>signature`.
 */
export function verifyDelivery(options: VerifyDeliveryOptions): VerifiedDelivery {
  const secrets = typeof options.secret === 'string' ? [options.secret] : [...options.secret];
  if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s === ''))
    throw new TypeError('verifyDelivery needs at least one non-empty secret');
  const names = headerNames(options.headerPrefix ?? DEFAULT_HEADER_PREFIX);
  const header = (name: string) => readHeader(options.headers, name);
  const body =
    typeof options.rawBody === 'string' ? Buffer.from(options.rawBody, 'utf8') : Buffer.from(options.rawBody);
  const nowMs = options.now === undefined ? Date.now() : new Date(options.now).getTime();

  const id = header(names.id);
  const timestampHeader = header(names.timestamp);
  const standardSignature = header(names.standardSignature);
  let scheme: VerifiedDelivery['scheme'];
  let timestamp: number | undefined;

  if (standardSignature !== undefined) {
    scheme = 'standard-webhooks';
    if (id === undefined || timestampHeader === undefined)
      fail('missing_headers', `${names.standardSignature} needs ${names.id} and ${names.timestamp}`);
    const signed = Buffer.from(`${id}.${timestampHeader}.`, 'utf8');
    const given = v1Signatures(standardSignature);
    // Signature first: a stale_timestamp then means "authentic but too old" (a replay).
    const match = secrets.some((secret) => {
      const expected = hmac(standardKey(secret), signed, body);
      return given.some((sig) => safeEqual(sig, expected));
    });
    if (!match) fail('bad_signature', `no ${names.standardSignature} entry matches a secret`);
    if (!/^\d{1,12}$/.test(timestampHeader!))
      fail('stale_timestamp', `${names.timestamp} is not unix seconds`);
    timestamp = Number(timestampHeader);
    const tolerance = options.toleranceSeconds ?? 300;
    if (Math.abs(nowMs / 1000 - timestamp) > tolerance)
      fail('stale_timestamp', `${names.timestamp} is more than ${tolerance} s away from now`);
  } else {
    const prefixSignature = header(names.signature);
    if (prefixSignature === undefined)
      return fail('missing_headers', `neither ${names.standardSignature} nor ${names.signature} is present`);
    scheme = 'prefix-signature';
    const given = Buffer.from(prefixSignature, 'base64');
    const match = secrets.some((secret) => safeEqual(given, hmac(Buffer.from(secret, 'utf8'), body)));
    if (!match) fail('bad_signature', `${names.signature} does not match a secret`);
    // Not covered by this signature, so only reported, never trusted for freshness.
    timestamp =
      timestampHeader !== undefined && /^\d+$/.test(timestampHeader) ? Number(timestampHeader) : undefined;
  }

  if (options.token !== undefined) {
    const tokens = typeof options.token === 'string' ? [options.token] : [...options.token];
    const given = header(names.token);
    if (given === undefined) fail('missing_headers', `${names.token} is missing`);
    const givenBytes = Buffer.from(given!, 'utf8');
    if (!tokens.some((t) => safeEqual(givenBytes, Buffer.from(t, 'utf8'))))
      fail('bad_token', `${names.token} does not match`);
  }

  return { changes: parseChanges(body), deliveryId: id, timestamp, scheme };
}
