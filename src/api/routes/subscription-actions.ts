// Actions on one subscription: pause, resume, rotate its secret, its deliveries, redeliver.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeOf } from '../auth';
import { ADMIN, MANAGE, type ApiContext } from '../context';
import {
  deliveryOut,
  deliveryParams,
  errorResponses,
  idParams,
  publicSubscription,
  rotatedSubscription,
  subscriptionDetail,
} from '../schemas';

const tags = ['subscriptions'];

export const subscriptionActionRoutes: FastifyPluginAsyncZod<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { auth, subscriptions, deliveries } = ctx;

  app.post('/v1/subscriptions/:id/pause', {
    onRequest: auth.manage,
    schema: {
      tags,
      security: MANAGE,
      summary: 'Pause deliveries',
      description: 'Changes keep merging; nothing is sent until resumed.',
      params: idParams,
      response: { 200: publicSubscription, ...errorResponses(400, 401, 404, 409, 413, 415, 503) },
    },
    handler: async (request) => subscriptions.pause(request.params.id, scopeOf(request)),
  });

  app.post('/v1/subscriptions/:id/resume', {
    onRequest: auth.manage,
    schema: {
      tags,
      security: MANAGE,
      summary: 'Resume deliveries',
      params: idParams,
      response: { 200: publicSubscription, ...errorResponses(400, 401, 404, 409, 413, 415, 503) },
    },
    handler: async (request) => subscriptions.resume(request.params.id, scopeOf(request)),
  });

  app.post('/v1/subscriptions/:id/rotate-secret', {
    onRequest: auth.manage,
    schema: {
      tags,
      security: MANAGE,
      summary: 'Rotate the signing secret',
      description: 'Answers the new secret once. For 24 h deliveries carry signatures for both secrets.',
      params: idParams,
      response: { 200: rotatedSubscription, ...errorResponses(400, 401, 404, 409, 413, 415, 503) },
    },
    handler: async (request) => subscriptions.rotateSecret(request.params.id, scopeOf(request)),
  });

  app.post('/v1/subscriptions/:id/restore', {
    onRequest: auth.admin,
    schema: {
      tags,
      security: ADMIN,
      summary: 'Restore a broken subscription',
      description:
        'For a subscription whose workflow was closed outside Herald (state broken): resets the workflow ' +
        'to its last completed workflow task, re-applying every change received after it. 409 if not broken.',
      params: idParams,
      response: { 200: subscriptionDetail, ...errorResponses(400, 401, 404, 409, 413, 415, 503) },
    },
    handler: async (request) => subscriptions.restore(request.params.id),
  });

  app.get('/v1/subscriptions/:id/deliveries', {
    onRequest: auth.manage,
    schema: {
      tags,
      security: MANAGE,
      summary: 'Recent deliveries, newest first',
      params: idParams,
      querystring: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20) }),
      response: {
        200: z.object({
          items: z.array(deliveryOut),
          pendingChanges: z.number().describe('Distinct keys waiting in the open window'),
          queuedBatches: z.number().describe('Batches sealed out of a large backlog, waiting in order'),
          queuedChanges: z.number().describe('Changes in the queued batches'),
        }),
        ...errorResponses(400, 401, 404, 503),
      },
    },
    handler: async (request) => deliveries.list(request.params.id, request.query.limit, scopeOf(request)),
  });

  app.post('/v1/subscriptions/:id/deliveries/:deliveryId/redeliver', {
    onRequest: auth.manage,
    schema: {
      tags,
      security: MANAGE,
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
      reply
        .code(202)
        .send(await deliveries.redeliver(request.params.id, request.params.deliveryId, scopeOf(request))),
  });
};
