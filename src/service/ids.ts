// Public identifiers. Subscription ids are random (not sequential) so that one cannot guess
// another tenant's subscription, and alphanumeric so they sit safely in workflow ids and URLs.
import { randomInt } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const SUBSCRIPTION_ID_PATTERN = /^sub_[A-Za-z0-9]{20}$/;

export function newSubscriptionId(): string {
  let id = 'sub_';
  for (let i = 0; i < 20; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}

export const isSubscriptionId = (id: string): boolean => SUBSCRIPTION_ID_PATTERN.test(id);
