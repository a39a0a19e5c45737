// Change routes (publish key). The answer waits until the changes are signalled to every
// matching subscription workflow, so 202 means durably recorded; a 503 is safe to retry
// because the workflows merge changes by key.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { checkTemplates, type ChangeUrlRules } from '../../service/change-urls';
import { normalizeChange } from '../../service/publish-input';
import { notFound } from '../../service/errors';
import { isSubscriptionId } from '../../../core/ids';
import { PUBLISH, type ApiContext } from '../context';
import { errorResponses, idParams } from '../schemas';
import { publishResult } from '../response-schemas';

const tags = ['changes'];

export const changeRoutes: FastifyPluginAsyncZod<{ ctx: ApiContext }> = async (app, { ctx }) => {
  const { auth, changes, schemas, config, catalog } = ctx;
  const urls: ChangeUrlRules = {
    apiBaseUrl: config.apiBaseUrl,
    policy: config.changeUrls,
    urlTemplate: (object) => catalog.urlTemplate(object),
  };
  checkTemplates(catalog.objects(), urls);
  const limit = `The body may take at most ${config.http.bodyLimit} bytes (413 above); 1–1000 changes.`;

  app.post('/v1/changes', {
    onRequest: auth.publish,
    schema: {
      tags,
      security: PUBLISH,
      summary: 'Publish changes to every subscription whose events match',
      description: `${limit} One invalid change rejects the whole request.`,
      body: schemas.change.body,
      response: { 202: publishResult, ...errorResponses(400, 401, 413, 415, 503) },
    },
    handler: async (request, reply) => {
      const normalized = request.body.changes.map((c) => normalizeChange(c, urls));
      return reply.code(202).send(await changes.publish(normalized));
    },
  });

  app.post('/v1/subscriptions/:id/changes', {
    onRequest: auth.publish,
    schema: {
      tags,
      security: PUBLISH,
      summary: 'Publish changes to one subscription, whatever its events',
      description: `${limit} Personal data and details are still filtered.`,
      params: idParams,
      body: schemas.change.body,
      response: { 202: publishResult, ...errorResponses(400, 401, 404, 409, 413, 415, 503) },
    },
    handler: async (request, reply) => {
      if (!isSubscriptionId(request.params.id)) throw notFound('subscription');
      const normalized = request.body.changes.map((c) => normalizeChange(c, urls));
      return reply.code(202).send(await changes.publishTo(request.params.id, normalized));
    },
  });
};
