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
 * One hand-off from an inbox workflow to a subscription: every change queued for it, oldest
 * first, with the inbox round each came in. Rounds only grow within a shard, so a subscription
 * applies only changes of rounds after the last one it applied from that shard: a repeated
 * hand-off (after an inbox workflow was reset and ran again) is applied once.
 */
export interface HandoffInput {
  shard: number;
  changes: Change[];
  sizes: number[];
  rounds: number[];
}

/** What a subscription still has to apply of a hand-off, given the last round it applied per shard. */
export class AppliedRounds {
  private readonly last: Record<string, number>;

  constructor(carried?: Record<string, number>) {
    this.last = { ...carried };
  }

  /** The changes of rounds not yet applied (and marks them applied); empty for a repeat. */
  take(h: HandoffInput): { changes: Change[]; sizes: number[] } {
    const key = String(h.shard);
    const after = this.last[key] ?? 0;
    const lastRound = h.rounds[h.rounds.length - 1] ?? 0;
    if (lastRound <= after) return { changes: [], sizes: [] };
    this.last[key] = lastRound;
    if ((h.rounds[0] ?? 0) > after) return { changes: h.changes, sizes: h.sizes };
    const changes: Change[] = [];
    const sizes: number[] = [];
    h.rounds.forEach((r, i) => {
      if (r <= after) return;
      changes.push(h.changes[i]!);
      sizes.push(h.sizes[i]!);
    });
    return { changes, sizes };
  }

  /** For the next run's input; undefined when no hand-off was ever applied (older runs' input stays as it was). */
  carry(): Record<string, number> | undefined {
    return Object.keys(this.last).length > 0 ? { ...this.last } : undefined;
  }
}
