// The OpenAPI 3.1 document the routes' zod schemas generate, served at /openapi.json with its UI
// at /docs: the document's header, the shared schemas and the ways to authenticate.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import pkg from '../../package.json';
import { JSON_SCHEMAS } from './change-schemas';
import { optionalBodies } from './openapi-transform';

/** Before the routes: the document takes in each route as it is added. */
export async function registerOpenApi(app: FastifyInstance, bodyLimit: number): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Herald',
        version: pkg.version,
        description:
          'Durable, signed, bundled webhooks on Temporal. Errors are {error, message, details?}. ' +
          `Request bodies are JSON, at most ${bodyLimit} bytes (413 payload_too_large above).`,
      },
      components: {
        // The plugin types components as OpenAPI 3.0 (no type arrays, no propertyNames); the
        // document is 3.1, where these are valid JSON Schema.
        schemas: JSON_SCHEMAS as never,
        securitySchemes: {
          adminKey: { type: 'http', scheme: 'bearer', description: 'HERALD_ADMIN_KEY' },
          tenantToken: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'JWT',
            description:
              "A tenant token from POST /v1/tenants/{tenant}/tokens: that tenant's subscriptions only (any other is a 404).",
          },
          publishKey: { type: 'http', scheme: 'bearer', description: 'HERALD_PUBLISH_KEY' },
        },
      },
    },
    transform: jsonSchemaTransform,
    transformObject: optionalBodies,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
