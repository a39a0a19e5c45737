// Actions on one subscription: pause, resume, rotate its secret, its deliveries, redeliver.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { scopeOf } from '../auth';
import { ADMIN, MANAGE, type ApiContext } from '../context';
import type { Scope } from '../../service/subscription-types';
import { deliveryParams, errorResponses, idParams } from '../schemas';
import {
  deliveryOut,
  publicSubscription,
  rotatedSubscription,
  subscriptionDetail,
} from '../response-schemas';

const tags = ['subscriptions'];

const recoverBody = z.strictObject({
  since: z.iso.datetime({ offset: true }).describe('Failed deliveries that started at or after this'),
  until: z.iso
    .datetime({ offset: true })
    .optional()
    .describe('… and before this (default: now; not after since: an empty range, nothing taken)'),
});

type App = Parameters<FastifyPluginAsyncZod>[0];

/** One POST /v1/subscriptions/:id/<path>: no body, the service's answer as the 200. */
interface Action {
  path: string;
  /** Restore is for the admin key only; the others for a tenant token too. */
  adminOnly?: boolean;
  summary: string;
  description?: string;
  response: z.ZodType;
  run: (ctx: ApiContext, id: string, scope: Scope) => Promise<unknown>;
}

const ACTIONS: Action[] = [
  {
    path: 'pause',
    summary: 'Pause deliveries',
    description: 'Changes keep merging; nothing is sent until resumed.',
    response: publicSubscription,
    run: (ctx, id, scope) => ctx.subscriptions.pause(id, scope),
  },
  {
    path: 'resume',
    summary: 'Resume deliveries',
    response: publicSubscription,
    run: (ctx, id, scope) => ctx.subscriptions.resume(id, scope),
  },
  {
    path: 'rotate-secret',
    summary: 'Rotate the signing secret',
    description: 'Answers the new secret once. For 24 h deliveries carry signatures for both secrets.',
    response: rotatedSubscription,
    run: (ctx, id, scope) => ctx.subscriptions.rotateSecret(id, scope),
  },
  {
    path: 'restore',
    adminOnly: true,
    summary: 'Restore a broken subscription',
    description:
      'For a subscription whose workflow was closed outside Herald (state broken): resets the workflow ' +
      'to its last completed workflow task, re-applying every change received after it. 409 if not broken.',
    response: subscriptionDetail,
    run: (ctx, id) => ctx.subscriptions.restore(id),
  },
];

function actionRoute(app: App, ctx: ApiContext, action: Action): void {
  const { path, adminOnly, summary, description, response, run } = action;
  app.post(`/v1/subscriptions/:id/${path}`, {
    onRequest: adminOnly ? ctx.auth.admin : ctx.auth.manage,
    schema: {
      tags,
      security: adminOnly ? ADMIN : MANAGE,
      summary,
      ...(description === undefined ? {} : { description }),
      params: idParams,
      response: { 200: response, ...errorResponses(400, 401, 404, 409, 413, 415, 503) },
    },
    handler: async (request) => run(ctx, request.params.id, scopeOf(request)),
  });
}

export const subscriptionActionRoutes: FastifyPluginAsyncZod<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { auth, deliveries } = ctx;

  for (const action of ACTIONS) actionRoute(app, ctx, action);

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

  app.post('/v1/subscriptions/:id/recover', {
    onRequest: auth.manage,
    schema: {
      tags,
      security: MANAGE,
      summary: 'Recover every failed delivery of a time range',
      description:
        'Puts the changes of every failed delivery that started in [since, until) back into the pending batch, ' +
        'merged by key in delivery order; a change pending now wins over an older failed one. Among the ' +
        '100 most recent deliveries the subscription keeps. A disabled subscription stays disabled and sends ' +
        'them once resumed.',
      params: idParams,
      body: recoverBody,
      response: {
        202: z.object({
          deliveries: z.number().describe('Failed deliveries whose changes were put back'),
          changes: z.number().describe('Their changes, before merging by key'),
          unavailable: z
            .number()
            .describe('Failed deliveries in the range whose changes are gone (retention)'),
          pendingChanges: z.number(),
        }),
        ...errorResponses(400, 401, 404, 413, 415, 503),
      },
    },
    handler: async (request, reply) =>
      reply.code(202).send(await deliveries.recover(request.params.id, request.body, scopeOf(request))),
  });
};
