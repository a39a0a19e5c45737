// Right to erasure (issue 29): the admin key starts an erasure of one or more keys and reads its
// progress and report. Durable and idempotent: a workflow, whose id the keys determine.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { EraseKey } from '../../../core/erase';
import type { ErasureService } from '../../service/erasures';
import { ADMIN, type ApiContext } from '../context';
import { erasureBody, erasureOut, erasureParams } from '../erasure-schemas';
import { errorResponses } from '../schemas';

export const erasureRoutes: FastifyPluginAsyncZod<{ ctx: ApiContext; erasures: ErasureService }> = async (
  app,
  { ctx, erasures },
) => {
  const { auth } = ctx;

  app.post('/v1/erasures', {
    onRequest: auth.admin,
    schema: {
      tags: ['erasures'],
      security: ADMIN,
      summary: 'Erase an object from everything Herald holds',
      description:
        'Removes the key(s) from every subscription (pending, queued and retained changes, deliveries not yet ' +
        'delivered) and deletes the workflow histories that held them; the other keys stay delivered or ' +
        'redeliverable. The same keys name the same erasure: asked again while it runs, the same one answers; ' +
        'asked again after it ended, it runs again. Its progress and report: GET /v1/erasures/{id}.',
      body: erasureBody,
      response: {
        202: z.object({ id: z.string().describe('Erasure id, era_ + 24 characters') }),
        ...errorResponses(400, 401, 413, 415),
      },
    },
    handler: async (request, reply) => {
      const body = request.body;
      const keys: EraseKey[] = 'keys' in body ? body.keys : [body];
      return reply.code(202).send(await erasures.start(keys));
    },
  });

  app.get('/v1/erasures/:id', {
    onRequest: auth.admin,
    schema: {
      tags: ['erasures'],
      security: ADMIN,
      summary: "An erasure's progress and report",
      description: 'Counts per place erased; never a key or a change.',
      params: erasureParams,
      response: { 200: erasureOut, ...errorResponses(401, 404) },
    },
    handler: async (request) => erasures.get(request.params.id),
  });
};
