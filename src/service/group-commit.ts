// Group commit of changes signals. A hot subscription would otherwise get one signal per
// publish request and its workflow history would grow by thousands of events a second; here
// each subscription has at most one signal in flight from this process, and everything that
// arrives meanwhile goes together in the next one. A caller's promise settles only when every
// signal carrying its changes has been acknowledged by Temporal (durable).
//
// Signals leave in rounds: every subscription with something queued gets its signal in the same
// round, and the next round starts when this one's signals are acknowledged (at most
// maxRoundWaitMs: a slow one is left to finish on its own) and at least minIntervalMs after its
// start. A request for many subscriptions waits for all of them; with lanes that each pumped on
// their own it waited for the slowest of many unaligned cycles, and the requests that came back
// meanwhile missed the others' signals. An idle committer's first round leaves at once.
//
// Backpressure: one subscription workflow can only absorb (merge, seal, continue-as-new) so many
// bytes a second with short workflow tasks. Each lane therefore signals at most
// maxBytesPerSecond (a lane sits out the rounds until its last signal's bytes have had their
// time); once the wait in a lane would pass maxQueueMs the caller is told to come back later
// (refusal) instead of the history outgrowing what a worker can replay in time.
import { measure } from '../temporal/gateway';
import { isNotFound } from '../temporal/gateway-errors';
import type { Change } from '../../core/types';
import { fail, partDone, splitIntoParts, takeBatch, type Caps, type Part, type Waiter } from './signal-parts';

/** Sends one changes signal; resolves once Temporal has recorded it. */
export type SendChanges = (subscriptionId: string, changes: Change[]) => Promise<void>;

export interface GroupCommitOptions {
  /** Changes per signal; the workflow merges them anyway, this bounds one payload. */
  maxChanges?: number;
  /** Serialized JSON bytes per signal: Temporal refuses payloads over 2 MB. */
  maxBytes?: number;
  /** Least time between the starts of two rounds, so of two signals to one subscription (ms). */
  minIntervalMs?: number;
  /** Longest a round waits for its signals before the next one starts without the slow ones. */
  maxRoundWaitMs?: number;
  /** Least time between the end of a round and the start of the next (ms). */
  gatherMs?: number;
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

interface Lane {
  queue: Part[];
  /** Bytes of the parts in `queue`. */
  queuedBytes: number;
  /** A signal of this lane is not yet acknowledged. */
  inFlight: boolean;
  /** Its byte rate: no signal before this time (ms since the epoch). */
  notBefore: number;
}

export const DEFAULT_MAX_CHANGES = 1000;
export const DEFAULT_MAX_BYTES = 1024 * 1024;
export const DEFAULT_MIN_INTERVAL_MS = 50;
export const DEFAULT_MAX_BYTES_PER_SECOND = 1024 * 1024;
export const DEFAULT_MAX_QUEUE_MS = 5_000;
export const DEFAULT_MAX_ROUND_WAIT_MS = 1_000;
export const DEFAULT_GATHER_MS = 20;

export class GroupCommitter {
  private readonly lanes = new Map<string, Lane>();
  private readonly caps: Caps;
  private readonly minIntervalMs: number;
  private readonly bytesPerMs: number;
  private readonly maxQueueMs: number;
  private readonly maxRoundWaitMs: number;
  private readonly gatherMs: number;
  /** The rounds' loop, while anything is queued or in flight. */
  private rounds: Promise<void> | null = null;
  /** Signals not yet acknowledged (they never reject). */
  private readonly inFlight = new Set<Promise<void>>();
  /** Submissions so far, and at the start of the last round: a round's gather ends early on them. */
  private arrivals = 0;
  private arrivalsAtRound = 0;
  /** The gather under way: it ends once `arrivals` reaches `target`. */
  private gather: { target: number; end: () => void } | null = null;

  constructor(
    private readonly send: SendChanges,
    private readonly opts: GroupCommitOptions = {},
  ) {
    this.caps = {
      maxChanges: opts.maxChanges ?? DEFAULT_MAX_CHANGES,
      maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES,
    };
    this.minIntervalMs = opts.minIntervalMs ?? DEFAULT_MIN_INTERVAL_MS;
    this.bytesPerMs = (opts.maxBytesPerSecond ?? DEFAULT_MAX_BYTES_PER_SECOND) / 1000;
    this.maxQueueMs = opts.maxQueueMs ?? DEFAULT_MAX_QUEUE_MS;
    this.maxRoundWaitMs = opts.maxRoundWaitMs ?? DEFAULT_MAX_ROUND_WAIT_MS;
    this.gatherMs = opts.gatherMs ?? DEFAULT_GATHER_MS;
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

  /** Serialized bytes of changes as the committer counts them (an array shared by many subscriptions is counted once). */
  static bytesOf(changes: Change[]): number {
    let bytes = arrayBytes.get(changes);
    if (bytes === undefined) {
      bytes = 0;
      for (const change of changes) bytes += sizeOf(change);
      arrayBytes.set(changes, bytes);
    }
    return bytes;
  }

  /** Queues changes for one subscription; resolves when all of them are durably signalled. */
  submit(subscriptionId: string, changes: Change[]): Promise<void> {
    if (changes.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { remaining: 0, settled: false, resolve, reject };
      const parts = splitIntoParts(changes, waiter, this.caps, sizeOf);
      waiter.remaining = parts.length;
      const lane = this.lane(subscriptionId);
      lane.queue.push(...parts);
      for (const part of parts) lane.queuedBytes += part.bytes;
      if (++this.arrivals >= (this.gather?.target ?? Infinity)) this.gather!.end();
      this.rounds ??= this.runRounds().finally(() => (this.rounds = null));
    });
  }

