// The OpenTelemetry SDK of a traced process, built from the standard OTEL_* variables only:
// the exporter (OTEL_TRACES_EXPORTER otlp|console; OTLP over OTEL_EXPORTER_OTLP_PROTOCOL
// http/protobuf, the default, http/json or grpc; endpoint and headers read by the exporter),
// the sampler (OTEL_TRACES_SAMPLER[_ARG]), the batch processor (OTEL_BSP_*), the resource
// (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES) and the propagators (OTEL_PROPAGATORS, W3C by
// default). Loaded only when src/tracing/index.ts finds tracing asked for.
import { context, propagation, trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { detectResourcesSync, envDetectorSync, Resource } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { FastifyInstance } from 'fastify';
import type { ClientInterceptors } from '@temporalio/client';
import type { WorkerOptions } from '@temporalio/worker';
import type { HttpClient } from '../webhook/http-client';
import { installServerSpans } from './http-server';
import { tracedHttpClient } from './outbound';
import { clientInterceptors, workerTracing } from './temporal';
import { withLinkedSpan } from './links';

type Env = Record<string, string | undefined>;

export interface TracingRuntime {
  readonly tracer: Tracer;
  /** The Temporal client's interceptors (start, signal, query, update spans; context in headers). */
  clientInterceptors(): ClientInterceptors;
  /** A worker's activity interceptors and the sink its workflow spans leave through. */
  workerOptions(): Pick<WorkerOptions, 'interceptors' | 'sinks'>;
  /** SERVER spans for the API's /v1 requests, joining an incoming `traceparent`. */
  installHttpServer(app: FastifyInstance): void;
  /** The webhook POST as a CLIENT span whose context goes out in `traceparent`. */
  httpClient(inner: HttpClient): HttpClient;
  /** The active context as a `traceparent` header value (undefined: none, or not sampled out). */
  traceparent(): string | undefined;
  /** Runs `fn` in a span whose parent is the first context and which links to all of them. */
  linked<T>(
    name: string,
    traceparents: string[],
    attributes: Record<string, number | string>,
    fn: () => Promise<T>,
  ): Promise<T>;
  shutdown(): Promise<void>;
}

function protocolOf(env: Env): string {
  return (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf')
    .trim()
    .toLowerCase();
}

function exporterOf(env: Env): SpanExporter {
  const kinds = (env.OTEL_TRACES_EXPORTER || 'otlp').split(',').map((s) => s.trim().toLowerCase());
  const unknown = kinds.filter((k) => k !== 'otlp' && k !== 'console');
  if (unknown.length > 0)
    throw new Error(`OTEL_TRACES_EXPORTER=${unknown.join(',')}: expected otlp, console or none`);
  if (kinds.includes('console') && !kinds.includes('otlp')) return new ConsoleSpanExporter();
  const protocol = protocolOf(env);
  if (protocol === 'grpc') return new GrpcExporter();
  if (protocol === 'http/json') return new JsonExporter();
  if (protocol !== 'http/protobuf')
    throw new Error(`OTEL_EXPORTER_OTLP_PROTOCOL=${protocol}: expected http/protobuf, http/json or grpc`);
  return new ProtoExporter();
}

export function createTracing(serviceName: string, env: Env): TracingRuntime {
  const resource = Resource.default()
    .merge(new Resource({ 'service.name': serviceName }))
    .merge(detectResourcesSync({ detectors: [envDetectorSync] }));
  const processor: SpanProcessor = new BatchSpanProcessor(exporterOf(env));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  provider.register();
  const tracer = provider.getTracer('herald');
  return {
    tracer,
    clientInterceptors: () => clientInterceptors(),
    workerOptions: () => workerTracing(processor, resource),
    installHttpServer: (app) => installServerSpans(app, tracer),
    httpClient: (inner) => tracedHttpClient(inner, tracer),
    traceparent() {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      return carrier.traceparent;
    },
    linked: (name, traceparents, attributes, fn) =>
      withLinkedSpan(tracer, name, traceparents, attributes, fn),
    async shutdown() {
      await provider.forceFlush().catch(() => undefined);
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
