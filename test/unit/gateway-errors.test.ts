// Temporal's errors are sorted in one place (src/temporal/gateway-errors.ts) into the classes the
// services understand; anything else passes through untouched.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/common';
import { ServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import { DOMAIN_ERRORS } from '../../core/errors';
import {
  AlreadyExistsError,
  isNotFound,
  NotFoundError,
  RefusedError,
  toGatewayError,
  UnavailableError,
} from '../../src/temporal/gateway-errors';

describe('toGatewayError', () => {
  it('sorts a missing workflow, a duplicate start and a refused update, keeping what they are about', () => {
    const gone = toGatewayError(new WorkflowNotFoundError('gone', 'subscription:x', undefined), 'delivery');
    assert.ok(gone instanceof NotFoundError && gone.subject === 'delivery');
    assert.ok(isNotFound(new WorkflowNotFoundError('gone', 'subscription:x', undefined)));
    const twice = toGatewayError(
      new WorkflowExecutionAlreadyStartedError('started', 'w', 'subscriptionWorkflow'),
    );
    assert.ok(twice instanceof AlreadyExistsError && twice.subject === 'subscription');
    const failure = ApplicationFailure.nonRetryable('still in flight', DOMAIN_ERRORS.deliveryInFlight);
    const refused = toGatewayError(new WorkflowUpdateFailedError('update failed', failure));
    assert.ok(refused instanceof RefusedError);
    assert.equal(refused.type, DOMAIN_ERRORS.deliveryInFlight);
    assert.equal(refused.message, 'still in flight');
  });

  it('calls an unreachable Temporal unavailable, and leaves every other error as it is', () => {
    const rpc = new ServiceError('14 UNAVAILABLE: connection refused');
    const unavailable = toGatewayError(rpc);
    assert.ok(unavailable instanceof UnavailableError && unavailable.cause === rpc);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    assert.ok(toGatewayError(refused) instanceof UnavailableError);
    const bug = new TypeError('x is undefined');
    assert.equal(toGatewayError(bug), bug);
    assert.equal(toGatewayError(unavailable), unavailable);
    assert.ok(!isNotFound(bug));
  });
});
