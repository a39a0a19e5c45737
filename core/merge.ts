// The merge rules of docs/contract.md §4, as pure functions so they can be tested on their own and
// used unchanged inside the deterministic workflow.
import type { Change } from './types';

/**
 * Changes merge by (object, id); 42 and "42" name the same object. A change that kept its
 * tenant (only a `tenant: "*"` subscription gets those) merges by (tenant, object, id), so two
 * tenants' training 42 stay apart; without a tenant the key is unchanged.
 */
export const changeKey = (c: Pick<Change, 'object' | 'id' | 'tenant'>): string =>
  c.tenant === undefined
    ? `${c.object}\u0000${String(c.id)}`
    : `${c.tenant}\u0000${c.object}\u0000${String(c.id)}`;

/**
 * Merges a later change into an earlier one for the same key: the later one wins, except
 * that `import` absorbs `update` in either order (the result is an import with the latest
 * data). A destroy replaces anything, and anything after a destroy replaces it.
 */
export function mergeChange(earlier: Change | undefined, later: Change): Change {
  if (!earlier) return later;
  if (earlier.action === 'import' && later.action === 'update') {
    // Keep the import's event: the merged change is an import, whatever the update was called.
    const merged: Change = { ...later, action: 'import' };
    if (earlier.event !== undefined) merged.event = earlier.event;
    else delete merged.event;
    return merged;
  }
  return later;
}

export interface PendingEntry {
  key: string;
  change: Change;
  /** When the first change of this key arrived, for maxWaitMs. */
  firstAt: number;
  /** When the latest change of this key arrived. */
  lastAt: number;
  /** JSON length of `change`, kept so the backlog's size is known without re-serializing. */
  bytes?: number;
}

/** JSON length of one change, the unit every size bound of a subscription is counted in. */
export const changeBytes = (c: Change): number => JSON.stringify(c).length + 1;

/**
 * The pending changes of one subscription. A Map keeps insertion order, and a merged key is
 * re-inserted, so iteration order is "by each key's latest change", the order of a batch.
 */
export class PendingChanges {
  private readonly entries = new Map<string, PendingEntry>();
  private totalBytes = 0;

  constructor(initial: PendingEntry[] = []) {
    for (const e of initial) {
      const bytes = e.bytes ?? changeBytes(e.change);
      this.entries.set(e.key, { ...e, bytes });
      this.totalBytes += bytes;
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** JSON bytes of every pending change: what a batch of all of them would weigh. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** `size`: the change's JSON length if the sender measured it (a merged change is measured here). */
  add(change: Change, now: number, size?: number): void {
    const key = changeKey(change);
    const prev = this.entries.get(key);
    this.entries.delete(key);
    const merged = mergeChange(prev?.change, change);
    const bytes = merged === change && size !== undefined ? size : changeBytes(merged);
    this.totalBytes += bytes - (prev?.bytes ?? 0);
    this.entries.set(key, { key, change: merged, firstAt: prev?.firstAt ?? now, lastAt: now, bytes });
  }

  addAll(changes: Change[], now: number, sizes?: number[]): void {
    changes.forEach((c, i) => this.add(c, now, sizes?.[i]));
  }

  /**
   * Puts back changes that left in a batch that was not delivered (a disabled subscription holds
   * them): older than anything pending, so a pending change of the same key is merged over them
   * and keeps its place, and the others go first, in their batch order.
   */
  addOlder(changes: Change[], now: number): void {
    const back = new Map<string, PendingEntry>();
    for (const change of changes) {
      const key = changeKey(change);
      const newer = this.entries.get(key);
      if (!newer) {
        const merged = mergeChange(back.get(key)?.change, change);
        back.set(key, { key, change: merged, firstAt: now, lastAt: now, bytes: changeBytes(merged) });
        continue;
      }
      const merged = mergeChange(change, newer.change);
      const bytes = merged === newer.change ? newer.bytes! : changeBytes(merged);
      this.totalBytes += bytes - newer.bytes!;
      this.entries.set(key, { ...newer, change: merged, bytes });
    }
    const rest = [...this.entries];
    this.entries.clear();
    for (const e of back.values()) {
      this.entries.set(e.key, e);
      this.totalBytes += e.bytes!;
    }
    for (const [key, e] of rest) if (!this.entries.has(key)) this.entries.set(key, e);
  }

  /**
   * Removes and returns the `max` keys whose latest change is oldest, in batch order, stopping
   * early once the batch would pass `maxBytes` of JSON (at least one change always leaves).
   */
  take(max: number, maxBytes = Number.POSITIVE_INFINITY): Change[] {
    const out: Change[] = [];
    let bytes = 0;
    for (const [key, entry] of this.entries) {
      if (out.length >= max) break;
      const size = entry.bytes ?? changeBytes(entry.change);
      if (bytes + size > maxBytes && out.length > 0) break;
      bytes += size;
      out.push(entry.change);
      this.entries.delete(key);
      this.totalBytes -= size;
    }
    return out;
  }

  /** Arrival of the oldest change still waiting, for maxWaitMs. */
  oldestFirstAt(): number | undefined {
    let oldest: number | undefined;
    for (const e of this.entries.values()) if (oldest === undefined || e.firstAt < oldest) oldest = e.firstAt;
    return oldest;
  }

  latestAt(): number | undefined {
    let latest: number | undefined;
    for (const e of this.entries.values()) latest = e.lastAt;
    return latest;
  }

  /** In batch order; at most `limit` of them. */
  changes(limit = Number.POSITIVE_INFINITY): Change[] {
    const out: Change[] = [];
    for (const e of this.entries.values()) {
      if (out.length >= limit) break;
      out.push(e.change);
    }
    return out;
  }

  /** Plain data for continue-as-new: Maps do not survive JSON. */
  toJSON(): PendingEntry[] {
    return [...this.entries.values()];
  }
}

/** Merges a whole sequence at once: what a receiver should see if it all went in one batch. */
export function mergeAll(changes: Change[]): Change[] {
  const p = new PendingChanges();
  p.addAll(changes, 0);
  return p.take(Number.POSITIVE_INFINITY);
}
