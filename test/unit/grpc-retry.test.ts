import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Metadata } from '@grpc/grpc-js';
import { google, temporal } from '@temporalio/proto';
import {
  BUSY_RETRY_FIRST_MS,
  BUSY_RETRY_MAX_MS,
  heraldGrpcRetryOptions,
  isBusyWorkflow,
} from '../../src/temporal/grpc-retry';

const { ResourceExhaustedCause } = temporal.api.enums.v1;

/** A RESOURCE_EXHAUSTED status as the server sends it: the cause in grpc-status-details-bin. */
function exhausted(cause: number) {
  const failure = temporal.api.errordetails.v1.ResourceExhaustedFailure.encode({ cause }).finish();
  const details = google.rpc.Status.encode({
    code: 8,
    message: 'workflow operation can not be applied because workflow is closing',
    details: [
      {
        type_url: 'type.googleapis.com/temporal.api.errordetails.v1.ResourceExhaustedFailure',
        value: failure,
      },
    ],
  }).finish();
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(details));
  return { code: 8, details: 'workflow is closing', metadata };
}

void test('a busy workflow is told apart from a rate limit by the cause in the status details', () => {
  assert.equal(
    isBusyWorkflow(exhausted(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_BUSY_WORKFLOW)),
    true,
  );
  assert.equal(isBusyWorkflow(exhausted(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT)), false);
  assert.equal(isBusyWorkflow({ code: 14, metadata: new Metadata() }), false);
  assert.equal(isBusyWorkflow({ code: 8, metadata: new Metadata() }), false);
});

void test('a busy workflow is retried within milliseconds, a rate limit after a second as the SDK does', () => {
  const { delayFunction, retryableDecider } = heraldGrpcRetryOptions();
  const busy = exhausted(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_BUSY_WORKFLOW);
  const limited = exhausted(ResourceExhaustedCause.RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT);
  assert.equal(retryableDecider(1, busy), true);
  const first = delayFunction(1, busy);
  assert.ok(
    first >= BUSY_RETRY_FIRST_MS * 0.8 && first <= BUSY_RETRY_FIRST_MS * 1.2,
    `first busy retry ${first} ms`,
  );
  assert.ok(delayFunction(20, busy) <= BUSY_RETRY_MAX_MS * 1.2, 'busy retries are capped');
  assert.ok(
    delayFunction(1, limited) >= 1000,
    `a rate limit keeps the SDK's backoff (${delayFunction(1, limited)} ms)`,
  );
});
