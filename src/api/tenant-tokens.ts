// Tenant tokens (issue 17): short-lived JWTs (HS256, via `jose`) that let one tenant manage its
// own subscriptions, e.g. from a publisher's self-service page. The signing key is derived from
// the admin key with HKDF, so nothing new has to be stored or distributed, and changing the admin
// key revokes every token at once. Otherwise a token lives until it expires: keep TTLs short.
import { hkdfSync, randomUUID } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { NAME_PATTERN } from '../service/routing-rules';

export const TENANT_TOKEN_TTL = { defaultSeconds: 3600, minSeconds: 60, maxSeconds: 24 * 3600 } as const;

const ISSUER = 'herald';
const AUDIENCE = 'herald:tenant';
const ALG = 'HS256';

/** 32 bytes for HS256, bound by `info` to this one use so the admin key signs nothing else. */
export function tenantTokenKey(adminKey: string): Uint8Array {
  return new Uint8Array(hkdfSync('sha256', adminKey, 'herald', 'herald tenant token v1', 32));
}

export interface IssuedTenantToken {
  token: string;
  tokenType: 'Bearer';
  tenant: string;
  expiresAt: string;
}

/** A JWT has three base64url parts; anything else is not worth verifying. */
export const looksLikeJwt = (value: string): boolean => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(value);

export class TenantTokens {
  private readonly key: Uint8Array;
  private readonly now: () => number;

  constructor(adminKey: string, opts: { now?: () => number } = {}) {
    this.key = tenantTokenKey(adminKey);
    this.now = opts.now ?? Date.now;
  }

  async issue(
    tenant: string,
    ttlSeconds: number = TENANT_TOKEN_TTL.defaultSeconds,
  ): Promise<IssuedTenantToken> {
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + ttlSeconds;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: ALG, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(tenant)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.key);
    return { token, tokenType: 'Bearer', tenant, expiresAt: new Date(exp * 1000).toISOString() };
  }

  /**
   * The token's tenant, or a reason why it is refused (expired, bad signature — including one
   * made with a previous admin key —, wrong issuer or audience, malformed).
   */
  async verify(token: string): Promise<{ tenant: string } | { refused: string }> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALG],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['sub', 'exp', 'iat'],
        currentDate: new Date(this.now()),
      });
      const tenant = payload.sub;
      if (typeof tenant !== 'string' || !NAME_PATTERN.test(tenant)) return { refused: 'malformed tenant' };
      return { tenant };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) return { refused: 'tenant token expired' };
      return { refused: 'invalid tenant token' };
    }
  }
}