  /** Resolves when nothing is queued or in flight any more (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.rounds) await this.rounds;
  }

  /** Subscriptions with queued or in-flight signals (for tests and shutdown logs). */
  get busy(): number {
    return this.lanes.size;
  }

  private lane(id: string): Lane {
    let lane = this.lanes.get(id);
    if (!lane) {
      lane = { queue: [], queuedBytes: 0, inFlight: false, notBefore: 0 };
      this.lanes.set(id, lane);
    }
    return lane;
  }

  private async runRounds(): Promise<void> {
    let nextRoundAt = 0;
    for (;;) {
      await sleep(nextRoundAt - Date.now());
      const now = Date.now();
      const carried = this.arrivals - this.arrivalsAtRound;
      this.arrivalsAtRound = this.arrivals;
      const signals: Promise<void>[] = [];
      let wakeAt = Number.POSITIVE_INFINITY;
      for (const [id, lane] of this.lanes) {
        // Parts of submissions that already failed are not worth sending.
        const live = lane.queue.filter((p) => !p.waiter.settled);
        if (live.length < lane.queue.length) {
          lane.queue = live;
          lane.queuedBytes = live.reduce((n, p) => n + p.bytes, 0);
        }
        if (lane.queue.length === 0) {
          if (!lane.inFlight) this.lanes.delete(id);
          continue;
        }
        if (lane.inFlight) continue;
        if (lane.notBefore > now) {
          wakeAt = Math.min(wakeAt, lane.notBefore);
          continue;
        }
        signals.push(this.signal(id, lane, now));
      }
      if (this.lanes.size === 0) return;
      if (signals.length === 0) {
        // Nothing could leave: wait for a lane's rate, or for a slow signal of an earlier round.
        const waits = [...this.inFlight];
        if (Number.isFinite(wakeAt)) waits.push(sleep(wakeAt - now));
        await Promise.race(waits);
        continue;
      }
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(signals),
        new Promise<void>((r) => (timer = setTimeout(r, this.maxRoundWaitMs))),
      ]);
      clearTimeout(timer);
      // The callers this round answered tend to come back at once: a short gather lets their
      // next requests ride in the next round instead of the one after it (with 100
      // subscriptions and 8 publishers in flight, 400 → 780 changes a signal in the benchmark).
      // It ends as soon as as many submissions have arrived as this round carried: waiting on
      // for callers that are all back only adds latency (one change per request, 32 in flight).
      await this.gatherFor(this.arrivalsAtRound + carried);
      nextRoundAt = now + this.minIntervalMs;
    }
  }

  /** Waits gatherMs, or less once `target` submissions have arrived in all. */
  private async gatherFor(target: number): Promise<void> {
    if (this.gatherMs <= 0 || this.arrivals >= target) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((end) => {
      this.gather = { target, end };
      timer = setTimeout(end, this.gatherMs);
    });
    clearTimeout(timer);
    this.gather = null;
  }

  /** Sends one lane's next signal: the oldest parts, within the count and byte caps. */
  private signal(id: string, lane: Lane, now: number): Promise<void> {
    const { batch, bytes } = takeBatch(lane.queue, this.caps);
    lane.queuedBytes -= bytes;
    lane.inFlight = true;
    // The lane sits out the rounds for as long as these bytes take at its rate.
    lane.notBefore = now + bytes / this.bytesPerMs;
    const changes = batch.flatMap((p) => p.changes);
    const submissions = new Set(batch.map((p) => p.waiter)).size;
    const sent: Promise<void> = this.send(id, changes).then(
      () => {
        lane.inFlight = false;
        this.opts.onSignal?.({ subscriptionId: id, submissions, changes: changes.length, ok: true });
        for (const part of batch) partDone(part.waiter);
      },
      (error: unknown) => {
        lane.inFlight = false;
        this.opts.onSignal?.({ subscriptionId: id, submissions, changes: changes.length, ok: false, error });
        for (const part of batch) fail(part.waiter, error);
        // A workflow that is gone stays gone: fail everything queued for it at once.
        if (isPermanent(error)) for (const part of lane.queue) fail(part.waiter, error);
      },
    );
    // Settles, never rejects: the waiters got the outcome.
    this.inFlight.add(sent);
    void sent.finally(() => this.inFlight.delete(sent));
    return sent;
  }
}

const sizeOf = (change: Change): number => measure(change).bytes;
// Arrays handed to submit are never changed afterwards (the router builds them per request).
const arrayBytes = new WeakMap<Change[], number>();

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve());

/** Errors that a retry of the same signal cannot fix (the workflow is closed or unknown). */
export function isPermanent(error: unknown): boolean {
  return isNotFound(error);
}
