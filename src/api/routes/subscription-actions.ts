// Actions on one subscription: pause, resume, rotate its secret, its deliveries, redeliver.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ADMIN, type ApiContext } from '../context';
import {
  deliveryOut,
  deliveryParams,
  errorResponses,
  idParams,
  publicSubscription,
  rotatedSubscription,
} from '../schemas';

const tags = ['subscriptions'];

export const subscriptionActionRoutes: FastifyPluginAsyncZod<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { auth, subscriptions, deliveries } = ctx;

  app.post('/v1/subscriptions/:id/pause', {
    onRequest: auth.admin,
    schema: {
      tags,
      security: ADMIN,
      summary: 'Pause deliveries',
      description: 'Changes keep merging; nothing is sent until resumed.',
      params: idParams,
      response: { 200: publicSubscription, ...errorResponses(400, 401, 404, 409, 413, 415, 503) },
    },
    handler: async (request) => subscriptions.pause(request.params.id),
  });

  app.post('/v1/subscriptions/:id/resume', {
    onRequest: auth.admin,
    schema: {
      tags,
      security: ADMIN,
      summary: 'Resume deliveries',
      params: idParams,
      response: { 200: publicSubscription, ...errorResponses(400, 401, 404, 409, 413, 415, 503) },
    },
    handler: async (request) => subscriptions.resume(request.params.id),
  });

  app.post('/v1/subscriptions/:id/rotate-secret', {
    onRequest: auth.admin,
    schema: {
      tags,
      security: ADMIN,
      summary: 'Rotate the signing secret',
      description: 'Answers the new secret once. For 24 h deliveries carry signatures for both secrets.',
      params: idParams,
      response: { 200: rotatedSubscription, ...errorResponses(400, 401, 404, 409, 413, 415, 503) },
    },
    handler: async (request) => subscriptions.rotateSecret(request.params.id),
  });

  app.get('/v1/subscriptions/:id/deliveries', {
    onRequest: auth.admin,
    schema: {
      tags,
      security: ADMIN,
      summary: 'Recent deliveries, newest first',
      params: idParams,
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
      response: { 200: z.object({ items: z.array(deliveryOut) }), ...errorResponses(400, 401, 404, 503) },
    },
    handler: async (request) => ({ items: await deliveries.list(request.params.id, request.query.limit) }),
  });

  app.post('/v1/subscriptions/:id/deliveries/:deliveryId/redeliver', {
    onRequest: auth.admin,
    schema: {
      tags,
      security: ADMIN,
      summary: 'Redeliver an ended delivery',
      description:
        "The delivery's changes are merged into the pending batch again. 409 while it is in flight.",
      params: deliveryParams,
      response: {
        202: z.object({ deliveryId: z.string(), pendingChanges: z.number() }),
        ...errorResponses(400, 401, 404, 409, 413, 415, 503),
      },
    },
    handler: async (request, reply) =>
      reply.code(202).send(await deliveries.redeliver(request.params.id, request.params.deliveryId)),
  });
};
