// Every identifier Herald builds or parses, in one place: subscription ids, the Temporal
// workflow ids of a subscription and of its deliveries, and the delivery id a partner sees.
// Pure; generating a new random subscription id needs crypto and lives in src/service/ids.ts.

export const SUBSCRIPTION_ID_PREFIX = 'sub_';
export const SUBSCRIPTION_ID_PATTERN = /^sub_[A-Za-z0-9]{20}$/;
export const isSubscriptionId = (id: string): boolean => SUBSCRIPTION_ID_PATTERN.test(id);

export const SUBSCRIPTION_WORKFLOW_PREFIX = 'subscription:';
export const subscriptionWorkflowId = (id: string): string => `${SUBSCRIPTION_WORKFLOW_PREFIX}${id}`;
export const deliveryWorkflowId = (subscriptionId: string, sequence: number): string =>
  `delivery:${subscriptionId}:${sequence}`;
/**
 * The task queue of sealed (queued) deliveries, beside the main one: served by workers with a
 * small workflow cache, so a backlog of thousands of queued batches never sits in memory.
 */
export const queuedTaskQueue = (taskQueue: string): string => `${taskQueue}-queued`;
/** The `webhook-id` a receiver de-duplicates on; the same for every attempt of a delivery. */
export const deliveryIdOf = (subscriptionId: string, sequence: number): string =>
  `dlv_${subscriptionId.replace(/^sub_/, '')}_${sequence}`;
export const parseDeliveryId = (
  deliveryId: string,
): { subscriptionSuffix: string; sequence: number } | null => {
  const m = /^dlv_([A-Za-z0-9]+)_(\d+)$/.exec(deliveryId);
  return m ? { subscriptionSuffix: m[1]!, sequence: Number(m[2]) } : null;
};
/** Whether a delivery id names a delivery of this subscription. */
export const isDeliveryOf = (deliveryId: string, subscriptionId: string): boolean => {
  const parsed = parseDeliveryId(deliveryId);
  return parsed !== null && `${SUBSCRIPTION_ID_PREFIX}${parsed.subscriptionSuffix}` === subscriptionId;
};
