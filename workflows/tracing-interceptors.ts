// The workflow interceptors of a traced worker (src/temporal/bundle.ts bundles this module only
// when tracing is on; an untraced worker runs none of it). OpenTelemetry's own interceptors
// trace the runs, signals, activities and children; the one here puts a batch's delivery into
// the trace of the request that published its first change: a subscription workflow lives for
// months in the trace it was created in, so without it every delivery would land there.
import * as otel from '@opentelemetry/api';
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow';
import type {
  ActivityInput,
  LocalActivityInput,
  Next,
  QueryInput,
  StartChildWorkflowExecutionInput,
  UpdateInput,
  WorkflowInboundCallsInterceptor,
  WorkflowInterceptors,
  WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';
import { parseTraceparent } from '../core/trace-links';

/** The context a delivery is scheduled in: its batch's first request, unless already in that trace. */
function batchContext(args: unknown[]): otel.Context | undefined {
  const first = (args[0] as { traceparents?: unknown } | undefined)?.traceparents;
  const parsed =
    Array.isArray(first) && typeof first[0] === 'string' ? parseTraceparent(first[0]) : undefined;
  if (!parsed) return undefined;
  const active = otel.context.active();
  if (otel.trace.getSpanContext(active)?.traceId === parsed.traceId) return undefined;
  return otel.trace.setSpanContext(active, { ...parsed, isRemote: true });
}

/** Runs before OpenTelemetry's outbound interceptor, so its StartActivity span has that parent. */
export class BatchTraceInterceptor implements WorkflowOutboundCallsInterceptor {
  scheduleActivity(input: ActivityInput, next: Next<WorkflowOutboundCallsInterceptor, 'scheduleActivity'>) {
    const ctx = batchContext(input.args);
    return ctx ? otel.context.with(ctx, () => next(input)) : next(input);
  }

  scheduleLocalActivity(
    input: LocalActivityInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'scheduleLocalActivity'>,
  ) {
    const ctx = batchContext(input.args);
    return ctx ? otel.context.with(ctx, () => next(input)) : next(input);
  }

  startChildWorkflowExecution(
    input: StartChildWorkflowExecutionInput,
    next: Next<WorkflowOutboundCallsInterceptor, 'startChildWorkflowExecution'>,
  ) {
    const ctx = batchContext(input.options.args ?? []);
    return ctx ? otel.context.with(ctx, () => next(input)) : next(input);
  }
}

/**
 * Runs and signals traced; updates and queries passed straight through. OpenTelemetry's update
 * handler is an async wrapper even where it traces nothing, and the microtasks it adds let the
 * main loop's next command (a delivery child) overtake the update's completion: a history
 * recorded without tracing (test/fixtures/histories/subscription-1.json) then fails to replay
 * with it. A signal handler's effects happen when it is called, so its span changes no order.
 */
export class HeraldInboundInterceptor extends OpenTelemetryInboundInterceptor {
  override handleUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'handleUpdate'>) {
    return next(input);
  }

  override validateUpdate(input: UpdateInput, next: Next<WorkflowInboundCallsInterceptor, 'validateUpdate'>) {
    next(input);
  }

  override handleQuery(input: QueryInput, next: Next<WorkflowInboundCallsInterceptor, 'handleQuery'>) {
    return next(input);
  }
}

export const interceptors = (): WorkflowInterceptors => ({
  inbound: [new HeraldInboundInterceptor()],
  outbound: [new BatchTraceInterceptor(), new OpenTelemetryOutboundInterceptor()],
  internals: [new OpenTelemetryInternalsInterceptor()],
});
