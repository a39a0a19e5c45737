// Operational and reference routes: health, readiness, metrics and the event catalogue.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ANY, type ApiContext } from '../context';
import { errorResponses } from '../schemas';

/** Readiness must answer fast enough for a load balancer's probe. */
const READY_TIMEOUT_MS = 2000;

export const opsRoutes: FastifyPluginAsyncZod<{
  ctx: ApiContext;
  /** Why Temporal is not set up for Herald (undefined: ready); rejects if it does not answer in time. */
  setupProblem: (timeoutMs: number) => Promise<string | undefined>;
}> = async (app, { ctx, setupProblem }) => {
  app.get('/v1/event-types', {
    onRequest: ctx.auth.any,
    schema: {
      tags: ['catalogue'],
      security: ANY,
      summary: 'The event catalogue',
      description:
        'Each event with the dotted data paths that are personal data (pii) or details, and the url ' +
        'template of its object; `objects` lists every object with a template. A change without ' +
        "`url` gets HERALD_API_BASE_URL + its object's template with {id} percent-encoded, or " +
        '/<object>s/<id> when its object has none.',
      response: {
        200: z.object({
          items: z.array(
            z.object({
              name: z.string(),
              description: z.string(),
              pii: z.array(z.string()),
              details: z.array(z.string()),
              urlTemplate: z
                .string()
                .optional()
                .describe('Template of the object the name starts with, when the catalogue gives one'),
            }),
          ),
          objects: z.array(z.object({ name: z.string(), urlTemplate: z.string() })),
        }),
        ...errorResponses(401),
      },
    },
    handler: async () => {
      const { catalog } = ctx;
      const items = catalog.list().map((e) => {
        const urlTemplate = catalog.urlTemplate(e.name.slice(0, e.name.indexOf('.')));
        return urlTemplate === undefined ? e : { ...e, urlTemplate };
      });
      return { items, objects: catalog.objects() };
    },
  });

  app.get('/healthz', {
    schema: {
      tags: ['operations'],
      summary: 'The process is up',
      response: { 200: z.object({ status: z.literal('ok') }), ...errorResponses() },
    },
    handler: async () => ({ status: 'ok' as const }),
  });

  app.get('/readyz', {
    schema: {
      tags: ['operations'],
      summary: 'Temporal is reachable, with the namespace and search attributes Herald needs',
      response: { 200: z.object({ status: z.literal('ready') }), ...errorResponses(503) },
    },
    handler: async (request, reply) => {
      try {
        // The namespace and the search attributes, not just a frontend that answers: without
        // them every subscription request would fail, so the instance must not take traffic.
        const problem = await setupProblem(READY_TIMEOUT_MS);
        if (problem) {
          request.log.warn(`readiness check: ${problem}`);
          return reply.code(503).send({ error: 'temporal_not_set_up', message: problem });
        }
        return { status: 'ready' as const };
      } catch (err) {
        request.log.warn({ err }, 'readiness check: Temporal not reachable');
        return reply.code(503).send({ error: 'temporal_unavailable', message: 'Temporal cannot be reached' });
      }
    },
  });

  app.get('/metrics', {
    schema: {
      tags: ['operations'],
      summary: 'Prometheus metrics (text format)',
      response: {
        200: {
          description: 'Prometheus text exposition format',
          content: { 'text/plain': { schema: z.string() } },
        },
        ...errorResponses(),
      },
    },
    handler: async (_request, reply) => {
      const text = await ctx.metrics.registry.metrics();
      return reply.type(ctx.metrics.registry.contentType).send(text);
    },
  });
};
