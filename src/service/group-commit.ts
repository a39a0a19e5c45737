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
import type { Change } from '../../core/types';
import {
  groupCommitSettings,
  type GroupCommitOptions,
  type GroupCommitSettings,
  type SendChanges,
} from './group-commit-options';
import { settledWithin, sleep } from './round-pacing';
import {
  arrayBytes,
  fail,
  isPermanent,
  partDone,
  sizeOf,
  splitIntoParts,
  takeBatch,
  tracesOf,
  type Part,
  type Waiter,
} from './signal-parts';

interface Lane {
  queue: Part[];
  /** Bytes of the parts in `queue`. */
  queuedBytes: number;
  /** A signal of this lane is not yet acknowledged. */
  inFlight: boolean;
  /** Its byte rate: no signal before this time (ms since the epoch). */
  notBefore: number;
}

export class GroupCommitter {
  private readonly lanes = new Map<string, Lane>();
  private readonly s: GroupCommitSettings;
  /** The rounds' loop, while anything is queued or in flight. */
  private rounds: Promise<void> | null = null;
  /** Signals not yet acknowledged (they never reject). */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly send: SendChanges,
    private readonly opts: GroupCommitOptions = {},
  ) {
    this.s = groupCommitSettings(opts);
  }

  /**
   * When `bytes` more for this subscription would wait longer than maxQueueMs behind what is
   * already queued: how long to come back after (ms). Undefined: it is admitted. A lane with
   * nothing queued admits anything, so a single large request is never refused for its size.
   */
  refusal(subscriptionId: string, bytes: number): number | undefined {
    const queued = this.lanes.get(subscriptionId)?.queuedBytes ?? 0;
    if (queued === 0 || (queued + bytes) / this.s.bytesPerMs <= this.s.maxQueueMs) return undefined;
    return Math.ceil(queued / this.s.bytesPerMs);
  }

  /** Serialized bytes of changes as the committer counts them (an array shared by many subscriptions is counted once). */
  static bytesOf(changes: Change[]): number {
    return arrayBytes(changes);
  }

  /** Queues changes for one subscription; resolves when all of them are durably signalled. */
  submit(subscriptionId: string, changes: Change[]): Promise<void> {
    if (changes.length === 0) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { remaining: 0, settled: false, resolve, reject };
      if (this.opts.traceOf) waiter.trace = this.opts.traceOf();
      const parts = splitIntoParts(changes, waiter, this.s, sizeOf);
      waiter.remaining = parts.length;
      const lane = this.lane(subscriptionId);
      lane.queue.push(...parts);
      for (const part of parts) lane.queuedBytes += part.bytes;
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
      const signals: Promise<void>[] = [];
      /** The most submissions one signal of this round carried. */
      let fullest = 0;
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
        const sent = this.signal(id, lane, now);
        fullest = Math.max(fullest, sent.submissions);
        signals.push(sent.done);
      }
      if (this.lanes.size === 0) return;
      if (signals.length === 0) {
        // Nothing could leave: wait for a lane's rate, or for a slow signal of an earlier round.
        const waits = [...this.inFlight];
        if (Number.isFinite(wakeAt)) waits.push(sleep(wakeAt - now));
        await Promise.race(waits);
        continue;
      }
      await settledWithin(Promise.allSettled(signals), this.s.maxRoundWaitMs);
      // A round whose signals each carried one request (to however many subscriptions) is a
      // quiet publisher's: the full pause would only add to its latency (from the send, p50
      // 39 → 13 ms at 50 requests/s in the benchmark). Under load signals carry many requests,
      // and the pause and the gather below apply.
      if (fullest <= 1) {
        nextRoundAt = now + this.s.quietIntervalMs;
        continue;
      }
      // The callers this round answered tend to come back at once: a short gather lets their
      // next requests ride in the next round instead of the one after it (with 100
      // subscriptions and 8 publishers in flight, 400 → 780 changes a signal in the benchmark).
      // Ending it early once as many submissions are back as the round carried was tried: no
      // gain for one change per request (the engine is the bound), and rounds that left before
      // the last publishers were back carried ~500 changes a signal instead of ~700.
      nextRoundAt = Math.max(now + this.s.minIntervalMs, Date.now() + this.s.gatherMs);
    }
  }

  /** Sends one lane's next signal: the oldest parts, within the count and byte caps. */
  private signal(id: string, lane: Lane, now: number): { done: Promise<void>; submissions: number } {
    const { batch, bytes } = takeBatch(lane.queue, this.s);
    lane.queuedBytes -= bytes;
    lane.inFlight = true;
    // The lane sits out the rounds for as long as these bytes take at its rate.
    lane.notBefore = now + bytes / this.s.bytesPerMs;
    const changes = batch.flatMap((p) => p.changes);
    const submissions = new Set(batch.map((p) => p.waiter)).size;
    const traces = this.opts.traceOf ? tracesOf(batch) : undefined;
    const sent: Promise<void> = this.send(id, changes, traces).then(
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
    return { done: sent, submissions };
  }
}
