// A partner's Retry-After: parsing (delay-seconds or HTTP date) and the bound on how far it may
// move the next attempt past the contract's schedule.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { honouredDelayMs, MAX_RETRY_AFTER_MS_DEFAULT, parseRetryAfter } from '../../core/retry-after';
import { retryDelayMs } from '../../core/retry-policy';
import { RETRY_DEFAULTS } from '../../core/defaults';
import type { RetryConfig } from '../../core/types';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const FAST: RetryConfig = {
  initialIntervalMs: 500,
  backoffCoefficient: 2,
  maximumAttempts: 13,
  timeoutMs: 1000,
};

void describe('parseRetryAfter', () => {
  test('delay-seconds and HTTP dates', () => {
    assert.deepEqual(parseRetryAfter('120', NOW), { ok: true, ms: 120_000 });
    assert.deepEqual(parseRetryAfter(' 0 ', NOW), { ok: true, ms: 0 });
    assert.deepEqual(parseRetryAfter('Mon, 07 Dec 2026 12:02:00 GMT', NOW), { ok: true, ms: 120_000 });
    // A date already past means "now".
    assert.deepEqual(parseRetryAfter('Mon, 07 Dec 2026 11:00:00 GMT', NOW), { ok: true, ms: 0 });
  });
  test('anything else is not a Retry-After', () => {
    for (const bad of [
      '-1',
      '1.5',
      '',
      'soon',
      '2026-12-07T12:02:00Z',
      '1e3',
      'Mon, 07 Dec 2026 12:02:00',
      '99999999999999999999',
    ])
      assert.deepEqual(parseRetryAfter(bad, NOW), { ok: false }, bad);
  });
});

void describe('honouredDelayMs', () => {
  test('max(interval, Retry-After), capped at interval + maxRetryAfterMs', () => {
    // After attempt 1 the schedule waits 500 ms.
    assert.equal(honouredDelayMs(FAST, 1, 3000), 3000);
    assert.equal(honouredDelayMs(FAST, 1, 400), undefined);
    assert.equal(honouredDelayMs(FAST, 1, 10 * 3_600_000), 500 + MAX_RETRY_AFTER_MS_DEFAULT);
    assert.equal(honouredDelayMs({ ...FAST, maxRetryAfterMs: 1000 }, 3, 60_000), 2000 + 1000);
  });
  test('off with maxRetryAfterMs 0, and nothing after the last attempt', () => {
    assert.equal(honouredDelayMs({ ...FAST, maxRetryAfterMs: 0 }, 1, 3000), undefined);
    assert.equal(honouredDelayMs(FAST, 13, 3000), undefined);
    assert.equal(
      honouredDelayMs({ ...FAST, maximumAttempts: 0 }, 40, 10 * 3_600_000),
      500 * 2 ** 11 + MAX_RETRY_AFTER_MS_DEFAULT,
    );
  });
  test('never shorter than the schedule, never longer than its bound', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 10 * 86_400_000 }),
        fc.integer({ min: 0, max: 86_400_000 }),
        (attempt, ra, cap) => {
          const retry = { ...RETRY_DEFAULTS, maxRetryAfterMs: cap };
          const interval = retryDelayMs(retry, attempt);
          const d = honouredDelayMs(retry, attempt, ra);
          if (d === undefined) return cap === 0 || ra <= interval;
          return d > interval && d <= interval + cap && d <= ra;
        },
      ),
    );
  });
});
