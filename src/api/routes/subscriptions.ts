// Configuration routes: create, list, read, change and delete subscriptions (docs/contract.md §2).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeOf } from '../auth';
import { MANAGE, type ApiContext } from '../context';
import { subscriptionTenant } from '../routing-schemas';
import { errorResponses, idParams } from '../schemas';
import { createdSubscription, publicSubscription, subscriptionDetail } from '../response-schemas';

const tags = ['subscriptions'];

export const subscriptionRoutes: FastifyPluginAsyncZod<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { auth, subscriptions, schemas } = ctx;

  app.post('/v1/subscriptions', {
    onRequest: auth.manage,
    schema: {
      tags,
      security: MANAGE,
      summary: 'Create a subscription',
      description:
        'Starts the subscription workflow. token and signingSecret are shown in this answer only. ' +
        "With a tenant token, tenant is the token's own (given or not).",
      body: schemas.subscription.create,
      response: { 201: createdSubscription, ...errorResponses(400, 401, 413, 415, 503) },
    },
    handler: async (request, reply) =>
      reply.code(201).send(await subscriptions.create(request.body, scopeOf(request))),
  });

  app.get('/v1/subscriptions', {
    onRequest: auth.manage,
    schema: {
      tags,
      security: MANAGE,
      summary: 'List subscriptions',
      description:
        "Newest first, from Temporal visibility; secrets are never shown. A tenant token lists its tenant's only.",
      querystring: z.strictObject({
        tenant: subscriptionTenant.optional().describe('Only subscriptions whose tenant is exactly this'),
      }),
      response: { 200: z.object({ items: z.array(publicSubscription) }), ...errorResponses(400, 401, 503) },
    },
    handler: async (request) => ({ items: await subscriptions.list(scopeOf(request), request.query) }),
  });

  app.get('/v1/subscriptions/:id', {
    onRequest: auth.manage,
    schema: {
      tags,
      security: MANAGE,
      summary: 'Read a subscription and its live status',
      params: idParams,
      response: { 200: subscriptionDetail, ...errorResponses(401, 404, 503) },
    },
    handler: async (request) => subscriptions.get(request.params.id, scopeOf(request)),
  });

  app.patch('/v1/subscriptions/:id', {
    onRequest: auth.manage,
    schema: {
      tags,
      security: MANAGE,
      summary: 'Change a subscription',
      description:
        'Any creation field; batching and retry may be partial. A new signingSecret starts a 24 h overlap.',
      params: idParams,
      body: schemas.subscription.patch,
      response: { 200: publicSubscription, ...errorResponses(400, 401, 404, 409, 413, 415, 503) },
    },
    handler: async (request) => subscriptions.patch(request.params.id, request.body, scopeOf(request)),
  });

  app.delete('/v1/subscriptions/:id', {
    onRequest: auth.manage,
    schema: {
      tags,
      security: MANAGE,
      summary: 'Delete a subscription',
      description: 'Ends the workflow; later changes are not routed to it.',
      params: idParams,
      response: { 204: z.null().describe('Deleted'), ...errorResponses(400, 401, 404, 413, 415, 503) },
    },
    handler: async (request, reply) => {
      await subscriptions.delete(request.params.id, scopeOf(request));
      return reply.code(204).send(null);
    },
  });
};
