// The delivery activity: one signed POST per attempt. Temporal's retry policy (built by the
// delivery workflow from the subscription's retry settings) schedules the attempts; this
// activity only reports what happened, as a retryable ApplicationFailure the Temporal UI shows.
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { type DeliveryError, type HttpClient, type HttpResponse } from '../src/delivery/http-client';
import { buildHeaders, liveSecrets } from '../src/delivery/signing';
import type { AttemptRecord, DeliveryInput } from '../workflows/types';

export interface DeliverDeps {
  headerPrefix: string;
  http: HttpClient;
  reportAttempt?: (deliveryWorkflowId: string, record: AttemptRecord) => Promise<void>;
  metrics?: DeliveryMetrics;
  now: () => Date;
}

export interface DeliveryMetrics {
  attempt(outcome: 'success' | 'failure', durationMs: number): void;
  /** A delivery ended for good: its 2xx, or the failure of its last attempt. */
  delivery?(outcome: 'delivered' | 'failed'): void;
}

/** What a failed attempt carries in ApplicationFailure.details[0]. */
export interface AttemptFailureDetails {
  statusCode?: number;
  /** The first 1 KB of the response body. */
  body?: string;
  durationMs: number;
  /** The receiver's Retry-After, recorded only (see createDeliver). */
  retryAfter?: string;
  /** Where a 3xx pointed; never followed. */
  location?: string;
}

const ERROR_TYPES: Record<DeliveryError['kind'], string> = {
  timeout: 'Timeout',
  network: 'NetworkError',
  forbidden_address: 'ForbiddenAddress',
  invalid_url: 'InvalidUrl',
};

function statusFailure(res: HttpResponse): { type: string; message: string; details: AttemptFailureDetails } {
  const redirect = res.statusCode >= 300 && res.statusCode < 400;
  const details: AttemptFailureDetails = {
    statusCode: res.statusCode,
    body: res.bodySnippet,
    durationMs: res.durationMs,
  };
  if (res.headers['retry-after'] !== undefined) details.retryAfter = res.headers['retry-after'];
  if (redirect && res.headers.location !== undefined) details.location = res.headers.location;
  const message = redirect
    ? `receiver answered ${res.statusCode} (redirects are not followed${details.location ? `; location ${details.location}` : ''})`
    : `receiver answered ${res.statusCode}`;
  return { type: redirect ? 'Redirect' : `HttpStatus${res.statusCode}`, message, details };
}

/**
 * Builds `deliver`. Each attempt signs the exact bytes it sends, stamps its own
 * `webhook-timestamp` and signs with the secrets live at that moment, so a retry after a
 * rotation carries the signatures that are valid then.
 *
 * Retry-After (on 429/503 or any status) is recorded in the failure details and the log but
 * does not move the next attempt: contract §5 fixes the schedule exactly, and a receiver that
 * could stretch it could also make Herald give up earlier than partners were promised.
 */
/** What a successful attempt returns; failed attempts are reported by signal before they throw. */
export interface DeliverOutcome {
  statusCode: number;
  durationMs: number;
  attempt: AttemptRecord;
}

export function createDeliver(deps: DeliverDeps) {
  return async function deliver(input: DeliveryInput): Promise<DeliverOutcome> {
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

    const recordOf = (r: Omit<AttemptRecord, 'attempt' | 'at'>): AttemptRecord => ({
      attempt: ctx.info.attempt,
      at: startedAt.toISOString(),
      ...r,
    });
    const report = async (
      outcome: 'success' | 'failure',
      record: Omit<AttemptRecord, 'attempt' | 'at'>,
    ): Promise<void> => {
      deps.metrics?.attempt(outcome, record.durationMs);
      // Only the activity knows the outcome without a query; with maximumAttempts 0 none is last.
      const max = input.retry.maximumAttempts;
      if (outcome === 'success') {
        deps.metrics?.delivery?.('delivered');
        // A success travels back as the activity's result: no signal (and no extra workflow
        // task) on the common path.
        return;
      }
      if (max > 0 && ctx.info.attempt >= max) deps.metrics?.delivery?.('failed');
      // Absent only for an activity started outside a workflow: then there is no log to write to.
      const workflowId = ctx.info.workflowExecution?.workflowId;
      if (!deps.reportAttempt || workflowId === undefined) return;
      try {
        await deps.reportAttempt(workflowId, recordOf(record));
      } catch (err) {
        // The attempt itself stands; only its entry in the delivery log is missing.
        ctx.log.warn('could not record the delivery attempt', {
          deliveryId: input.deliveryId,
          attempt: ctx.info.attempt,
          error: err instanceof Error ? err.message : String(err),
        });
      }
    };

    let res: HttpResponse;
    try {
      res = await deps.http.post(input.url, body, headers, input.retry.timeoutMs, ctx.cancellationSignal);
    } catch (err) {
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason ?? err;
      const e = err as DeliveryError;
      const kind = e.kind ?? 'network';
      const durationMs = e.durationMs ?? 0;
      await report('failure', { error: `${ERROR_TYPES[kind]}: ${e.message}`, durationMs });
      throw ApplicationFailure.retryable(e.message, ERROR_TYPES[kind], {
        durationMs,
      } satisfies AttemptFailureDetails);
    }

    if (res.statusCode >= 200 && res.statusCode < 300) {
      const ok = { statusCode: res.statusCode, durationMs: res.durationMs };
      await report('success', ok);
      return { ...ok, attempt: recordOf(ok) };
    }
    const failure = statusFailure(res);
    await report('failure', {
      statusCode: res.statusCode,
      error: failure.message,
      durationMs: res.durationMs,
    });
    if (failure.details.retryAfter !== undefined) {
      ctx.log.info('receiver sent Retry-After; the retry schedule is kept', {
        deliveryId: input.deliveryId,
        retryAfter: failure.details.retryAfter,
      });
    }
    throw ApplicationFailure.retryable(failure.message, failure.type, failure.details);
  };
}
