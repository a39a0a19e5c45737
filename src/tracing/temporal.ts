// Temporal's OpenTelemetry interceptors for the client and the worker (the workflow side is
// bundled from workflows/tracing-interceptors.ts), and the activity interceptor that hands a
// batch's request contexts to the webhook POST as span links.
import { context } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ClientInterceptors } from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  Next,
  WorkerOptions,
} from '@temporalio/worker';
import { linksOf } from './links';
import { BATCH_LINKS } from './outbound';

export function clientInterceptors(): ClientInterceptors {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor()] };
}

/** Inside OpenTelemetry's activity span: the input's `traceparents` become the POST's links. */
class BatchLinksInterceptor implements ActivityInboundCallsInterceptor {
  execute(input: ActivityExecuteInput, next: Next<ActivityInboundCallsInterceptor, 'execute'>) {
    const traceparents = (input.args[0] as { traceparents?: unknown } | undefined)?.traceparents;
    if (!Array.isArray(traceparents) || traceparents.length === 0) return next(input);
    const links = linksOf(traceparents.filter((t): t is string => typeof t === 'string'));
    return context.with(context.active().setValue(BATCH_LINKS, links), () => next(input));
  }
}

export function workerTracing(
  processor: SpanProcessor,
  resource: Resource,
): Pick<WorkerOptions, 'interceptors' | 'sinks'> {
  return {
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
        () => ({ inbound: new BatchLinksInterceptor() }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(processor, resource) },
  };
}
