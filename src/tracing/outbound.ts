// The webhook POST as a CLIENT span, child of the delivery activity's span, linked to every
// request whose changes the batch merged, and its context sent in `traceparent` (and
// `tracestate`) so the partner can join the trace. The signature covers the body, the id and the
// timestamp only, so the extra headers change nothing for the partner's verification.
import {
  context,
  createContextKey,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Link,
  type Tracer,
} from '@opentelemetry/api';
import type { HttpClient } from '../webhook/http-client';

/** The links of the delivery being attempted, set by the activity interceptor (src/tracing/temporal.ts). */
export const BATCH_LINKS = createContextKey('herald.batch-links');

export function tracedHttpClient(inner: HttpClient, tracer: Tracer): HttpClient {
  return {
    close: () => inner.close(),
    async post(url, body, headers, timeoutMs, signal) {
      const links = (context.active().getValue(BATCH_LINKS) as Link[] | undefined) ?? [];
      const target = URL.canParse(url) ? new URL(url) : undefined;
      const span = tracer.startSpan('POST', {
        kind: SpanKind.CLIENT,
        links,
        attributes: {
          'http.request.method': 'POST',
          ...(target
            ? {
                'server.address': target.hostname,
                'url.full': `${target.origin}${target.pathname}`,
              }
            : {}),
          'herald.links': links.length,
        },
      });
      const carrier: Record<string, string> = {};
      propagation.inject(trace.setSpan(context.active(), span), carrier);
      try {
        const res = await inner.post(url, body, { ...headers, ...carrier }, timeoutMs, signal);
        span.setAttribute('http.response.status_code', res.statusCode);
        if (res.statusCode >= 400) span.setStatus({ code: SpanStatusCode.ERROR });
        return res;
      } catch (err) {
        span.recordException(err instanceof Error ? err : String(err));
        span.setStatus({
          code: SpanStatusCode.ERROR,
          message: err instanceof Error ? err.message : String(err),
        });
        throw err;
      } finally {
        span.end();
      }
    },
  };
}
