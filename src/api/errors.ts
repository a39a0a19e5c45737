// The one error handler: every failure leaves as {error, message, details?} with a stable
// snake_case code. 4xx messages explain; 5xx messages reveal nothing (the log has the cause).
import type { Socket } from 'node:net';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiError, fromTemporal } from '../service/errors';
import { AllowedMethods } from './allowed-methods';

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
    case 'FST_ERR_BAD_URL':
      return new ApiError(400, 'bad_request', fe.message ?? 'bad request');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      // Unreachable with MAX_PARAM_LENGTH; should it happen, an over-long id is still unknown.
      return new ApiError(404, 'not_found', 'not found');
  }
  const status = fe.statusCode ?? 500;
  if (status === 404) return new ApiError(404, 'not_found', 'not found');
  if (status >= 400 && status < 500) return new ApiError(status, 'bad_request', fe.message ?? 'bad request');
  return new ApiError(500, 'internal_error', 'internal error');
}

/**
 * Longer than any request line Node accepts (16 KiB of headers), so the router never answers
 * 414 on its own: an over-long id reaches auth and then the same 404 as any unknown id.
 */
export const MAX_PARAM_LENGTH = 16 * 1024;

/** Fastify options that route its own early failures into the contract's error shape. */
export function errorServerOptions(bodyLimit: number): FastifyServerOptions {
  return {
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Errors raised before routing (bad percent-encoding): the same translation as any other.
    frameworkErrors: (err, request, reply) => sendError(err, request, reply, bodyLimit),
    clientErrorHandler,
    // Shutting down is answered by installErrorHandling's hook, in the contract's shape.
    return503OnClosing: false,
  };
}

function sendError(err: unknown, request: FastifyRequest, reply: FastifyReply, bodyLimit: number) {
  const e = toApiError(err, bodyLimit);
  if (e.statusCode >= 500) request.log.error({ err }, 'request failed');
  else request.log.info({ code: e.code, statusCode: e.statusCode }, e.message);
  const body: ErrorBody = { error: e.code, message: e.message };
  if (e.details && e.statusCode < 500) body.details = e.details;
  if (e.statusCode === 401) void reply.header('www-authenticate', 'Bearer');
  if (e.retryAfterSeconds !== undefined) void reply.header('retry-after', String(e.retryAfterSeconds));
  return reply.code(e.statusCode).type('application/json; charset=utf-8').send(body);
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (malformed, headers too large,
 * too slow): answered on the socket, still as {error, message}.
 */
function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, reason, code, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'Request Timeout', 'request_timeout', 'the request was not received in time']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [
            431,
            'Request Header Fields Too Large',
            'headers_too_large',
            'the request line and headers are too large',
          ]
        : [400, 'Bad Request', 'bad_request', 'the request is not valid HTTP'];
  const body = JSON.stringify({ error: code, message } satisfies ErrorBody);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}

export function installErrorHandling(app: FastifyInstance, bodyLimit: number): void {
  app.setErrorHandler((err: unknown, request: FastifyRequest, reply: FastifyReply) =>
    sendError(err, request, reply, bodyLimit),
  );

  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // A load balancer should take a closing instance out rather than see requests time out.
  app.addHook('onRequest', async () => {
    if (closing) throw new ApiError(503, 'shutting_down', 'this instance is shutting down; retry');
  });

  // A request no route takes: 405 with Allow on a known path, else 404. Decided in onRequest,
  // before Fastify would parse (and perhaps refuse) a body nobody is going to read.
  const allowed = AllowedMethods.collect(app);
  const miss = (request: FastifyRequest, reply: FastifyReply): ApiError => {
    const path = request.url.split('?')[0]!;
    const methods = allowed.for(path);
    if (methods.length === 0 || methods.includes(request.method)) {
      return new ApiError(404, 'not_found', `no route ${request.method} ${path}`);
    }
    void reply.header('allow', methods.join(', '));
    const message = `${request.method} is not allowed on ${path}; allowed: ${methods.join(', ')}`;
    return new ApiError(405, 'method_not_allowed', message);
  };
  app.addHook('onRequest', async (request, reply) => {
    if (request.is404) throw miss(request, reply);
  });
  app.setNotFoundHandler((request, reply) => sendError(miss(request, reply), request, reply, bodyLimit));
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
