// Temporal codec server (issue 6): lets the Temporal Web UI show the encrypted payloads to an
// operator who holds the admin key. The JSON shape is Temporal's: base64 for every byte field.
import cors from '@fastify/cors';
import type { Payload, PayloadCodec } from '@temporalio/common';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../service/errors';
import { ADMIN, type ApiContext } from '../context';
import { errorResponses } from '../schemas';

// Standard or URL-safe alphabet: proto3 JSON readers accept both.
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'must be base64');
const payloadJson = z.object({ metadata: z.record(z.string(), base64).optional(), data: base64.optional() });
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
  await app.register(cors, {
    origin: uiOrigins(ctx.config.uiPort),
    methods: ['POST', 'OPTIONS'],
    credentials: true,
    maxAge: 600,
  });

  for (const op of ['decode', 'encode'] as const) {
    app.post(`/codec/${op}`, {
      onRequest: ctx.auth.admin,
      schema: {
        tags: ['operations'],
        security: ADMIN,
        summary: `Temporal codec server: ${op} payloads`,
        body: payloadsBody,
        response: { 200: payloadsBody, ...errorResponses(400, 401, 413, 415) },
      },
      handler: async (request) => {
        let out: Payload[];
        try {
          out = await codec[op](request.body.payloads.map(fromJson));
        } catch {
          // A wrong or unknown key, or tampered data: the operator's input, not our failure.
          throw new ApiError(400, 'invalid_payload', `the payloads could not be ${op}d`);
        }
        return { payloads: out.map(toJson) };
      },
    });
  }
};
