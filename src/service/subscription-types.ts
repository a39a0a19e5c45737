// Shapes the subscription service takes and answers, and the pure helpers around them, kept
// apart from the service so that file stays about its calls to the gateway.
import type {
  PublicSubscription,
  SubscriptionConfig,
  SubscriptionStatus,
  SubscriptionPatch,
} from '../../core/types';
import type {
  AttemptRecord,
  DeliveryState,
  DeliverySummary,
  InFlightDelivery,
} from '../../core/delivery-types';
import { ApiError } from './errors';

/** The configuration a creation gives: what the service does not fill in itself. */
export type CreateSubscriptionInput = Pick<
  SubscriptionConfig,
  'name' | 'url' | 'events' | 'includePii' | 'includeDetails' | 'batching' | 'retry'
> &
  Partial<Pick<SubscriptionConfig, 'delivery'>> &
  Partial<Pick<SubscriptionConfig, 'description' | 'tenant' | 'channels' | 'token'>> & {
    signingSecret?: string;
  };

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

/** A new subscription's whole configuration, from what its creation gave and what was filled in. */
export function newConfig(
  input: CreateSubscriptionInput,
  made: { id: string; tenant?: string; token: string; signingSecret: string; now: string },
): SubscriptionConfig {
  const { id, tenant, token, signingSecret, now } = made;
  return {
    id,
    name: input.name,
    url: input.url,
    description: input.description ?? '',
    events: input.events,
    // Only when given, so a subscription without them is exactly what it was before them.
    ...(tenant === undefined ? {} : { tenant }),
    ...(input.channels?.length ? { channels: input.channels } : {}),
    includePii: input.includePii,
    includeDetails: input.includeDetails,
    token,
    secrets: [{ secret: signingSecret, createdAt: now }],
    batching: input.batching,
    retry: input.retry,
    ...(input.delivery ? { delivery: input.delivery } : {}),
    createdAt: now,
    updatedAt: now,
  };
}

export type CreatedSubscription = PublicSubscription & { token: string; signingSecret: string };

/** A subscription as GET answers it: its public view, its backlog and its delivery in flight. */
export type SubscriptionDetail = PublicSubscription &
  Pick<Required<SubscriptionStatus>, 'pendingChanges' | 'queuedBatches' | 'queuedChanges' | 'counters'> &
  Pick<SubscriptionStatus, 'nextPostAt'> & {
    inFlight:
      | (InFlightDelivery &
          Pick<DeliveryState, 'nextAttemptAt' | 'attemptsLeft'> & {
            /** Attempts made so far (0 while the subscription's own first attempt runs). */
            attempt: number;
            lastAttempt?: AttemptRecord;
          })
      | null;
    /** When the newest delivery that succeeded finished, among the last ones kept; absent if none. */
    lastDeliveredAt?: string;
    /**
     * When the live part (everything from `pendingChanges` on) was read from the workflow: now,
     * unless the workflow could not answer in time and the last status read is shown instead.
     */
    statusAsOf: string;
  };

/** What a GET reads from the running workflow, beside its configuration. */
export type LiveStatus = Omit<SubscriptionDetail, keyof PublicSubscription>;

/** The newest finishedAt of a delivered delivery among the summaries the workflow keeps. */
export function lastDeliveredAt(summaries: DeliverySummary[]): string | undefined {
  let last: string | undefined;
  for (const s of summaries) {
    if (s.status === 'delivered' && s.finishedAt && (!last || s.finishedAt > last)) last = s.finishedAt;
  }
  return last;
}
