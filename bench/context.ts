// What every phase gets: the API client, the receiver, the scale and a log line writer.
import type { Client } from '@temporalio/client';
import type { HeraldApi } from './api';
import type { PidSet } from './cpu';
import type { BenchReceiver } from './receiver';

export interface BenchContext {
  api: HeraldApi;
  /** Herald's base URL (for /metrics) and the processes whose CPU time is split per phase. */
  apiUrl: string;
  pids: { herald?: number; bench?: number } & Record<string, PidSet>;
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
  /** Per tag, the expected final value of each key and how many keys are at it right now. */
  private readonly expected = new Map<string, { want: Map<string, number>; final: number }>();

  /** Counts final keys as they arrive, so complete() costs O(1) however many keys there are. */
  expect(tag: string, want: Map<string, number>): void {
    const m = this.byTag.get(tag);
    let final = 0;
    if (m) for (const [k, v] of want) if (m.get(k) === v) final++;
    this.expected.set(tag, { want, final });
  }

  record(tag: string, changes: { id: string | number; data?: Record<string, unknown> }[]): void {
    let m = this.byTag.get(tag);
    if (!m) this.byTag.set(tag, (m = new Map()));
    const exp = this.expected.get(tag);
    for (const c of changes) {
      const key = String(c.id);
      const v = c.data?.v as number;
      if (exp) {
        const want = exp.want.get(key);
        const was = m.get(key) === want;
        const is = v === want;
        if (want !== undefined && was !== is) exp.final += is ? 1 : -1;
      }
      m.set(key, v);
    }
    this.delivered.set(tag, (this.delivered.get(tag) ?? 0) + changes.length);
  }

  /** True when every tag has every key of `expected` at its expected value. */
  complete(tags: string[], expected: Map<string, number>): boolean {
    return tags.every((t) => {
      const exp = this.expected.get(t);
      if (exp?.want === expected) return exp.final === expected.size;
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
