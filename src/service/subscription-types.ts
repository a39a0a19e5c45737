// Shapes the subscription service takes and answers, and the pure helpers around them, kept
// apart from the service so that file stays about its Temporal calls.
import type {
  AttemptRecord,
  BatchingConfig,
  InFlightDelivery,
  PublicSubscription,
  RetryConfig,
  SubscriptionConfig,
  SubscriptionCounters,
  SubscriptionPatch,
} from '../../workflows/types';
import { ApiError } from './errors';

export interface CreateSubscriptionInput {
  name: string;
  url: string;
  description?: string;
  events: string[];
  includePii: boolean;
  includeDetails: boolean;
  token?: string;
  signingSecret?: string;
  batching: BatchingConfig;
  retry: RetryConfig;
}

export type PatchSubscriptionInput = Omit<SubscriptionPatch, 'now'>;

export type CreatedSubscription = PublicSubscription & { token: string; signingSecret: string };

export interface SubscriptionDetail extends PublicSubscription {
  pendingChanges: number;
  inFlight:
    | (InFlightDelivery & {
        attempt: number;
        nextAttemptAt?: string;
        attemptsLeft?: number | null;
        lastAttempt?: AttemptRecord;
      })
    | null;
  counters: SubscriptionCounters;
  /** When the newest delivery that succeeded finished, among the last ones kept; absent if none. */
  lastDeliveredAt?: string;
}

export function toPublic(config: SubscriptionConfig): PublicSubscription {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { token, secrets, ...rest } = config;
  return { ...rest, state: 'active' };
}

/** maxWaitMs >= debounceMs must hold for the stored values merged with a PATCH's. */
export function checkBatchingPatch(stored: BatchingConfig, patch: Partial<BatchingConfig>): void {
  const merged = { ...stored, ...patch };
  if (merged.maxWaitMs >= merged.debounceMs) return;
  const path = ['batching', patch.maxWaitMs !== undefined ? 'maxWaitMs' : 'debounceMs'];
  const message = `batching.maxWaitMs (${merged.maxWaitMs}) must be at least batching.debounceMs (${merged.debounceMs})`;
  throw new ApiError(400, 'validation_error', message, [{ in: 'body', path, code: 'custom', message }]);
}
