// Signals, queries and updates: one module shared by the workflows and the API, so both
// sides agree on names and payload types.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { Change, PublicSubscription, SubscriptionPatch, SubscriptionStatus } from '../core/types';
import type { AttemptRecord, DeliveryResult, DeliveryState, DeliverySummary } from '../core/delivery-types';

/** New changes for a subscription (already filtered for personal data and details). */
/**
 * `sizes`: each change's JSON length, measured once by the API, so a workflow task that takes a
 * burst of buffered signals does not serialize every change again (absent in older signals).
 */
export interface ChangesSignalInput {
  changes: Change[];
  sizes?: number[];
  /** With tracing on: the W3C contexts of the requests whose changes this signal carries. */
  traceparents?: string[];
}
export const changesSignal = defineSignal<[ChangesSignalInput]>('changes');
/** Sent by a delivery workflow to its subscription when it has ended. */
export const deliveryFinishedSignal = defineSignal<[DeliveryResult]>('deliveryFinished');
/** Sent by the subscription to a sealed delivery when its turn has come. */
export const releaseSignal = defineSignal('release');
/**
 * Sent by the API right after it restored the subscription's closed workflow: the subscription
 * emits subscription.broken and subscription.restored (`closedAt`: when the run was closed).
 */
export const restoredSignal = defineSignal<[{ at: string; closedAt?: string }]>('restored');
/** Sent by the delivery activity to its delivery workflow after every attempt. */
export const attemptSignal = defineSignal<[AttemptRecord]>('attempt');

export const statusQuery = defineQuery<SubscriptionStatus>('status');
export const deliveriesQuery = defineQuery<DeliverySummary[]>('deliveries');
export const pendingQuery = defineQuery<Change[]>('pending');
export const deliveryStateQuery = defineQuery<DeliveryState>('deliveryState');
/** The changes of a fast-path delivery, kept by the subscription (null: not kept, or a child has them). */
export const deliveryChangesQuery = defineQuery<Change[] | null, [number]>('deliveryChanges');

export const configureUpdate = defineUpdate<PublicSubscription, [SubscriptionPatch]>('configure');
export const pauseUpdate = defineUpdate<PublicSubscription>('pause');
export const resumeUpdate = defineUpdate<PublicSubscription>('resume');
/** The new secret is made by the caller: workflow code has no secure randomness. */
export const rotateSecretUpdate = defineUpdate<PublicSubscription, [{ secret: string; now: string }]>(
  'rotateSecret',
);
export const deleteUpdate = defineUpdate<void>('delete');
/** Puts a delivery's changes (fetched from its delivery workflow) back into pending. */
export const redeliverUpdate = defineUpdate<
  { pendingChanges: number },
  [{ deliveryId: string; changes: Change[] }]
>('redeliver');

/**
 * Failed deliveries' changes, merged by key in delivery order, put back older than anything
 * pending (so a newer pending change of a key wins). Sent newest chunk first when split.
 */
export const recoverUpdate = defineUpdate<{ pendingChanges: number }, [{ changes: Change[] }]>('recover');

/**
 * Custom search attributes, each defined once: the subscription workflow upserts them, setup
 * and the embedded server register them (src/temporal/search-attributes.ts), tests read them.
 */
export const SEARCH_ATTRIBUTES = {
  subscriptionId: defineSearchAttributeKey('HeraldSubscriptionId', SearchAttributeType.KEYWORD),
  state: defineSearchAttributeKey('HeraldState', SearchAttributeType.KEYWORD),
  events: defineSearchAttributeKey('HeraldEvents', SearchAttributeType.KEYWORD_LIST),
  failedDeliveries: defineSearchAttributeKey('HeraldFailedDeliveries', SearchAttributeType.INT),
  tenant: defineSearchAttributeKey('HeraldTenant', SearchAttributeType.KEYWORD),
} as const;
