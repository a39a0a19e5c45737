// The one error handler: every failure leaves as {error, message, details?} with a stable
// snake_case code. 4xx messages explain; 5xx messages reveal nothing (the log has the cause).
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiError, fromTemporal } from '../service/errors';

export { ApiError };

export interface ErrorBody {
  error: string;
  message: string;
  details?: unknown[];
}

/** "/changes/0/id" → ["changes", 0, "id"]: zod's own issue path. */
function pathOf(instancePath: string): (string | number)[] {
  return instancePath
    .split('/')
    .filter((s) => s !== '')
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function toApiError(err: unknown, bodyLimit: number): ApiError {
  if (err instanceof ApiError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as { validationContext?: string }).validationContext ?? 'body';
    const details = err.validation.map((v) => ({
      in: where,
      path: pathOf(v.instancePath),
      code: v.keyword,
      message: v.message,
    }));
    const first = details[0]!;
    const at = first.path.length ? `${where}.${first.path.join('.')}` : where;
    const more =
      details.length > 1 ? ` (and ${details.length - 1} more issue${details.length > 2 ? 's' : ''})` : '';
    return new ApiError(400, 'validation_error', `${at}: ${first.message}${more}`, details);
  }
  const mapped = fromTemporal(err);
  if (mapped instanceof ApiError) return mapped;
  const fe = err as Partial<FastifyError>;
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(413, 'payload_too_large', `the body exceeds the limit of ${bodyLimit} bytes`);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new ApiError(415, 'unsupported_media_type', 'send the body as application/json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new ApiError(400, 'bad_request', fe.message ?? 'bad request');
  }
  const status = fe.statusCode ?? 500;
  if (status === 404) return new ApiError(404, 'not_found', 'not found');
  if (status >= 400 && status < 500) return new ApiError(status, 'bad_request', fe.message ?? 'bad request');
  return new ApiError(500, 'internal_error', 'internal error');
}

export function installErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const e = toApiError(err, bodyLimit);
    if (e.statusCode >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: e.code, statusCode: e.statusCode }, e.message);
    const body: ErrorBody = { error: e.code, message: e.message };
    if (e.details && e.statusCode < 500) body.details = e.details;
    if (e.statusCode === 401) void reply.header('www-authenticate', 'Bearer');
    return reply.code(e.statusCode).type('application/json; charset=utf-8').send(body);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    return reply
      .code(404)
      .send({ error: 'not_found', message: `no route ${request.method} ${path}` } satisfies ErrorBody);
  });
}

/**
 * Only JSON bodies (anything else is 415). An empty body counts as none, so a POST to
 * /pause with `content-type: application/json` and no body is fine; bad JSON is invalid_json.
 */
export function installJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    void parse(request, text, (err, value) => {
      if (err) done(new ApiError(400, 'invalid_json', 'the body is not valid JSON'), undefined);
      else done(null, value);
    });
  });
}
