// A subscription's configuration as the entity changes it: patches, secret rotation, and the
// public view that never carries the token or the secrets.
import { DELIVERY_DEFAULTS } from './defaults';
import type {
  DeliveryConfig,
  PublicState,
  PublicSubscription,
  SubscriptionConfig,
  SubscriptionPatch,
} from './types';

/** An old secret keeps signing this long after a rotation (docs/contract.md §2). */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

/** A subscription as the API shows it: never its token or secrets. */
export function publicView(config: SubscriptionConfig, state: PublicState): PublicSubscription {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { token, secrets, ...rest } = config;
  return { ...rest, state };
}

/** The configuration after a patch; a new signing secret is a rotation. */
export function applyPatch(config: SubscriptionConfig, patch: SubscriptionPatch): SubscriptionConfig {
  const { now, signingSecret, batching, retry, delivery, ...fields } = patch;
  const next: SubscriptionConfig = {
    ...config,
    ...fields,
    batching: { ...config.batching, ...batching },
    retry: { ...config.retry, ...retry },
    updatedAt: now,
  };
  if (delivery) next.delivery = patchDelivery(config.delivery, delivery);
  return signingSecret === undefined ? next : rotateSecret(next, signingSecret, now);
}

/** `maxPerMinute: null` takes the limit away; a subscription from before `delivery` gets its defaults. */
function patchDelivery(
  current: DeliveryConfig | undefined,
  patch: NonNullable<SubscriptionPatch['delivery']>,
): DeliveryConfig {
  const { maxPerMinute, disableAfterMs } = patch;
  const next: DeliveryConfig = { ...DELIVERY_DEFAULTS, ...current };
  if (disableAfterMs !== undefined) next.disableAfterMs = disableAfterMs;
  if (maxPerMinute === null) delete next.maxPerMinute;
  else if (maxPerMinute !== undefined) next.maxPerMinute = maxPerMinute;
  return next;
}

/** The new secret signs from now on; the previous one keeps signing for 24 h. */
export function rotateSecret(config: SubscriptionConfig, secret: string, now: string): SubscriptionConfig {
  const nowMs = Date.parse(now);
  const expiresAt = new Date(nowMs + ROTATION_OVERLAP_MS).toISOString();
  const kept = config.secrets
    .filter((s) => !s.expiresAt || Date.parse(s.expiresAt) > nowMs)
    .slice(0, 1)
    .map((s) => ({ ...s, expiresAt: s.expiresAt ?? expiresAt }));
  return { ...config, secrets: [{ secret, createdAt: now }, ...kept], updatedAt: now };
}
