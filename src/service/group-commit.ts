// Group commit of changes signals. A hot subscription would otherwise get one signal per
// publish request and its workflow history would grow by thousands of events a second; here
// each subscription has at most one signal in flight from this process, and everything that
// arrives meanwhile goes together in the next one. Signals to one subscription also start at
// least minIntervalMs apart, so the rate is bounded even when Temporal answers in a millisecond
// (an idle subscription's first signal still leaves at once). A caller's promise settles only
// when every signal carrying its changes has been acknowledged by Temporal (durable).
//
// Backpressure: one subscription workflow can only absorb (merge, seal, continue-as-new) so many
// bytes a second with short workflow tasks. Each lane therefore signals at most
// maxBytesPerSecond; what arrives faster waits in the lane, and once the wait would pass
// maxQueueMs the caller is told to come back later (refusal) instead of the history outgrowing
// what a worker can replay in time.
import { measure } from '../temporal/gateway';
import { isNotFound } from '../temporal/gateway-errors';
import type { Change } from '../../core/types';

/** Sends one changes signal; resolves once Temporal has recorded it. */
export type SendChanges = (subscriptionId: string, changes: Change[]) => Promise<void>;

export interface GroupCommitOptions {
  /** Changes per signal; the workflow merges them anyway, this bounds one payload. */
  maxChanges?: number;
  /** Serialized JSON bytes per signal: Temporal refuses payloads over 2 MB. */
  maxBytes?: number;
  /** Least time between the starts of two signals to one subscription (ms). */
  minIntervalMs?: number;
  /** Bytes a second one subscription is signalled at most, from this process. */
  maxBytesPerSecond?: number;
  /** Longest wait in a lane before further changes for it are refused (ms). */
  maxQueueMs?: number;
  /** Called after each signal with how many submissions and changes it carried. */
  onSignal?: (info: {
    subscriptionId: string;
    submissions: number;
    changes: number;
    ok: boolean;
    error?: unknown;
  }) => void;
}

interface Waiter {
  remaining: number;
  settled: boolean;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A slice of one submission small enough to fit in a signal. */
interface Part {
  changes: Change[];
  bytes: number;
  waiter: Waiter;
}

interface Lane {
  queue: Part[];
  /** Bytes of the parts in `queue`. */
  queuedBytes: number;
  inFlight: Promise<void> | null;
}

export const DEFAULT_MAX_CHANGES = 1000;
export const DEFAULT_MAX_BYTES = 1024 * 1024;
export const DEFAULT_MIN_INTERVAL_MS = 50;
export const DEFAULT_MAX_BYTES_PER_SECOND = 1024 * 1024;
export const DEFAULT_MAX_QUEUE_MS = 5_000;

export class GroupCommitter {
  private readonly lanes = new Map<string, Lane>();
  private readonly maxChanges: number;
  private readonly maxBytes: number;
  private readonly minIntervalMs: number;
  private readonly bytesPerMs: number;
  private readonly maxQueueMs: number;

  constructor(
    private readonly send: SendChanges,
    private readonly opts: GroupCommitOptions = {},
  ) {
    this.maxChanges = opts.maxChanges ?? DEFAULT_MAX_CHANGES;
    this.maxBytes = opts.maxBytes ?? DEFAULT_MAX_BYTES;
    this.minIntervalMs = opts.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
    this.bytesPerMs = (opts.maxBytesPerSecond ?? DEFAULT_MAX_BYTES_PER_SECOND) / 1000;
    this.maxQueueMs = opts.maxQueueMs ?? DEFAULT_MAX_QUEUE_MS;
  }

  /**
   * When `bytes` more for this subscription would wait longer than maxQueueMs behind what is
   * already queued: how long to come back after (ms). Undefined: it is admitted. A lane with
   * nothing queued admits anything, so a single large request is never refused for its size.
   */
  refusal(subscriptionId: string, bytes: number): number | undefined {
    const queued = this.lanes.get(subscriptionId)?.queuedBytes ?? 0;
    if (queued === 0 || (queued + bytes) / this.bytesPerMs <= this.maxQueueMs) return undefined;
    return Math.ceil(queued / this.bytesPerMs);
  }

  /** Serialized bytes of changes as the committer counts them. */
  static bytesOf(changes: Change[]): number {
    let bytes = 0;
    for (const change of changes) bytes += sizeOf(change);
    return bytes;
  }

