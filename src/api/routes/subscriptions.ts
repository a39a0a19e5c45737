// Configuration routes: create, list, read, change and delete subscriptions (contract §2).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ADMIN, type ApiContext } from '../context';
import {
  createdSubscription,
  errorResponses,
  idParams,
  publicSubscription,
  subscriptionDetail,
} from '../schemas';

const tags = ['subscriptions'];

export const subscriptionRoutes: FastifyPluginAsyncZod<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { auth, subscriptions, schemas } = ctx;

  app.post('/v1/subscriptions', {
    onRequest: auth.admin,
    schema: {
      tags,
      security: ADMIN,
      summary: 'Create a subscription',
      description: 'Starts the subscription workflow. token and signingSecret are shown in this answer only.',
      body: schemas.subscription.create,
      response: { 201: createdSubscription, ...errorResponses(400, 401, 413, 415, 503) },
    },
    handler: async (request, reply) => reply.code(201).send(await subscriptions.create(request.body)),
  });

  app.get('/v1/subscriptions', {
    onRequest: auth.admin,
    schema: {
      tags,
      security: ADMIN,
      summary: 'List subscriptions',
      description: 'Newest first, from Temporal visibility; secrets are never shown.',
      response: { 200: z.object({ items: z.array(publicSubscription) }), ...errorResponses(401, 503) },
    },
    handler: async () => ({ items: await subscriptions.list() }),
  });

  app.get('/v1/subscriptions/:id', {
    onRequest: auth.admin,
    schema: {
      tags,
      security: ADMIN,
      summary: 'Read a subscription and its live status',
      params: idParams,
      response: { 200: subscriptionDetail, ...errorResponses(401, 404, 503) },
    },
    handler: async (request) => subscriptions.get(request.params.id),
  });

  app.patch('/v1/subscriptions/:id', {
    onRequest: auth.admin,
    schema: {
      tags,
      security: ADMIN,
      summary: 'Change a subscription',
      description:
        'Any creation field; batching and retry may be partial. A new signingSecret starts a 24 h overlap.',
      params: idParams,
      body: schemas.subscription.patch,
      response: { 200: publicSubscription, ...errorResponses(400, 401, 404, 409, 413, 415, 503) },
    },
    handler: async (request) => subscriptions.patch(request.params.id, request.body),
  });

  app.delete('/v1/subscriptions/:id', {
    onRequest: auth.admin,
    schema: {
      tags,
      security: ADMIN,
      summary: 'Delete a subscription',
      description: 'Ends the workflow; later changes are not routed to it.',
      params: idParams,
      response: { 204: z.null().describe('Deleted'), ...errorResponses(400, 401, 404, 413, 415, 503) },
    },
    handler: async (request, reply) => {
      await subscriptions.delete(request.params.id);
      return reply.code(204).send(null);
    },
  });
};
