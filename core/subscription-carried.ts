// What one subscription run carries into the next at continue-as-new, and the bounds that keep
// it small whatever the backlog (Temporal refuses payloads over 2 MB).
import type { Change, SubscriptionCounters } from './types';
import type { DeliverySummary, InFlightDelivery } from './delivery-types';
import type { PendingEntry } from './merge';
import type { CarriedHealth } from './subscription-health';

export const MAX_SUMMARIES = 100;
/**
 * A batch is the delivery workflow's input, and Temporal refuses payloads over 2 MB: keep a
 * batch's JSON (before compression) well under it, whatever maxBatchSize says.
 */
export const MAX_BATCH_BYTES = 1_000_000;
/**
 * The open window's bound. Past it, while nothing can leave (a delivery in flight or paused),
 * the oldest batch is sealed into a queued delivery workflow, so the state carried across
 * continue-as-new, the pending query and the worker's memory stay bounded whatever the backlog.
 */
export const SEAL_BYTES = 384 * 1024;
export const SEAL_KEYS = 5_000;
/** Changes of fast-path deliveries kept for the deliveries list and redeliver (newest first). */
export const RETAINED_BYTES = 384 * 1024;

/** Changes of a delivery that has no delivery workflow (delivered on the fast path). */
export interface RetainedBatch {
  sequence: number;
  bytes: number;
  changes: Change[];
}

/** Sealed batches waiting in their delivery workflows: sequences from..from+counts.length-1. */
export interface SealedQueue {
  from: number;
  counts: number[];
}

/** Everything a run hands to the next one at continue-as-new. Plain JSON. */
export interface CarriedState {
  pending: PendingEntry[];
  inFlight: InFlightDelivery | null;
  paused: boolean;
  nextSequence: number;
  counters: SubscriptionCounters;
  deliveries: DeliverySummary[];
  lastChangeAt?: number;
  /** When the last batch left (kept only for a paced subscription). */
  lastPostAt?: number;
  queue?: SealedQueue;
  retained?: RetainedBatch[];
  /** Failing since, disabled, operational events not yet emitted (absent: none of them). */
  health?: CarriedHealth;
  /** Trace contexts of the changes not yet in a batch (absent: none, or tracing off). */
  traceparents?: string[];
}

export const zeroCounters = (): SubscriptionCounters => ({
  changesReceived: 0,
  signalsReceived: 0,
  deliveriesStarted: 0,
  deliveriesDelivered: 0,
  deliveriesFailed: 0,
  changesDelivered: 0,
  continuedAsNew: 0,
});
