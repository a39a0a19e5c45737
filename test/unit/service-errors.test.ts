// Update refusals are mapped by the ApplicationFailure type their validator gives
// (core/errors.ts), not by their message text.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { DOMAIN_ERRORS } from '../../core/errors';
import { ApiError, fromTemporal } from '../../src/service/errors';

const refused = (message: string, type?: string) =>
  fromTemporal(
    new WorkflowUpdateFailedError('update failed', ApplicationFailure.nonRetryable(message, type)),
    'delivery',
  ) as ApiError;

describe('fromTemporal: update refusals by type', () => {
  it('maps the not-found types to 404 and any other refusal to 409 with its message', () => {
    assert.equal(refused('whatever the text', DOMAIN_ERRORS.subscriptionDeleted).statusCode, 404);
    assert.equal(refused('whatever the text', DOMAIN_ERRORS.unknownDelivery).statusCode, 404);
    const inFlight = refused('delivery dlv_x_1 is still in flight', DOMAIN_ERRORS.deliveryInFlight);
    assert.equal(inFlight.statusCode, 409);
    assert.equal(inFlight.message, 'delivery dlv_x_1 is still in flight');
    // The text alone no longer decides: an untyped "unknown delivery" is a conflict.
    assert.equal(refused('unknown delivery dlv_x_1').statusCode, 409);
  });
});
