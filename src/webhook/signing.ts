// Signatures and headers of an outgoing webhook (docs/contract.md §3). Two schemes at once: the
// Coachview one (one HMAC over the body, keyed by the secret string) so Coachview receivers
// work unchanged, and Standard Webhooks (id + timestamp + body, one entry per live secret) so
// a receiver can use any standardwebhooks library and rotate secrets without downtime.
import { createHmac, randomBytes } from 'node:crypto';
import type { SigningSecret } from '../../core/types';
import pkg from '../../package.json';

const SECRET_PREFIX = 'whsec_';

export const USER_AGENT = `Herald/${pkg.version}`;

/** Coachview scheme: base64 HMAC-SHA256 of the exact body bytes, key = the secret as UTF-8. */
export function coachviewSignature(body: Buffer, secret: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('base64');
}

/** The HMAC key of a Standard Webhooks secret: the base64 after `whsec_`. */
function standardKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}

/** Standard Webhooks: `v1,` + base64 HMAC-SHA256 over `<id>.<timestamp>.<body>`. */
export function standardSignature(id: string, timestampSec: number, body: Buffer, secret: string): string {
  const mac = createHmac('sha256', standardKey(secret))
    .update(`${id}.${timestampSec}.`, 'utf8')
    .update(body)
    .digest('base64');
  return `v1,${mac}`;
}

/** A new secret in Standard Webhooks form; 32 bytes sits inside the contract's 24–64. */
export function generateSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** A random token for `<prefix>token`: 24 bytes give 32 URL-safe characters. */
export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * The secrets that still sign at `now`, newest first. A rotated-out secret signs until its
 * `expiresAt`; the newest is kept whatever its `expiresAt` says, so a delivery is never unsigned.
 */
export function liveSecrets(secrets: SigningSecret[], now: Date): SigningSecret[] {
  if (secrets.length === 0) return [];
  // Sorted defensively (stable, unparsable dates count as oldest) though callers keep newest first.
  const time = (s: SigningSecret): number => Date.parse(s.createdAt) || Number.NEGATIVE_INFINITY;
  const sorted = [...secrets].sort((a, b) => (time(b) > time(a) ? 1 : time(b) < time(a) ? -1 : 0));
  const [newest, ...older] = sorted as [SigningSecret, ...SigningSecret[]];
  const t = now.getTime();
  return [newest, ...older.filter((s) => s.expiresAt === undefined || Date.parse(s.expiresAt) > t)];
}

export interface HeaderInput {
  /** HERALD_HEADER_PREFIX, e.g. `x-webhook-` or Coachview's `x-coachview-wh`. */
  prefix: string;
  deliveryId: string;
  timestampSec: number;
  body: Buffer;
  token: string;
  /** Live secrets, newest first (see liveSecrets). */
  secrets: SigningSecret[];
  userAgent?: string;
}

/** Every header of docs/contract.md §3, lower-case names. */
export function buildHeaders(input: HeaderInput): Record<string, string> {
  const [newest] = input.secrets;
  if (!newest) throw new Error('cannot sign a delivery without a signing secret');
  const prefix = input.prefix.toLowerCase();
  return {
    'content-type': 'application/json',
    'user-agent': input.userAgent ?? USER_AGENT,
    // Coachview receivers know one secret only: the newest.
    [`${prefix}signature`]: coachviewSignature(input.body, newest.secret),
    [`${prefix}token`]: input.token,
    'webhook-id': input.deliveryId,
    'webhook-timestamp': String(input.timestampSec),
    'webhook-signature': input.secrets
      .map((s) => standardSignature(input.deliveryId, input.timestampSec, input.body, s.secret))
      .join(' '),
  };
}
