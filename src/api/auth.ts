// Bearer-key authentication. Two keys with separate powers: the admin key configures, the
// publish key only posts changes, so a leaked publisher credential cannot read secrets or
// redirect deliveries. Each key is refused on the other's routes.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { ApiError } from '../service/errors';

export type KeyRole = 'admin' | 'publish';

// Comparing fixed-length digests keeps the comparison constant-time even when the lengths differ.
const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export interface Auth {
  /** onRequest hook for configuration routes and the codec. */
  admin: onRequestAsyncHookHandler;
  /** onRequest hook for the change routes. */
  publish: onRequestAsyncHookHandler;
  /** onRequest hook for read-only reference data either party needs (the event catalogue). */
  any: onRequestAsyncHookHandler;
}

function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
  if (!match)
    throw new ApiError(401, 'unauthorized', 'missing bearer key: send "authorization: Bearer <key>"');
  return match[1]!;
}

export function createAuth(keys: { adminKey: string; publishKey: string }): Auth {
  const expected: Record<KeyRole, Buffer> = {
    admin: digest(keys.adminKey),
    publish: digest(keys.publishKey),
  };
  const matches = (given: Buffer, role: KeyRole) => timingSafeEqual(given, expected[role]);
  const hook =
    (roles: KeyRole[]): onRequestAsyncHookHandler =>
    async (request) => {
      const given = digest(bearer(request));
      // Every role is compared, so timing does not tell which key was close.
      const ok = roles.map((role) => matches(given, role)).some(Boolean);
      if (!ok) {
        const needed = roles.length === 1 ? `the ${roles[0]} key` : 'the admin or publish key';
        throw new ApiError(401, 'unauthorized', `invalid key: this endpoint needs ${needed}`);
      }
    };
  return { admin: hook(['admin']), publish: hook(['publish']), any: hook(['admin', 'publish']) };
}
