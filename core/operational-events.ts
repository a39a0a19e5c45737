// Operational events: what Herald tells subscribers about its own subscriptions (disabled,
// enabled, a batch dead-lettered, broken, restored), as changes routed like a publisher's.
// Pure, so the subscription workflow builds them deterministically and the API's catalogue
// and routing rules agree on the names.
import type { Change, DisabledReason, SubscriptionConfig } from './types';

export const OPERATIONAL_EVENTS = [
  'subscription.disabled',
  'subscription.enabled',
  'delivery.failed',
  'subscription.broken',
  'subscription.restored',
] as const;
export type OperationalEvent = (typeof OPERATIONAL_EVENTS)[number];

const NAMES: ReadonlySet<string> = new Set(OPERATIONAL_EVENTS);
/** Operational events are opt-in by name: `"*"` in a subscription's events does not include them. */
export const isOperationalEvent = (name: string): boolean => NAMES.has(name);

export interface OperationalEventData {
  /** The subscription the event is about. */
  id: string;
  name: string;
  tenant?: string;
  reason: DisabledReason | 'resumed' | 'attempts_exhausted' | 'closed' | 'restored';
  lastStatusCode?: number;
  at: string;
  deliveryId?: string;
  changeCount?: number;
}

/** An operational event as it is routed: the subscription's tenant is its routing tenant. */
export type OperationalChange = Change & { event: OperationalEvent; data: Record<string, unknown> };

/**
 * One event as a change. The key (object, id) is one per subscription and event name, so a
 * receiver that is behind gets the latest of each kind; a dead-lettered batch is keyed by its
 * delivery, so every one is told.
 */
export function operationalChange(
  event: OperationalEvent,
  config: Pick<SubscriptionConfig, 'id' | 'name' | 'tenant'>,
  detail: Omit<OperationalEventData, 'id' | 'name' | 'tenant'>,
): OperationalChange {
  const data: OperationalEventData = {
    id: config.id,
    name: config.name,
    ...(config.tenant === undefined ? {} : { tenant: config.tenant }),
    ...detail,
  };
  const delivery = event === 'delivery.failed' && detail.deliveryId !== undefined;
  return {
    action: 'update',
    object: delivery ? 'delivery' : 'subscription',
    id: delivery ? detail.deliveryId! : `${config.id}:${event.split('.')[1]}`,
    event,
    ...(config.tenant === undefined ? {} : { tenant: config.tenant }),
    data: data as unknown as Record<string, unknown>,
  };
}
