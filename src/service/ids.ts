// Public identifiers. Subscription ids are random (not sequential) so that one cannot guess
// another tenant's subscription, and alphanumeric so they sit safely in workflow ids and URLs.
// Their shape and every other id are in core/ids.ts; making one needs crypto, so it is here.
import { randomInt } from 'node:crypto';
import { SUBSCRIPTION_ID_PREFIX } from '../../core/ids';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function newSubscriptionId(): string {
  let id = SUBSCRIPTION_ID_PREFIX;
  for (let i = 0; i < 20; i++) id += ALPHABET[randomInt(ALPHABET.length)];
  return id;
}
