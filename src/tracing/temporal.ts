// Temporal's OpenTelemetry interceptors for the client and the worker (the workflow side is
// bundled from workflows/tracing-interceptors.ts), and the activity interceptor that hands a
// batch's request contexts to the webhook POST as span links.
import { context, trace } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type {
  ClientInterceptors,
  Next,
  WorkflowClientInterceptor,
  WorkflowDescribeInput,
  WorkflowQueryInput,
} from '@temporalio/client';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  OpenTelemetryWorkflowClientInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import type {
  ActivityExecuteInput,
  ActivityInboundCallsInterceptor,
  Next as WorkerNext,
  WorkerOptions,
} from '@temporalio/worker';
import { linksOf } from './links';
import { BATCH_LINKS } from './outbound';

/**
 * Describes and queries are traced only inside a trace (a request's): the routing table's and
 * the lag guard's own polls would otherwise each start a trace of one span, many a second.
 */
class HeraldClientInterceptor extends OpenTelemetryWorkflowClientInterceptor {
  override describe(input: WorkflowDescribeInput, next: Next<WorkflowClientInterceptor, 'describe'>) {
    return trace.getActiveSpan() ? super.describe(input, next) : next(input);
  }

  override query(input: WorkflowQueryInput, next: Next<WorkflowClientInterceptor, 'query'>) {
    return trace.getActiveSpan() ? super.query(input, next) : next(input);
  }
}

export function clientInterceptors(): ClientInterceptors {
  return { workflow: [new HeraldClientInterceptor()] };
}

/** Inside OpenTelemetry's activity span: the input's `traceparents` become the POST's links. */
class BatchLinksInterceptor implements ActivityInboundCallsInterceptor {
  execute(input: ActivityExecuteInput, next: WorkerNext<ActivityInboundCallsInterceptor, 'execute'>) {
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
