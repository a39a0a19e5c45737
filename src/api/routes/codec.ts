// Temporal codec server (issue 6): lets the Temporal Web UI show the encrypted payloads to an
// operator who holds the admin key. The JSON shape is Temporal's: base64 for every byte field.
//
// Two ways in: `authorization: Bearer <admin key>` on /codec/decode|encode (CLI, scripts), and
// /codec/ui/<token>/decode|encode for the Temporal UI, which cannot send our bearer header. The
// token is an HMAC of the admin key, so a token seen in a UI setting, a process list or a
// browser's history neither is nor reveals the admin key, and it changes when the key does.
import { timingSafeEqual } from 'node:crypto';
import cors from '@fastify/cors';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../service/errors';
import { codecUiToken } from '../../temporal/codec';
import { digest } from '../auth';
import { ADMIN, type ApiContext } from '../context';
import { ERROR_CODES, errorResponses, errorSchema } from '../schemas';

// Standard or URL-safe alphabet: proto3 JSON readers accept both.
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
// A "__proto__" key is refused by the JSON parser (invalid_json); the document says so.
const metadata = z.record(z.string(), base64).meta({ propertyNames: { not: { const: '__proto__' } } });
const payloadJson = z.object({ metadata: metadata.optional(), data: base64.optional() });
const payloadsBody = z.object({ payloads: z.array(payloadJson).max(10_000) });
type PayloadJson = z.infer<typeof payloadJson>;

const fromJson = (p: PayloadJson): Payload => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')]),
  ),
  data: p.data === undefined ? undefined : Buffer.from(p.data, 'base64'),
});
const toJson = (p: Payload): PayloadJson => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: p.data ? Buffer.from(p.data).toString('base64') : undefined,
});

// The token sits in the path; the request log shows the route's shape instead.
const redactToken = (url: string) => url.replace(/\/codec\/ui\/[^/?#]*/, '/codec/ui/[redacted]');

/** The Temporal UI's origins: the default UI port and the configured one, by name and by IP. */
export function uiOrigins(uiPort: number): string[] {
  const ports = [...new Set([8233, uiPort].filter((p) => p > 0))];
  return ports.flatMap((p) => [`http://localhost:${p}`, `http://127.0.0.1:${p}`]);
}

export const codecRoutes: FastifyPluginAsyncZod<{ ctx: ApiContext; codec: PayloadCodec }> = async (
  app,
  { ctx, codec },
) => {
  // Registered inside this plugin, so CORS applies to the codec routes only.
  // The plugin's preflight route is "OPTIONS *", which catches every path of the app, so CORS is
  // switched off outside /codec/: an OPTIONS elsewhere then gets the app's 404 or 405 with Allow.
  const corsOptions = {
    origin: uiOrigins(ctx.config.uiPort),
    methods: ['POST', 'OPTIONS'],
    credentials: true,
    maxAge: 600,
    strictPreflight: false,
  };
  await app.register(
    cors,
    () => (request: FastifyRequest, done: (e: Error | null, o: object) => void) =>
      done(null, request.url.startsWith('/codec/') ? corsOptions : { origin: false }),
  );

  const expectedToken = digest(codecUiToken(ctx.config.adminKey));
  const uiToken: onRequestAsyncHookHandler = async (request) => {
    const { token } = request.params as { token?: string };
    if (!timingSafeEqual(digest(token ?? ''), expectedToken))
      throw new ApiError(401, 'unauthorized', 'invalid codec token');
  };

  const run = async (op: 'decode' | 'encode', payloads: PayloadJson[]) => {
    let out: Payload[];
    try {
      out = await codec[op](payloads.map(fromJson));
    } catch {
      // A wrong or unknown key, or tampered data: the operator's input, not our failure.
      throw new ApiError(400, 'invalid_payload', `the payloads could not be ${op}d`);
    }
    return { payloads: out.map(toJson) };
  };
  const response = {
    200: payloadsBody,
    ...errorResponses(400, 401, 413, 415),
    400: errorSchema([...ERROR_CODES[400], 'invalid_payload'], '400: … or invalid_payload'),
  };

  for (const op of ['decode', 'encode'] as const) {
    app.post(`/codec/${op}`, {
      onRequest: ctx.auth.admin,
      schema: {
        tags: ['operations'],
        security: ADMIN,
        summary: `Temporal codec server: ${op} payloads`,
        body: payloadsBody,
        response,
      },
      handler: async (request) => run(op, request.body.payloads),
    });
  }

  // The UI's routes, preflight included (CORS answers it in its hook, before any handler), so
  // every request that carries the token is logged through the redacting serializer.
  const logSerializers = {
    req: (req: FastifyRequest) => ({
      method: req.method,
      url: redactToken(req.url),
      host: req.host,
      remoteAddress: req.ip,
      remotePort: req.socket?.remotePort,
    }),
  };
  const uiPath = '/codec/ui/:token/:op';
  app.options(uiPath, { logSerializers, schema: { hide: true } }, async (_request, reply) =>
    reply.code(204).send(),
  );
  app.post(uiPath, {
    onRequest: uiToken,
    logSerializers,
    schema: {
      hide: true,
      params: z.object({ token: z.string(), op: z.enum(['decode', 'encode']) }),
      body: payloadsBody,
      response,
    },
    handler: async (request) => run(request.params.op, request.body.payloads),
  });
};
