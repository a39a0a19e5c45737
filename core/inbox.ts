// The ingest inbox (issue 27): what the API's one durable write per round carries, how a change's
// shard is chosen, and what an inbox workflow hands on to a subscription. Pure and deterministic:
// the inbox and subscription workflows replay it.
import type { Change } from './types';

export const INBOX_WORKFLOW_PREFIX = 'inbox:';
export const inboxWorkflowId = (shard: number): string => `${INBOX_WORKFLOW_PREFIX}${shard}`;
export const isInboxWorkflowId = (id: string): boolean => id.startsWith(INBOX_WORKFLOW_PREFIX);

/**
 * A change's shard: fixed by its merge key (tenant, object, id), so every change of one key
 * goes through one inbox workflow and reaches each subscription in the order it was accepted.
 * FNV-1a over the key's text; 42 and "42" are one key, as in the merge rules.
 */
export function inboxShardOf(c: Pick<Change, 'object' | 'id' | 'tenant'>, shards: number): number {
  if (shards <= 1) return 0;
  const key = `${c.tenant ?? ''}\u0000${c.object}\u0000${String(c.id)}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % shards;
}

/**
 * One signal to an inbox workflow: the round's changes for this shard, each once (a change
 * shared by many subscriptions is carried once), and for each subscription the indexes of its
 * changes, in the order it must apply them. `sizes`: each change's JSON length, measured by the
 * API (the subscriptions' size bounds are counted in it).
 */
export interface IngestSignalInput {
  changes: Change[];
  sizes: number[];
  subs: { id: string; idx: number[] }[];
}

/**
 * One hand-off from an inbox workflow to a subscription: changes queued for it, oldest first,
 * with the inbox round each came in. A round's changes for one subscription may be cut over two
 * hand-offs (the caps); `offset` is the position of the first change within its round (0 when it
 * starts one). Rounds only grow within a shard, so (round, position) orders every change a
 * shard sends a subscription, and a subscription applies only changes after the last one it
 * applied from that shard: a repeated hand-off (after an inbox workflow was reset and ran
 * again, cut the same way or not) is applied once.
 */
export interface HandoffInput {
  shard: number;
  changes: Change[];
  sizes: number[];
  rounds: number[];
  offset?: number;
}

/** Per shard: the round of the last change applied, and how many of that round's changes were applied. */
export type AppliedMark = [round: number, applied: number];

/** What a subscription still has to apply of a hand-off, given what it applied per shard. */
export class AppliedRounds {
  private readonly last: Record<string, AppliedMark>;

  constructor(carried?: Record<string, AppliedMark>) {
    this.last = { ...carried };
  }

  /** The changes not yet applied (and marks them applied); empty for a repeat. */
  take(h: HandoffInput): { changes: Change[]; sizes: number[] } {
    const key = String(h.shard);
    const [lastRound, lastApplied] = this.last[key] ?? [0, 0];
    const first = h.rounds[0] ?? 0;
    const offset = h.offset ?? 0;
    // The common case: the whole hand-off is new.
    if (first > lastRound || (first === lastRound && offset >= lastApplied)) {
      this.mark(key, h, offset);
      return { changes: h.changes, sizes: h.sizes };
    }
    const changes: Change[] = [];
    const sizes: number[] = [];
    let position = offset;
    h.rounds.forEach((r, i) => {
      if (i > 0 && r !== h.rounds[i - 1]) position = 0;
      if (r > lastRound || (r === lastRound && position >= lastApplied)) {
        changes.push(h.changes[i]!);
        sizes.push(h.sizes[i]!);
      }
      position++;
    });
    if (changes.length > 0) this.mark(key, h, offset);
    return { changes, sizes };
  }

  /** For the next run's input; undefined when no hand-off was ever applied (older runs' input stays as it was). */
  carry(): Record<string, AppliedMark> | undefined {
    return Object.keys(this.last).length > 0 ? { ...this.last } : undefined;
  }

  /** The hand-off's last change is now the last applied: its round, and its position + 1. */
  private mark(key: string, h: HandoffInput, offset: number): void {
    const n = h.rounds.length;
    const lastRound = h.rounds[n - 1] ?? 0;
    let count = 0;
    while (count < n && h.rounds[n - 1 - count] === lastRound) count++;
    // All of the hand-off in one round: it started at `offset` within that round.
    this.last[key] = [lastRound, count === n ? offset + count : count];
  }
}
