// The client's gRPC retries: the SDK's defaults, except for a workflow that is busy.
//
// A signal that arrives while its workflow is continuing as new (or while its lock is held) is
// refused with RESOURCE_EXHAUSTED, cause BUSY_WORKFLOW ("workflow is closing"), for as long as
// one workflow task takes. The SDK retries every RESOURCE_EXHAUSTED as if the namespace were
// rate-limited: 1.7 s, then 2.9 s. A group-commit round waited 5-10 s for it, and with it every
// publisher in flight (`npm run bench`: ingest with 10 subscriptions had a p99 of 5 s, one stall
// per continue-as-new). Busy-workflow retries start at 25 ms instead; the call's deadline still
// bounds them all.
import { defaultGrpcRetryOptions, makeGrpcRetryInterceptor, type GrpcRetryOptions } from '@temporalio/client';
import { google, temporal } from '@temporalio/proto';

type StatusObject = Parameters<GrpcRetryOptions['delayFunction']>[1];

const RESOURCE_EXHAUSTED = 8;
const BUSY_WORKFLOW = temporal.api.enums.v1.ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_BUSY_WORKFLOW;
const ResourceExhaustedFailure = temporal.api.errordetails.v1.ResourceExhaustedFailure;
const FAILURE_TYPE = 'type.googleapis.com/temporal.api.errordetails.v1.ResourceExhaustedFailure';

export const BUSY_RETRY_FIRST_MS = 25;
export const BUSY_RETRY_MAX_MS = 1_000;

/** RESOURCE_EXHAUSTED because of one busy workflow, not because of a rate limit. */
export function isBusyWorkflow(status: Pick<StatusObject, 'code' | 'metadata'>): boolean {
  if (status.code !== RESOURCE_EXHAUSTED) return false;
  const bin = status.metadata?.get('grpc-status-details-bin')[0];
  if (!(bin instanceof Buffer)) return false;
  try {
    return google.rpc.Status.decode(bin).details.some(
      (d) =>
        d.type_url === FAILURE_TYPE &&
        !!d.value &&
        ResourceExhaustedFailure.decode(d.value).cause === BUSY_WORKFLOW,
    );
  } catch {
    return false;
  }
}

export function heraldGrpcRetryOptions(): GrpcRetryOptions {
  const defaults = defaultGrpcRetryOptions();
  return {
    retryableDecider: defaults.retryableDecider,
    delayFunction(attempt, status) {
      if (!isBusyWorkflow(status)) return defaults.delayFunction(attempt, status);
      const base = Math.min(BUSY_RETRY_MAX_MS, BUSY_RETRY_FIRST_MS * 2 ** (attempt - 1));
      return base * (0.8 + Math.random() * 0.4);
    },
  };
}

export const heraldGrpcRetryInterceptor = () => makeGrpcRetryInterceptor(heraldGrpcRetryOptions());
