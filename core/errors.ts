// Why the subscription workflow refuses an update: the `type` of the ApplicationFailure its
// validators throw. The gateway carries the type (src/temporal/gateway-errors.ts) and the service
// layer maps it to an HTTP meaning (src/service/errors.ts), never the message text, which is for
// people.
export const DOMAIN_ERRORS = {
  /** The subscription was deleted: whatever is asked of it, it is not found. */
  subscriptionDeleted: 'HeraldSubscriptionDeleted',
  /** No delivery of the subscription has this id (any more): not found. */
  unknownDelivery: 'HeraldUnknownDelivery',
  /** The delivery is still in flight and cannot be redelivered yet: a conflict. */
  deliveryInFlight: 'HeraldDeliveryInFlight',
} as const;

export type DomainErrorType = (typeof DOMAIN_ERRORS)[keyof typeof DOMAIN_ERRORS];

/** The refusals that mean "not found" to a caller; any other refusal is a conflict. */
export const isNotFoundError = (type: string | undefined | null): boolean =>
  type === DOMAIN_ERRORS.subscriptionDeleted || type === DOMAIN_ERRORS.unknownDelivery;
