import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  afterFirstAttempt,
  attemptOffsetsMs,
  maximumIntervalMs,
  retryDelayMs,
  toRetryPolicy,
} from '../../core/retry-policy';
import type { RetryConfig } from '../../core/types';
import { RETRY_DEFAULTS } from '../../core/defaults';

const MIN = 60_000;
// The contract's defaults, as the API applies them.
const DEFAULTS: RetryConfig = RETRY_DEFAULTS;

describe('retry policy maths', () => {
  it('reproduces the Coachview table from 11:45', () => {
    const start = Date.UTC(2021, 1, 15, 11, 45);
    const times = attemptOffsetsMs(DEFAULTS).map((o) =>
      new Date(start + o).toISOString().slice(5, 16).replace('T', ' '),
    );
    assert.deepEqual(times, [
      '02-15 11:45',
      '02-15 11:46',
      '02-15 11:48',
      '02-15 11:52',
      '02-15 12:00',
      '02-15 12:16',
      '02-15 12:48',
      '02-15 13:52',
      '02-15 16:00',
      '02-15 20:16',
      '02-16 04:48',
      '02-16 21:52',
      '02-18 08:00',
    ]);
  });
  it('sets maximumInterval to the last interval so none is capped (the default 100 × initial would be)', () => {
    assert.equal(maximumIntervalMs(DEFAULTS), 2048 * MIN);
    assert.deepEqual(
      [1, 2, 7, 8, 12].map((n) => retryDelayMs(DEFAULTS, n) / MIN),
      [1, 2, 64, 128, 2048],
    );
    const policy = toRetryPolicy(DEFAULTS);
    assert.deepEqual(policy, {
      initialInterval: MIN,
      backoffCoefficient: 2,
      maximumInterval: 2048 * MIN,
      maximumAttempts: 13,
    });
  });
  it('maximumAttempts 0 retries forever with the interval held at 2048 × initial', () => {
    const policy = toRetryPolicy({ ...DEFAULTS, maximumAttempts: 0 });
    assert.equal(policy.maximumAttempts, undefined);
    assert.equal(policy.maximumInterval, 2048 * MIN);
    assert.equal(retryDelayMs({ ...DEFAULTS, maximumAttempts: 0 }, 30), 2048 * MIN);
  });
  it('follows other settings exactly', () => {
    const r: RetryConfig = {
      initialIntervalMs: 1000,
      backoffCoefficient: 3,
      maximumAttempts: 4,
      timeoutMs: 1000,
    };
    assert.deepEqual(attemptOffsetsMs(r), [0, 1000, 4000, 13000]);
    assert.equal(toRetryPolicy(r).maximumInterval, 9000);
    assert.equal(maximumIntervalMs({ ...r, maximumAttempts: 1 }), 1000);
  });
  it('after attempt 1: delivered, failed for good, or attempt 2 one initial interval later', () => {
    assert.deepEqual(afterFirstAttempt(true, DEFAULTS), { status: 'delivered' });
    assert.deepEqual(afterFirstAttempt(true, DEFAULTS, true), { status: 'delivered' });
    assert.deepEqual(afterFirstAttempt(false, DEFAULTS), {
      status: 'retry',
      attemptOffset: 1,
      firstDelayMs: MIN,
    });
    assert.deepEqual(afterFirstAttempt(false, { ...DEFAULTS, maximumAttempts: 1 }), { status: 'failed' });
    assert.deepEqual(afterFirstAttempt(false, DEFAULTS, true), { status: 'failed' }, 'deleted meanwhile');
    // Attempt 2 continues the policy exactly where the first attempt left it.
    assert.equal(toRetryPolicy(DEFAULTS, 1).initialInterval, 2 * MIN);
  });
});
