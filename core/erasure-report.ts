// What an erasure tells about itself: where it is, and what it removed from where. Counts only,
// never a key or a change, so the report can be kept (and shown) after the erasure is done.

/** `histories`: sweeping the namespace; `done`: the report (while running: deleting its own first run). */
export type ErasurePhase = 'histories' | 'done';

/** What one subscription's live state gave up (the answer of its erase update). */
export interface SubscriptionErased {
  pendingChanges: number;
  retainedChanges: number;
}

export interface ErasureCounts {
  /** Running subscriptions whose current run held a key: erased and continued as new. */
  subscriptions: number;
  /** Of those, the ones whose live state held it (pending or retained changes). */
  subscriptionsAffected: number;
  pendingChanges: number;
  retainedChanges: number;
  /** Sealed batches waiting for their turn, rebuilt without the key (emptied ones send nothing). */
  queuedBatchesRebuilt: number;
  /** Deliveries retrying when the erasure came, stopped before their next attempt and rebuilt. */
  inFlightDeliveriesRebuilt: number;
  /** Closed workflow runs read (their histories decoded and searched). */
  historiesScanned: number;
  /** Runs deleted because their history held the key, by workflow. */
  subscriptionRunsDeleted: number;
  deliveryRunsDeleted: number;
  otherRunsDeleted: number;
  /** Ended deliveries whose other keys were kept (in their subscription) before deletion. */
  batchesKept: number;
  /** Ended deliveries whose other keys could not be kept: their subscription is gone. */
  batchesDropped: number;
  /** Runs still holding the key that the erasure could not touch (running, or a broken subscription's). */
  stillHeld: number;
}

export interface ErasureProgress {
  erasureId: string;
  phase: ErasurePhase;
  keys: number;
  startedAt: string;
  finishedAt?: string;
  counts: ErasureCounts;
}

export const zeroErasureCounts = (): ErasureCounts => ({
  subscriptions: 0,
  subscriptionsAffected: 0,
  pendingChanges: 0,
  retainedChanges: 0,
  queuedBatchesRebuilt: 0,
  inFlightDeliveriesRebuilt: 0,
  historiesScanned: 0,
  subscriptionRunsDeleted: 0,
  deliveryRunsDeleted: 0,
  otherRunsDeleted: 0,
  batchesKept: 0,
  batchesDropped: 0,
  stillHeld: 0,
});

/** Adds `more` into `into` (the counts of one step into the erasure's). */
export function addCounts(into: ErasureCounts, more: Partial<ErasureCounts>): ErasureCounts {
  for (const [k, v] of Object.entries(more) as [keyof ErasureCounts, number][]) into[k] += v;
  return into;
}

export const ERASURE_ID_PATTERN = /^era_[A-Za-z0-9]{24}$/;
export const ERASURE_WORKFLOW_PREFIX = 'erasure:';
export const erasureWorkflowId = (id: string): string => `${ERASURE_WORKFLOW_PREFIX}${id}`;
