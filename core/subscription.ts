// The entity state of one subscription, in one object. Pure and deterministic: the workflow
// feeds it the workflow clock, so the same logic is unit-testable without Temporal.
import { changeBytes, PendingChanges, type PendingEntry } from './merge';
import type {
  AttemptRecord,
  Change,
  DeliveryResult,
  DeliverySummary,
  InFlightDelivery,
  PublicState,
  PublicSubscription,
  SubscriptionConfig,
  SubscriptionCounters,
  SubscriptionPatch,
  SubscriptionState,
  SubscriptionStatus,
} from './types';

export const MAX_SUMMARIES = 100;
/**
 * A batch is the delivery workflow's input, and Temporal refuses payloads over 2 MB: keep a
 * batch's JSON (before compression) well under it, whatever maxBatchSize says.
 */
export const MAX_BATCH_BYTES = 1_000_000;
/** An old secret keeps signing this long after a rotation (docs/contract.md §2). */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;
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
  queue?: SealedQueue;
  retained?: RetainedBatch[];
}

/** A subscription as the API shows it: never its token or secrets. */
export function publicView(config: SubscriptionConfig, state: PublicState): PublicSubscription {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { token, secrets, ...rest } = config;
  return { ...rest, state };
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

export class SubscriptionEntity {
  config: SubscriptionConfig;
  pending: PendingChanges;
  inFlight: InFlightDelivery | null;
  paused: boolean;
  deleted = false;
  nextSequence: number;
  counters: SubscriptionCounters;
  deliveries: DeliverySummary[];
  lastChangeAt: number | undefined;
  queue: SealedQueue;
  retained: RetainedBatch[];

  constructor(config: SubscriptionConfig, carried?: CarriedState) {
    this.config = config;
    this.pending = new PendingChanges(carried?.pending);
    this.inFlight = carried?.inFlight ?? null;
    this.paused = carried?.paused ?? false;
    this.nextSequence = carried?.nextSequence ?? 1;
    this.counters = { ...zeroCounters(), ...carried?.counters };
    this.deliveries = carried?.deliveries ?? [];
    this.lastChangeAt = carried?.lastChangeAt;
    this.queue = carried?.queue ?? { from: this.nextSequence, counts: [] };
    this.retained = carried?.retained ?? [];
  }

  get queuedChanges(): number {
    return this.queue.counts.reduce((a, b) => a + b, 0);
  }

  /** The open window is past its bound and cannot leave now: seal its oldest batch. */
  needsSeal(): boolean {
    if (this.deleted || (!this.inFlight && !this.paused && this.queue.counts.length === 0)) return false;
    return this.pending.bytes > SEAL_BYTES || this.pending.size > SEAL_KEYS;
  }

  /** Takes the oldest batch out of the open window and queues it behind everything sealed before. */
  seal(): { sequence: number; changes: Change[] } {
    const sequence = this.nextSequence++;
    if (this.queue.counts.length === 0) this.queue.from = sequence;
    const changes = this.pending.take(this.config.batching.maxBatchSize, MAX_BATCH_BYTES);
    this.queue.counts.push(changes.length);
    this.counters.deliveriesStarted += 1;
    return { sequence, changes };
  }

  /** The next sealed batch may go: nothing in flight, not paused, not deleted. */
  nextQueued(startedAt: string, idOf: (sequence: number) => string): InFlightDelivery | null {
    if (this.deleted || this.paused || this.inFlight || this.queue.counts.length === 0) return null;
    const sequence = this.queue.from++;
    const changeCount = this.queue.counts.shift()!;
    const deliveryId = idOf(sequence);
    this.inFlight = { deliveryId, sequence, changeCount, startedAt, runner: 'child' };
    this.remember({ deliveryId, sequence, status: 'in_flight', changeCount, startedAt, attempts: [] });
    return this.inFlight;
  }

  /** A fast-path delivery succeeded: keep its changes, newest first, within RETAINED_BYTES. */
  retain(sequence: number, changes: Change[]): void {
    const bytes = changes.reduce((n, c) => n + changeBytes(c), 0);
    if (bytes > RETAINED_BYTES) return;
    this.retained.unshift({ sequence, bytes, changes });
    let total = 0;
    this.retained = this.retained.filter((r) => (total += r.bytes) <= RETAINED_BYTES);
  }

  retainedChanges(sequence: number): Change[] | null {
    return this.retained.find((r) => r.sequence === sequence)?.changes ?? null;
  }

  /** The first attempt failed; a delivery workflow takes the batch over. */
  handOver(attempt: AttemptRecord): void {
    if (!this.inFlight) return;
    this.inFlight = { ...this.inFlight, runner: 'child', attempts: [attempt] };
    const summary = this.deliveries.find((d) => d.sequence === this.inFlight!.sequence);
    if (summary) summary.attempts = [attempt];
  }

  get state(): SubscriptionState {
    return this.deleted ? 'deleted' : this.paused ? 'paused' : 'active';
  }

  receive(changes: Change[], now: number, sizes?: number[]): void {
    this.pending.addAll(changes, now, sizes);
    this.counters.changesReceived += changes.length;
    this.counters.signalsReceived += 1;
    this.lastChangeAt = now;
  }

  /**
   * Milliseconds until the next batch may leave: 0 = now, undefined = nothing to wait for
   * (empty, paused, deleted, or a delivery in flight).
   */
  msUntilFlush(now: number): number | undefined {
    if (this.deleted || this.paused || this.inFlight || this.pending.size === 0) return undefined;
    // Sealed batches hold older changes: they leave first.
    if (this.queue.counts.length > 0) return undefined;
    const { debounceMs, maxWaitMs, maxBatchSize } = this.config.batching;
    if (this.pending.size >= maxBatchSize) return 0;
    const quietAt = (this.lastChangeAt ?? now) + debounceMs;
    const maxAt = (this.pending.oldestFirstAt() ?? now) + maxWaitMs;
    return Math.max(0, Math.min(quietAt, maxAt) - now);
  }

  /** Takes the next batch and marks it in flight. */
  startBatch(
    deliveryId: string,
    startedAt: string,
    runner?: 'local',
  ): { sequence: number; changes: Change[] } {
    const sequence = this.nextSequence++;
    const changes = this.pending.take(this.config.batching.maxBatchSize, MAX_BATCH_BYTES);
    this.inFlight = { deliveryId, sequence, changeCount: changes.length, startedAt };
    if (runner) this.inFlight.runner = runner;
    this.counters.deliveriesStarted += 1;
    this.remember({
      deliveryId,
      sequence,
      status: 'in_flight',
      changeCount: changes.length,
      startedAt,
      attempts: [],
    });
    return { sequence, changes };
  }

  /** Records a delivery's end; returns false for a report that is not about the one in flight. */
  finish(result: DeliveryResult, finishedAt: string): boolean {
    const summary = this.deliveries.find((d) => d.sequence === result.sequence);
    if (summary) Object.assign(summary, { status: result.status, finishedAt, attempts: result.attempts });
    if (this.inFlight?.sequence !== result.sequence) return false;
    this.inFlight = null;
    if (result.status === 'delivered') {
      this.counters.deliveriesDelivered += 1;
      this.counters.changesDelivered += result.changes.length;
    } else {
      this.counters.deliveriesFailed += 1;
    }
    return true;
  }

  private remember(summary: DeliverySummary): void {
    this.deliveries.unshift(summary);
    if (this.deliveries.length > MAX_SUMMARIES) this.deliveries.length = MAX_SUMMARIES;
  }

  configure(patch: SubscriptionPatch): void {
    const { now, signingSecret, batching, retry, ...fields } = patch;
    const c = this.config;
    this.config = {
      ...c,
      ...fields,
      batching: { ...c.batching, ...batching },
      retry: { ...c.retry, ...retry },
      updatedAt: now,
    };
    if (signingSecret !== undefined) this.rotate(signingSecret, now);
  }

  /** The new secret signs from now on; the previous one keeps signing for 24 h. */
  rotate(secret: string, now: string): void {
    const nowMs = Date.parse(now);
    const expiresAt = new Date(nowMs + ROTATION_OVERLAP_MS).toISOString();
    const kept = this.config.secrets
      .filter((s) => !s.expiresAt || Date.parse(s.expiresAt) > nowMs)
      .slice(0, 1)
      .map((s) => ({ ...s, expiresAt: s.expiresAt ?? expiresAt }));
    this.config = { ...this.config, secrets: [{ secret, createdAt: now }, ...kept], updatedAt: now };
  }

  publicView(): PublicSubscription {
    return publicView(this.config, this.state);
  }

  status(): SubscriptionStatus {
    return {
      subscription: this.publicView(),
      state: this.state,
      pendingChanges: this.pending.size,
      pendingBytes: this.pending.bytes,
      queuedBatches: this.queue.counts.length,
      queuedChanges: this.queuedChanges,
      inFlight: this.inFlight,
      counters: { ...this.counters },
    };
  }

  carry(): CarriedState {
    return {
      pending: this.pending.toJSON(),
      inFlight: this.inFlight,
      paused: this.paused,
      nextSequence: this.nextSequence,
      counters: { ...this.counters, continuedAsNew: this.counters.continuedAsNew + 1 },
      deliveries: this.deliveries,
      lastChangeAt: this.lastChangeAt,
      ...(this.queue.counts.length > 0 ? { queue: this.queue } : {}),
      ...(this.retained.length > 0 ? { retained: this.retained } : {}),
    };
  }
}
