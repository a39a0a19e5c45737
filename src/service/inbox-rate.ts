// Per-subscription backpressure on the inbox path. The direct path's group committer holds a
// subscription's signals back to its byte rate and refuses once the wait would pass maxQueueMs;
// through the inbox nothing is held here, so the same bound is kept as a schedule: each admitted
// byte takes its share of the subscription's rate, and a request that would put the schedule
// more than maxQueueMs ahead is refused (503 subscription_busy). A subscription whose schedule
// has caught up admits anything, so one large request is never refused for its size.

export class SubscriptionRates {
  /** Per subscription: when its admitted bytes will have had their time at its rate (epoch ms). */
  private readonly until = new Map<string, number>();

  constructor(
    private readonly bytesPerMs: number,
    private readonly maxQueueMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Retry-After in ms when `bytes` more would wait past maxQueueMs; undefined: admitted. */
  refusal(id: string, bytes: number): number | undefined {
    const now = this.now();
    const ahead = (this.until.get(id) ?? 0) - now;
    if (ahead <= 0 || ahead + bytes / this.bytesPerMs <= this.maxQueueMs) return undefined;
    return Math.ceil(ahead);
  }

  /** Counts admitted bytes against the subscription's rate. */
  charge(id: string, bytes: number): void {
    const now = this.now();
    this.until.set(id, Math.max(now, this.until.get(id) ?? 0) + bytes / this.bytesPerMs);
    // Forget those that caught up, now and then, so the map stays as large as the busy ones.
    if (this.until.size > 1_000) for (const [k, t] of this.until) if (t <= now) this.until.delete(k);
  }
}
