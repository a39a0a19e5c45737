// The delivery activity: one signed POST per attempt. Temporal's retry policy (built by the
// delivery workflow from the subscription's retry settings) schedules the attempts; this
// activity only reports what happened, as a retryable ApplicationFailure the Temporal UI shows.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { type DeliveryError, type HttpClient, type HttpResponse } from '../src/webhook/http-client';
import { buildHeaders, liveSecrets } from '../src/webhook/signing';
import {
  ERROR_TYPES,
  honouredRetryAfter,
  statusFailure,
  type AttemptFailureDetails,
} from './attempt-failure';
import type { AttemptRecord, DeliveryInput } from '../core/delivery-types';

export interface DeliverDeps {
  headerPrefix: string;
  http: HttpClient;
  reportAttempt?: (deliveryWorkflowId: string, record: AttemptRecord) => Promise<void>;
  metrics?: DeliveryMetrics;
  now: () => Date;
}

/** One HTTP attempt as the metrics see it. */
export interface AttemptSample {
  outcome: 'success' | 'failure';
  durationMs: number;
  subscription: string;
  /** The HTTP status, or why there was none (timeout, network, forbidden_address, invalid_url). */
  status: string;
}

export interface DeliveryMetrics {
  attempt(sample: AttemptSample): void;
  /** A delivery ended for good: its 2xx, or the failure of its last attempt. */
  delivery?(outcome: 'delivered' | 'failed', subscription: string): void;
}

const GONE = 410;

/** What a successful attempt returns; failed attempts are reported by signal before they throw. */
export interface DeliverOutcome {
  statusCode: number;
  durationMs: number;
  attempt: AttemptRecord;
}

/**
 * The first attempt, made as a local activity of the subscription: an outcome, never a throw.
 * `gone`: answered 410, so no retry follows.
 */
export type FirstAttemptOutcome =
  | { ok: true; attempt: AttemptRecord }
  | { ok: false; attempt: AttemptRecord; failureType: string; gone?: boolean };

type Attempt =
  | { ok: true; record: AttemptRecord; statusCode: number }
  | {
      ok: false;
      record: AttemptRecord;
      type: string;
      message: string;
      details: AttemptFailureDetails;
      /** Why no HTTP status came, when none did. */
      errorKind?: DeliveryError['kind'];
    };

/**
 * Builds the delivery activities. Each attempt signs the exact bytes it sends, stamps its own
 * `webhook-timestamp` and signs with the secrets live at that moment, so a retry after a
 * rotation carries the signatures that are valid then.
 *
 * A 429 or 503 with Retry-After moves the next attempt to max(schedule, Retry-After), capped at
 * the schedule's interval + retry.maxRetryAfterMs (core/retry-after.ts), through Temporal's
 * nextRetryDelay: the attempt count and the rest of the schedule stay as they are. A 410 Gone
 * ends the delivery at once (the subscription disables itself on it).
 */
export function createDeliver(deps: DeliverDeps) {
  /** One signed POST; `attempt` is its number in the contract's schedule. */
  async function attemptOnce(input: DeliveryInput, attempt: number): Promise<Attempt> {
    const ctx = Context.current();
    const startedAt = deps.now();
    const body = Buffer.from(JSON.stringify({ changes: input.changes }), 'utf8');
    const headers = buildHeaders({
      prefix: deps.headerPrefix,
      deliveryId: input.deliveryId,
      timestampSec: Math.floor(startedAt.getTime() / 1000),
      body,
      token: input.token,
      secrets: liveSecrets(input.secrets, startedAt),
    });
    const at = startedAt.toISOString();
    let res: HttpResponse;
    try {
      res = await deps.http.post(input.url, body, headers, input.retry.timeoutMs, ctx.cancellationSignal);
    } catch (err) {
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? err;
      const e = err as DeliveryError;
      const kind = e.kind ?? 'network';
      const durationMs = e.durationMs ?? 0;
      const type = ERROR_TYPES[kind];
      const record = { attempt, at, error: `${type}: ${e.message}`, durationMs };
      return { ok: false, record, type, message: e.message, details: { durationMs }, errorKind: kind };
    }
    if (res.statusCode >= 200 && res.statusCode < 300) {
      const record = { attempt, at, statusCode: res.statusCode, durationMs: res.durationMs };
      return { ok: true, record, statusCode: res.statusCode };
    }
    const failure = statusFailure(res);
    const record: AttemptRecord = {
      attempt,
      at,
      statusCode: res.statusCode,
      error: failure.message,
      durationMs: res.durationMs,
    };
    const retryAfterMs = honouredRetryAfter(input, attempt, res, startedAt.getTime());
    if (retryAfterMs !== undefined) record.retryAfterMs = retryAfterMs;
    return { ok: false, record, ...failure };
  }

  const count = (a: Attempt, input: DeliveryInput): void => {
    const subscription = input.subscriptionId;
    deps.metrics?.attempt({
      outcome: a.ok ? 'success' : 'failure',
      durationMs: a.record.durationMs,
      subscription,
      status:
        a.record.statusCode !== undefined ? String(a.record.statusCode) : (!a.ok && a.errorKind) || 'network',
    });
    // Only the activity knows the outcome without a query; with maximumAttempts 0 none is last.
    const { maximumAttempts } = input.retry;
    if (a.ok) deps.metrics?.delivery?.('delivered', subscription);
    else if (a.record.statusCode === GONE || (maximumAttempts > 0 && a.record.attempt >= maximumAttempts))
      deps.metrics?.delivery?.('failed', subscription);
  };

  /** Attempts 1…n (or offset+1… after a fast-path first attempt) under the delivery workflow's retry policy. */
  async function deliver(input: DeliveryInput): Promise<DeliverOutcome> {
    const ctx = Context.current();
    const a = await attemptOnce(input, ctx.info.attempt + (input.attemptOffset ?? 0));
    count(a, input);
    // A success travels back as the activity's result: no signal (and no extra workflow task).
    if (a.ok) return { statusCode: a.statusCode, durationMs: a.record.durationMs, attempt: a.record };
    // Absent only for an activity started outside a workflow: then there is no log to write to.
    const workflowId = ctx.info.workflowExecution?.workflowId;
    if (deps.reportAttempt && workflowId !== undefined) {
      try {
        await deps.reportAttempt(workflowId, a.record);
      } catch (err) {
        // The attempt itself stands; only its entry in the delivery log is missing.
        ctx.log.warn('could not record the delivery attempt', {
          deliveryId: input.deliveryId,
          attempt: a.record.attempt,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
    throw ApplicationFailure.create({
      message: a.message,
      type: a.type,
      details: [a.details],
      nonRetryable: a.record.statusCode === GONE,
      ...(a.record.retryAfterMs !== undefined ? { nextRetryDelay: a.record.retryAfterMs } : {}),
    });
  }

  /** Attempt 1 as a local activity: the subscription decides what follows from the outcome. */
  async function deliverFirst(input: DeliveryInput): Promise<FirstAttemptOutcome> {
    const a = await attemptOnce(input, 1);
    count(a, input);
    if (a.ok) return { ok: true, attempt: a.record };
    return {
      ok: false,
      attempt: a.record,
      failureType: a.type,
      ...(a.record.statusCode === GONE ? { gone: true } : {}),
    };
  }

  return { deliver, deliverFirst };
}
