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
} from '../../core/types';
import { ApiError } from './errors';

export interface CreateSubscriptionInput {
  name: string;
  url: string;
  description?: string;
  events: string[];
  tenant?: string;
  channels?: string[];
  includePii: boolean;
  includeDetails: boolean;
  token?: string;
  signingSecret?: string;
  batching: BatchingConfig;
  retry: RetryConfig;
}

export type PatchSubscriptionInput = Omit<SubscriptionPatch, 'now'>;

/**
 * Who is asking: the admin key sees every subscription ({}); a tenant token only its tenant's,
 * and every other one is "not found" to it, so it cannot even learn that an id exists.
 */
export interface Scope {
  tenant?: string;
}

export const ADMIN_SCOPE: Scope = {};

/** Whether a subscription of `subTenant` is visible in this scope. */
export const inScope = (scope: Scope, subTenant: string | undefined): boolean =>
  scope.tenant === undefined || scope.tenant === subTenant;

/** The tenant a creation ends up with: a tenant token's own, whether given or not. */
export function tenantForCreate(scope: Scope, given: string | undefined): string | undefined {
  if (scope.tenant === undefined || given === undefined || given === scope.tenant)
    return scope.tenant ?? given;
  const message = `this token manages tenant "${scope.tenant}" only: leave tenant out or set it to "${scope.tenant}"`;
  throw new ApiError(400, 'validation_error', message, [
    { in: 'body', path: ['tenant'], code: 'custom', message },
  ]);
}

export type CreatedSubscription = PublicSubscription & { token: string; signingSecret: string };

export interface SubscriptionDetail extends PublicSubscription {
  pendingChanges: number;
  queuedBatches: number;
  queuedChanges: number;
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
