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
}

export function toPublic(config: SubscriptionConfig): PublicSubscription {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { token, secrets, ...rest } = config;
  return { ...rest, state: 'active' };
}
