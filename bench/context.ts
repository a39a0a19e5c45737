// What every phase gets: the API client, the receiver, the scale and a log line writer.
import type { Client } from '@temporalio/client';
import type { HeraldApi } from './api';
import type { BenchReceiver } from './receiver';

export interface BenchContext {
  api: HeraldApi;
  /** Herald's base URL (for /metrics) and the processes whose CPU time is split per phase. */
  apiUrl: string;
  pids: Record<string, number | undefined>;
  receiver: BenchReceiver;
  /** A client of the bench's Temporal server, to count history events and read payload sizes. */
  temporal: Client;
  quick: boolean;
  log(line: string): void;
  /** The Herald process's memory after a full GC (its live memory, not garbage not yet collected). */
  heraldMemory(): Promise<{ rss: number; heapUsed: number }>;
}

/** The latest `v` each subscription (tag) has received for each key, fed by the receiver. */
export class FinalState {
  readonly byTag = new Map<string, Map<string, number>>();
  readonly delivered = new Map<string, number>();

  record(tag: string, changes: { id: string | number; data?: Record<string, unknown> }[]): void {
    let m = this.byTag.get(tag);
    if (!m) this.byTag.set(tag, (m = new Map()));
    for (const c of changes) m.set(String(c.id), c.data?.v as number);
    this.delivered.set(tag, (this.delivered.get(tag) ?? 0) + changes.length);
  }

  /** True when every tag has every key of `expected` at its expected value. */
  complete(tags: string[], expected: Map<string, number>): boolean {
    return tags.every((t) => {
      const m = this.byTag.get(t);
      if (!m) return false;
      for (const [k, v] of expected) if (m.get(k) !== v) return false;
      return true;
    });
  }

  /** Keys still missing or stale, over all tags (for the error message of a lost change). */
  missing(tags: string[], expected: Map<string, number>): number {
    let n = 0;
    for (const t of tags) for (const [k, v] of expected) if (this.byTag.get(t)?.get(k) !== v) n++;
    return n;
  }
}
