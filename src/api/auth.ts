// Bearer authentication. Two keys with separate powers: the admin key configures, the publish
// key only posts changes, so a leaked publisher credential cannot read secrets or redirect
// deliveries. Each key is refused on the other's routes. A third kind of bearer, the tenant
// token (tenant-tokens.ts), manages one tenant's subscriptions and nothing else.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { ApiError } from '../service/errors';
import { ADMIN_SCOPE, type Scope } from '../service/subscription-types';
import { looksLikeJwt, TenantTokens } from './tenant-tokens';

export type KeyRole = 'admin' | 'publish';

/**
 * SHA-256 of a secret. Comparing fixed-length digests keeps the comparison constant-time even
 * when the lengths differ (the codec route compares its token the same way).
 */
export const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

export interface Auth {
  /** onRequest hook for configuration routes and the codec. */
  admin: onRequestAsyncHookHandler;
  /** onRequest hook for the change routes. */
  publish: onRequestAsyncHookHandler;
  /** onRequest hook for read-only reference data either party needs (the event catalogue). */
  any: onRequestAsyncHookHandler;
  /** onRequest hook for the subscription routes: the admin key, or a tenant token (scoped). */
  manage: onRequestAsyncHookHandler;
  tenantTokens: TenantTokens;
}

function bearer(request: FastifyRequest): string {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header) : null;
  if (!match)
    throw new ApiError(401, 'unauthorized', 'missing bearer key: send "authorization: Bearer <key>"');
  return match[1]!;
}

const scopes = new WeakMap<FastifyRequest, Scope>();

/** The caller's scope on a `manage` route: {} for the admin key, {tenant} for a tenant token. */
export const scopeOf = (request: FastifyRequest): Scope => scopes.get(request) ?? ADMIN_SCOPE;

export function createAuth(keys: { adminKey: string; publishKey: string }): Auth {
  const tenantTokens = new TenantTokens(keys.adminKey);
  const expected: Record<KeyRole, Buffer> = {
    admin: digest(keys.adminKey),
    publish: digest(keys.publishKey),
  };
  const matches = (given: Buffer, role: KeyRole) => timingSafeEqual(given, expected[role]);
  const hook =
    (roles: KeyRole[]): onRequestAsyncHookHandler =>
    async (request) => {
      const key = bearer(request);
      const given = digest(key);
      // Every role is compared, so timing does not tell which key was close.
      const ok = roles.map((role) => matches(given, role)).some(Boolean);
      if (!ok) {
        const needed = roles.length === 1 ? `the ${roles[0]} key` : 'the admin or publish key';
        const hint = looksLikeJwt(key) ? ' (a tenant token only manages its own subscriptions)' : '';
        throw new ApiError(401, 'unauthorized', `invalid key: this endpoint needs ${needed}${hint}`);
      }
    };
  const manage: onRequestAsyncHookHandler = async (request) => {
    const key = bearer(request);
    // The admin key first: it may itself contain dots and look like a JWT.
    if (matches(digest(key), 'admin')) return;
    if (!looksLikeJwt(key))
      throw new ApiError(
        401,
        'unauthorized',
        'invalid key: this endpoint needs the admin key or a tenant token',
      );
    const verified = await tenantTokens.verify(key);
    if ('refused' in verified) throw new ApiError(401, 'unauthorized', verified.refused);
    scopes.set(request, { tenant: verified.tenant });
  };
  const keyHook = hook(['admin', 'publish']);
  // The catalogue: either key, or a tenant token, whose self-service form lists the events.
  const any: onRequestAsyncHookHandler = async function (request, reply) {
    const key = bearer(request);
    if (looksLikeJwt(key) && !matches(digest(key), 'admin') && !matches(digest(key), 'publish')) {
      const verified = await tenantTokens.verify(key);
      if ('refused' in verified) throw new ApiError(401, 'unauthorized', verified.refused);
      return;
    }
    return keyHook.call(this, request, reply);
  };
  return {
    admin: hook(['admin']),
    publish: hook(['publish']),
    any,
    manage,
    tenantTokens,
  };
}
