// Touches on the generated OpenAPI document that route schemas cannot express.

/** Marks an operation whose JSON body may be left out (@fastify/swagger makes every body required). */
export const OPTIONAL_BODY = 'x-optional-body';

type Operation = Record<string, unknown> & { requestBody?: { required?: boolean } };

export function optionalBodies(doc: { openapiObject?: object; swaggerObject?: object }): object {
  const api = (doc.openapiObject ?? doc.swaggerObject)! as {
    paths?: Record<string, Record<string, Operation>>;
  };
  for (const methods of Object.values(api.paths ?? {}))
    for (const op of Object.values(methods)) {
      if (!op[OPTIONAL_BODY]) continue;
      delete op[OPTIONAL_BODY];
      if (op.requestBody) op.requestBody.required = false;
    }
  return api;
}
