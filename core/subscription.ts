// The entity state of one subscription, in one object. Pure and deterministic: the workflow
// feeds it the workflow clock, so the same logic is unit-testable without Temporal.
import { changeBytes, PendingChanges } from './merge';
import {
  MAX_BATCH_BYTES,
  MAX_SUMMARIES,
  RETAINED_BYTES,
  SEAL_BYTES,
  SEAL_KEYS,
  zeroCounters,
  type CarriedState,
  type RetainedBatch,
  type SealedQueue,
} from './subscription-carried';
import { applyPatch, publicView, rotateSecret } from './subscription-config';
import { SubscriptionHealth } from './subscription-health';
import type {
  Change,
  PublicSubscription,
  SubscriptionConfig,
  SubscriptionCounters,
  SubscriptionPatch,
  SubscriptionState,
  SubscriptionStatus,
} from './types';
import type { AttemptRecord, DeliveryResult, DeliverySummary, InFlightDelivery } from './delivery-types';

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
  /** When the last batch left: with delivery.maxPerMinute, the next waits its turn after it. */
  lastPostAt: number | undefined;
  queue: SealedQueue;
  retained: RetainedBatch[];
  health: SubscriptionHealth;
  /** Disable on failure and operational events: off in runs recorded before them (replay). */
  lifecycle = false;
  /** Trace contexts of the changes received since the last batch was cut (core/trace-links.ts). */
  traceparents: string[];

  constructor(config: SubscriptionConfig, carried?: CarriedState) {
    this.config = config;
    this.pending = new PendingChanges(carried?.pending);
    this.inFlight = carried?.inFlight ?? null;
    this.paused = carried?.paused ?? false;
    this.nextSequence = carried?.nextSequence ?? 1;
    this.counters = { ...zeroCounters(), ...carried?.counters };
    this.deliveries = carried?.deliveries ?? [];
    this.lastChangeAt = carried?.lastChangeAt;
    this.lastPostAt = carried?.lastPostAt;
    this.queue = carried?.queue ?? { from: this.nextSequence, counts: [] };
    this.retained = carried?.retained ?? [];
    this.health = new SubscriptionHealth(carried?.health);
    this.traceparents = carried?.traceparents ?? [];
  }

  /** Nothing leaves: paused by an operator or disabled by Herald. */
  get holding(): boolean {
    return this.paused || this.health.disabled !== undefined;
  }

  get queuedChanges(): number {
    return this.queue.counts.reduce((a, b) => a + b, 0);
  }

  /** The open window is past its bound and cannot leave now: seal its oldest batch. */
  needsSeal(): boolean {
    if (this.deleted || (!this.inFlight && !this.holding && this.queue.counts.length === 0)) return false;
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
    if (this.deleted || this.holding || this.inFlight || this.queue.counts.length === 0) return null;
    if (this.msUntilPace(Date.parse(startedAt)) > 0) return null;
    this.lastPostAt = Date.parse(startedAt);
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
    if (this.lifecycle) this.health.attemptFailed(attempt);
  }

  get state(): SubscriptionState {
    if (this.deleted) return 'deleted';
    return this.health.disabled ? 'disabled' : this.paused ? 'paused' : 'active';
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
    if (this.deleted || this.holding || this.inFlight || this.pending.size === 0) return undefined;
    const pace = this.msUntilPace(now);
    // Sealed batches hold older changes: they leave first (nextQueued, once paced).
    if (this.queue.counts.length > 0) return pace > 0 ? pace : undefined;
    const { debounceMs, maxWaitMs, maxBatchSize } = this.config.batching;
    if (this.pending.size >= maxBatchSize) return pace;
    const quietAt = (this.lastChangeAt ?? now) + debounceMs;
    const maxAt = (this.pending.oldestFirstAt() ?? now) + maxWaitMs;
    return Math.max(pace, Math.min(quietAt, maxAt) - now, 0);
  }

  /**
   * delivery.maxPerMinute: batches leave at least 60 s / maxPerMinute apart; meanwhile changes
   * keep merging into the next one. 0 = not paced (or its turn has come).
   */
  msUntilPace(now: number): number {
    const perMinute = this.config.delivery?.maxPerMinute;
    if (!perMinute || this.lastPostAt === undefined) return 0;
    return Math.max(0, this.lastPostAt + Math.ceil(60_000 / perMinute) - now);
  }

  /** Takes the next batch and marks it in flight. */
  startBatch(
    deliveryId: string,
    startedAt: string,
    runner?: 'local',
  ): { sequence: number; changes: Change[] } {
    const sequence = this.nextSequence++;
    const changes = this.pending.take(this.config.batching.maxBatchSize, MAX_BATCH_BYTES);
    this.lastPostAt = Date.parse(startedAt);
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
    if (!this.lifecycle) return true;
    const now = Date.parse(finishedAt);
    // Failed while disabled (410, or past disableAfterMs): held for the resume, older than
    // anything pending, rather than dead-lettered.
    if (this.health.deliveryEnded(result, this.config, now, finishedAt))
      this.pending.addOlder(result.changes, now);
    return true;
  }

  /** Sends again: resumed by an operator (paused or disabled). */
  resume(at: string): void {
    this.paused = false;
    if (this.lifecycle) this.health.enable(this.config, at);
  }

  private remember(summary: DeliverySummary): void {
    this.deliveries.unshift(summary);
    if (this.deliveries.length > MAX_SUMMARIES) this.deliveries.length = MAX_SUMMARIES;
  }

  configure(patch: SubscriptionPatch): void {
    this.config = applyPatch(this.config, patch);
  }

  rotate(secret: string, now: string): void {
    this.config = rotateSecret(this.config, secret, now);
  }

  publicView(): PublicSubscription {
    return { ...publicView(this.config, this.state), ...this.health.view() };
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
      ...this.pacedView(),
    };
  }

  /** While paced with something waiting: when the next batch may leave. */
  private pacedView(): { nextPostAt?: string } {
    if (this.pending.size === 0 && this.queue.counts.length === 0) return {};
    const now = Date.now();
    const wait = this.msUntilPace(now);
    return wait > 0 ? { nextPostAt: new Date(now + wait).toISOString() } : {};
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
      // Only where it matters, so unpaced runs carry exactly what they did before pacing.
      ...(this.config.delivery?.maxPerMinute && this.lastPostAt !== undefined
        ? { lastPostAt: this.lastPostAt }
        : {}),
      ...(this.queue.counts.length > 0 ? { queue: this.queue } : {}),
      ...(this.retained.length > 0 ? { retained: this.retained } : {}),
      ...(this.health.carry() ? { health: this.health.carry() } : {}),
      ...(this.traceparents.length > 0 ? { traceparents: this.traceparents } : {}),
    };
  }
}
