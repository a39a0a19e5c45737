// Right to erasure (issue 29), its pure part: which changes belong to the keys being erased,
// what a subscription keeps once they are gone, and whether a decoded payload holds one of them.
// Used unchanged by the workflows (deterministic) and by the history scan of the worker.
import { changeBytes } from './merge';
import type { RetainedBatch } from './subscription-carried';
import type { Change } from './types';

/** One object to erase: the merge key (docs/contract.md §4), tenant included when given. */
export interface EraseKey {
  object: string;
  id: string | number;
  /** Given: only this tenant's object (and never a change without a tenant of the same id). */
  tenant?: string;
}

/**
 * Whether a change is about one of the keys. 42 and "42" are one id, as when merging. A key
 * with a tenant matches a change that carries that tenant, or none (the API strips the tenant
 * before a change reaches a subscription that is not `"*"`, so there it is implied); a key
 * without one matches the object of any tenant.
 */
export function isErased(
  change: Pick<Change, 'object' | 'id' | 'tenant'>,
  keys: readonly EraseKey[],
): boolean {
  return keys.some(
    (k) =>
      k.object === change.object &&
      String(k.id) === String(change.id) &&
      (k.tenant === undefined || change.tenant === undefined || change.tenant === k.tenant),
  );
}

/** The changes that stay, in their order. */
export const withoutErased = (changes: readonly Change[], keys: readonly EraseKey[]): Change[] =>
  changes.filter((c) => !isErased(c, keys));

/** Retained batches without the keys; a batch left empty is dropped. Also answers how many went. */
export function eraseRetained(
  retained: readonly RetainedBatch[],
  keys: readonly EraseKey[],
): { retained: RetainedBatch[]; removed: number } {
  let removed = 0;
  const out: RetainedBatch[] = [];
  for (const batch of retained) {
    const changes = withoutErased(batch.changes, keys);
    removed += batch.changes.length - changes.length;
    if (changes.length === batch.changes.length) out.push(batch);
    else if (changes.length > 0) out.push({ ...batch, changes, bytes: bytesOf(changes) });
  }
  return { retained: out, removed };
}

const bytesOf = (changes: readonly Change[]): number => changes.reduce((n, c) => n + changeBytes(c), 0);

/**
 * Keeps the other keys of a delivery whose workflow is deleted because it held an erased key:
 * as a retained batch of its sequence (replacing one kept before), so its delivery stays listed
 * with its changes and redeliverable. Newest sequence first, like the fast path's batches, and
 * within the same bound (`maxBytes`): the oldest batches give way, so what a subscription
 * carries across continue-as-new stays bounded however many deliveries an erasure touches.
 */
export function keepBatch(
  retained: readonly RetainedBatch[],
  sequence: number,
  changes: Change[],
  maxBytes = Number.POSITIVE_INFINITY,
): RetainedBatch[] {
  const rest = retained.filter((r) => r.sequence !== sequence);
  if (changes.length === 0) return rest;
  const batch = { sequence, bytes: bytesOf(changes), changes };
  const at = rest.findIndex((r) => r.sequence < sequence);
  const all = at < 0 ? [...rest, batch] : [...rest.slice(0, at), batch, ...rest.slice(at)];
  let total = 0;
  return all.filter((r) => (total += r.bytes) <= maxBytes);
}

/** Looks like a change: what a payload's JSON holds wherever a change was carried. */
const isChangeLike = (v: Record<string, unknown>): boolean =>
  typeof v.object === 'string' && (typeof v.id === 'string' || typeof v.id === 'number');

/**
 * Whether a decoded payload (any JSON: a signal's changes, a carried state, a delivery's input
 * or result, an update's argument) holds a change of one of the keys, or an erase key itself.
 * Depth-bounded walk; strings are not searched (a key lives in a change object).
 */
export function holdsErased(value: unknown, keys: readonly EraseKey[], depth = 0): boolean {
  if (value === null || typeof value !== 'object' || depth > 32) return false;
  if (Array.isArray(value)) return value.some((v) => holdsErased(v, keys, depth + 1));
  const v = value as Record<string, unknown>;
  if (isChangeLike(v) && isErased(v as Pick<Change, 'object' | 'id' | 'tenant'>, keys)) return true;
  for (const child of Object.values(v)) if (holdsErased(child, keys, depth + 1)) return true;
  return false;
}

/** One canonical order and spelling, so the same keys always name the same erasure. */
export function canonicalKeys(keys: readonly EraseKey[]): EraseKey[] {
  const seen = new Map<string, EraseKey>();
  for (const k of keys) {
    const key: EraseKey = {
      object: k.object,
      id: String(k.id),
      ...(k.tenant !== undefined ? { tenant: k.tenant } : {}),
    };
    seen.set(JSON.stringify([key.tenant ?? null, key.object, key.id]), key);
  }
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, k]) => k);
}
