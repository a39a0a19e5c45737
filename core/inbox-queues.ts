// What one inbox workflow holds: per subscription, the changes accepted for it and not yet handed
// on, oldest first, each with the inbox round it came in. Pure; the inbox workflow replays it.
import type { HandoffInput, IngestSignalInput } from './inbox';
import type { Change } from './types';

interface Queue {
  changes: Change[];
  sizes: number[];
  rounds: number[];
  /** JSON length of the queued changes. */
  chars: number;
  /** Position of the first queued change within its round (a hand-off took the rest of that round before it). */
  offset: number;
}

/** What one hand-off may carry: a signal's payload stays far under Temporal's 2 MB. */
export interface HandoffCaps {
  maxChanges: number;
  maxChars: number;
}

export const DEFAULT_HANDOFF_CAPS: HandoffCaps = { maxChanges: 1000, maxChars: 1024 * 1024 };

/**
 * What a new run of an inbox workflow continues with: each change queued once, however many
 * subscriptions wait for it (as the ingest signal brought it), and per subscription the indexes
 * of its changes, their rounds and where the first one sits in its round.
 */
export interface InboxCarried {
  /** The last round numbered (rounds only grow within a shard, across runs). */
  round: number;
  changes: Change[];
  sizes: number[];
  queues: { id: string; idx: number[]; rounds: number[]; offset?: number }[];
}

export class InboxQueues {
  private round: number;
  private readonly queues = new Map<string, Queue>();
  /** JSON length of everything queued. */
  chars = 0;
  /** How many queues hold each change (a round's change is shared by its subscriptions). */
  private readonly holders = new Map<Change, number>();
  private unique = 0;

  constructor(carried?: InboxCarried) {
    this.round = carried?.round ?? 0;
    for (const q of carried?.queues ?? []) {
      const sizes = q.idx.map((i) => carried!.sizes[i]!);
      const chars = sizes.reduce((n, s) => n + s, 0);
      const changes = q.idx.map((i) => carried!.changes[i]!);
      this.queues.set(q.id, { changes, sizes, rounds: q.rounds, offset: q.offset ?? 0, chars });
      this.chars += chars;
      changes.forEach((c, k) => this.hold(c, sizes[k]!));
    }
  }

  /** Takes one ingest signal in as the next round; answers its round number. */
  add(input: IngestSignalInput): number {
    const round = ++this.round;
    for (const { id, idx } of input.subs) {
      const q = this.queue(id);
      for (const i of idx) {
        const size = input.sizes[i]!;
        q.changes.push(input.changes[i]!);
        q.sizes.push(size);
        q.rounds.push(round);
        q.chars += size;
        this.chars += size;
        this.hold(input.changes[i]!, size);
      }
    }
    return round;
  }

  /** Subscriptions with changes waiting, in the order they first got some. */
  waiting(): string[] {
    return [...this.queues.keys()];
  }

  /** How many changes wait for one subscription. */
  size(id: string): number {
    return this.queues.get(id)?.changes.length ?? 0;
  }

  /** The oldest changes waiting for a subscription, within the caps (at least one), taken off its queue. */
  take(id: string, shard: number, caps: HandoffCaps = DEFAULT_HANDOFF_CAPS): HandoffInput | undefined {
    const q = this.queues.get(id);
    if (!q || q.changes.length === 0) return undefined;
    let n = 0;
    let chars = 0;
    while (n < q.changes.length && n < caps.maxChanges) {
      const size = q.sizes[n]!;
      if (n > 0 && chars + size > caps.maxChars) break;
      chars += size;
      n++;
    }
    const handoff: HandoffInput = {
      shard,
      changes: q.changes.splice(0, n),
      sizes: q.sizes.splice(0, n),
      rounds: q.rounds.splice(0, n),
    };
    if (q.offset > 0) handoff.offset = q.offset;
    // Where the rest starts within its round: after what was taken of it, if it was cut.
    const lastTaken = handoff.rounds[n - 1]!;
    if (q.rounds[0] !== lastTaken) q.offset = 0;
    else {
      let inRound = 0;
      while (inRound < n && handoff.rounds[n - 1 - inRound] === lastTaken) inRound++;
      q.offset = (inRound === n ? q.offset : 0) + inRound;
    }
    q.chars -= chars;
    this.chars -= chars;
    handoff.changes.forEach((c, k) => this.release(c, handoff.sizes[k]!));
    if (q.changes.length === 0) this.queues.delete(id);
    return handoff;
  }

  /** A hand-off that did not reach its subscription goes back to the head of its queue. */
  putBack(id: string, h: HandoffInput): void {
    const q = this.queue(id);
    const chars = h.sizes.reduce((n, s) => n + s, 0);
    q.offset = h.offset ?? 0;
    q.changes.unshift(...h.changes);
    q.sizes.unshift(...h.sizes);
    q.rounds.unshift(...h.rounds);
    q.chars += chars;
    this.chars += chars;
    h.changes.forEach((c, k) => this.hold(c, h.sizes[k]!));
  }

  /** Forgets everything waiting for a subscription (it was deleted); answers how many changes. */
  drop(id: string): number {
    const q = this.queues.get(id);
    if (!q) return 0;
    this.queues.delete(id);
    this.chars -= q.chars;
    q.changes.forEach((c, k) => this.release(c, q.sizes[k]!));
    return q.changes.length;
  }

  /** The last round numbered. */
  get lastRound(): number {
    return this.round;
  }

  carry(): InboxCarried {
    const index = new Map<Change, number>();
    const out: InboxCarried = { round: this.round, changes: [], sizes: [], queues: [] };
    for (const [id, q] of this.queues) {
      const idx = q.changes.map((c, k) => {
        let i = index.get(c);
        if (i === undefined) {
          i = out.changes.push(c) - 1;
          out.sizes.push(q.sizes[k]!);
          index.set(c, i);
        }
        return i;
      });
      out.queues.push({ id, idx, rounds: q.rounds, ...(q.offset > 0 ? { offset: q.offset } : {}) });
    }
    return out;
  }

  /** JSON length of the queued changes, each counted once however many subscriptions wait for it. */
  uniqueChars(): number {
    return this.unique;
  }

  private hold(c: Change, size: number): void {
    const n = this.holders.get(c) ?? 0;
    this.holders.set(c, n + 1);
    if (n === 0) this.unique += size;
  }

  private release(c: Change, size: number): void {
    const n = this.holders.get(c) ?? 0;
    if (n > 1) this.holders.set(c, n - 1);
    else {
      this.holders.delete(c);
      this.unique -= size;
    }
  }

  private queue(id: string): Queue {
    let q = this.queues.get(id);
    if (!q) {
      q = { changes: [], sizes: [], rounds: [], chars: 0, offset: 0 };
      // A subscription that got changes again goes to the back: hand-offs take turns.
      this.queues.set(id, q);
    }
    return q;
  }
}
