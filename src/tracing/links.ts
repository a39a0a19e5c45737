// Spans over work done for several requests at once (a group-commit round's signal): the first
// request's context is the parent, every other request's a link (a link that repeats the parent
// would hide it: Jaeger keeps one reference per span, and the link wins).
import {
  context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Link,
  type SpanKind as Kind,
  type Tracer,
} from '@opentelemetry/api';
import { MAX_TRACE_LINKS, parseTraceparent } from '../../core/trace-links';

/** Links to each valid context (at most MAX_TRACE_LINKS). */
export function linksOf(traceparents: readonly string[]): Link[] {
  const links: Link[] = [];
  for (const t of traceparents.slice(0, MAX_TRACE_LINKS)) {
    const p = parseTraceparent(t);
    if (p) links.push({ context: { ...p, isRemote: true } });
  }
  return links;
}

/** The first valid context as a parent (ROOT_CONTEXT when there is none). */
export function parentOf(traceparents: readonly string[]): Context {
  const p = traceparents.map(parseTraceparent).find((x) => x !== undefined);
  return p ? trace.setSpanContext(ROOT_CONTEXT, { ...p, isRemote: true }) : ROOT_CONTEXT;
}

export async function withLinkedSpan<T>(
  tracer: Tracer,
  name: string,
  traceparents: string[],
  attributes: Record<string, number | string>,
  fn: () => Promise<T>,
  kind: Kind = SpanKind.PRODUCER,
): Promise<T> {
  const parent = parentOf(traceparents);
  const parentId = trace.getSpanContext(parent)?.spanId;
  const links = linksOf(traceparents).filter((l) => l.context.spanId !== parentId);
  const span = tracer.startSpan(name, { kind, links, attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), fn);
  } catch (err) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    throw err;
  } finally {
    span.end();
  }
}