  /** Queues changes for one subscription; resolves when all of them are durably signalled. */
  submit(subscriptionId: string, changes: Change[]): Promise<void> {
    if (changes.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { remaining: 0, settled: false, resolve, reject };
      const parts = this.split(changes, waiter);
      waiter.remaining = parts.length;
      const lane = this.lane(subscriptionId);
      lane.queue.push(...parts);
      for (const part of parts) lane.queuedBytes += part.bytes;
      if (!lane.inFlight) this.pump(subscriptionId, lane);
    });
  }

  /** Resolves when nothing is queued or in flight any more (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.lanes.size > 0) {
      await Promise.allSettled([...this.lanes.values()].map((l) => l.inFlight));
    }
  }

  /** Subscriptions with queued or in-flight signals (for tests and shutdown logs). */
  get busy(): number {
    return this.lanes.size;
  }

  private lane(id: string): Lane {
    let lane = this.lanes.get(id);
    if (!lane) {
      lane = { queue: [], queuedBytes: 0, inFlight: null };
      this.lanes.set(id, lane);
    }
    return lane;
  }

  /** Cuts a submission into parts that each respect both signal limits. */
  private split(changes: Change[], waiter: Waiter): Part[] {
    const parts: Part[] = [];
    let current: Change[] = [];
    let bytes = 0;
    for (const change of changes) {
      const size = sizeOf(change);
      if (current.length > 0 && (current.length >= this.maxChanges || bytes + size > this.maxBytes)) {
        parts.push({ changes: current, bytes, waiter });
        current = [];
        bytes = 0;
      }
      current.push(change);
      bytes += size;
    }
    parts.push({ changes: current, bytes, waiter });
    return parts;
  }

  private pump(id: string, lane: Lane): void {
    // Parts of submissions that already failed are not worth sending.
    lane.queue = lane.queue.filter((p) => !p.waiter.settled);
    lane.queuedBytes = lane.queue.reduce((n, p) => n + p.bytes, 0);
    if (lane.queue.length === 0) {
      this.lanes.delete(id);
      lane.inFlight = null;
      return;
    }
    const batch: Part[] = [];
    let count = 0;
    let bytes = 0;
    while (lane.queue.length > 0) {
      const next = lane.queue[0]!;
      if (
        batch.length > 0 &&
        (count + next.changes.length > this.maxChanges || bytes + next.bytes > this.maxBytes)
      )
        break;
      batch.push(lane.queue.shift()!);
      count += next.changes.length;
      bytes += next.bytes;
    }
    lane.queuedBytes -= bytes;
    const changes = batch.flatMap((p) => p.changes);
    const submissions = new Set(batch.map((p) => p.waiter)).size;
    const startedAt = Date.now();
    lane.inFlight = this.send(id, changes).then(
      () => {
        this.opts.onSignal?.({ subscriptionId: id, submissions, changes: changes.length, ok: true });
        for (const part of batch) {
          const w = part.waiter;
          if (!w.settled && --w.remaining === 0) {
            w.settled = true;
            w.resolve();
          }
        }
      },
      (error: unknown) => {
        this.opts.onSignal?.({ subscriptionId: id, submissions, changes: changes.length, ok: false, error });
        for (const part of batch) fail(part.waiter, error);
        // A workflow that is gone stays gone: fail everything queued for it at once.
        if (isPermanent(error)) for (const part of lane.queue) fail(part.waiter, error);
      },
    );
    // The lane stays busy for the rest of the interval, so what arrives meanwhile is grouped,
    // and for as long as its bytes take at the lane's rate.
    const gapMs = Math.max(this.minIntervalMs, bytes / this.bytesPerMs);
    lane.inFlight = lane.inFlight.then(() => sleep(startedAt + gapMs - Date.now()));
    void lane.inFlight.then(() => this.pump(id, lane));
  }
}

const sizeOf = (change: Change): number => measure(change).bytes;

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve());

function fail(w: Waiter, error: unknown): void {
  if (w.settled) return;
  w.settled = true;
  w.reject(error);
}

/** Errors that a retry of the same signal cannot fix (the workflow is closed or unknown). */
export function isPermanent(error: unknown): boolean {
  return isNotFound(error);
}
