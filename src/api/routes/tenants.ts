// Tenant tokens (issue 17): the admin key issues a short-lived token for one tenant, which a
// publisher hands to that tenant's self-service page. The token manages that tenant's
// subscriptions and their deliveries only; it cannot publish, use the codec or issue tokens.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { OPTIONAL_BODY } from '../openapi-transform';
import { ADMIN, type ApiContext } from '../context';
import { tenantName } from '../routing-schemas';
import { errorResponses } from '../schemas';
import { TENANT_TOKEN_TTL } from '../tenant-tokens';

const { defaultSeconds, minSeconds, maxSeconds } = TENANT_TOKEN_TTL;

export const tenantRoutes: FastifyPluginAsyncZod<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { auth } = ctx;

  app.post('/v1/tenants/:tenant/tokens', {
    onRequest: auth.admin,
    schema: {
      tags: ['tenants'],
      security: ADMIN,
      summary: 'Issue a tenant token',
      description:
        "A JWT (HS256) for one tenant: create, read, list, change, pause, resume, rotate, delete and redeliver that tenant's " +
        "subscriptions and read their deliveries; every other tenant's subscription is a 404 to it. It cannot publish, use " +
        'the codec or issue tokens. Revocation: it expires; changing HERALD_ADMIN_KEY revokes every token at once.',
      params: z.object({ tenant: tenantName }),
      [OPTIONAL_BODY]: true,
      body: z
        .strictObject({
          ttlSeconds: z
            .number()
            .int()
            .min(minSeconds)
            .max(maxSeconds)
            .default(defaultSeconds)
            .describe(`Lifetime in seconds, ${minSeconds}–${maxSeconds}; default ${defaultSeconds}`),
        })
        // No body at all is fine: the default lifetime.
        .nullish(),
      response: {
        201: z.object({
          token: z.string().describe('Send as "authorization: Bearer <token>"'),
          tokenType: z.literal('Bearer'),
          tenant: z.string(),
          expiresAt: z.string().describe('ISO 8601; the token is refused (401) from then on'),
        }),
        ...errorResponses(400, 401, 413, 415),
      },
    },
    handler: async (request, reply) => {
      const ttl = request.body?.ttlSeconds ?? defaultSeconds;
      return reply.code(201).send(await auth.tenantTokens.issue(request.params.tenant, ttl));
    },
  });
};
