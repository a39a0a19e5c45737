// The last live status this process read of each subscription, for a GET that comes while the
// workflow cannot answer a query in time (its worker was killed and another is replaying it, or
// it is busy with a burst): the answer is then this, with its `statusAsOf`, rather than a 503.
// Bounded in entries and in age; insertion order doubles as least-recently-read order.

export interface LastKnownOptions {
  /** Entries kept (one per subscription read). */
  maxEntries: number;
  /** Older than this, a status is not worth showing: the GET answers 503 instead. */
  maxAgeMs: number;
  now?: () => number;
}

export class LastKnown<T extends { statusAsOf: string }> {
  private readonly entries = new Map<string, T>();
  private readonly now: () => number;

  constructor(private readonly opts: LastKnownOptions) {
    this.now = opts.now ?? Date.now;
  }

  set(id: string, value: T): void {
    this.entries.delete(id);
    this.entries.set(id, value);
    if (this.entries.size > this.opts.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  get(id: string): T | undefined {
    const value = this.entries.get(id);
    if (!value) return undefined;
    if (this.now() - Date.parse(value.statusAsOf) > this.opts.maxAgeMs) {
      this.entries.delete(id);
      return undefined;
    }
    return value;
  }

  forget(id: string): void {
    this.entries.delete(id);
  }
}
