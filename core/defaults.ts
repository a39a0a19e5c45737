// The defaults of a subscription's batching and retry settings (docs/contract.md §2), used by
// the API's schemas, the tests' builders and the benchmark.
import type { BatchingConfig, DeliveryConfig, RetryConfig } from './types';

export const BATCHING_DEFAULTS = {
  debounceMs: 2000,
  maxWaitMs: 10_000,
  maxBatchSize: 500,
} as const satisfies BatchingConfig;
export const RETRY_DEFAULTS = {
  initialIntervalMs: 60_000,
  backoffCoefficient: 2,
  maximumAttempts: 13,
  timeoutMs: 10_000,
  maxRetryAfterMs: 2 * 60 * 60 * 1000,
} as const satisfies RetryConfig;
/** Five days of nothing but failures disable a subscription (docs/contract.md §7). */
export const DELIVERY_DEFAULTS = {
  disableAfterMs: 5 * 24 * 60 * 60 * 1000,
} as const satisfies DeliveryConfig;
