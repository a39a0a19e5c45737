// Backpressure from the consumer's side. Group commit bounds the bytes a second this process
// signals one subscription, but cannot see whether the subscription's workflow is taking them.
// With no worker running (or a stuck one), every signal would still be recorded in the run's
// history: the first task of the worker that comes back takes in all of it at once (2.9–3.1 s
// after a 5 s outage under a flood, against a 5 s task timeout), and a long enough outage takes
// the history past Temporal's 50 MB, which ends the run. So once a subscription has been sent
// `checkBytes` since it was last seen keeping up, the guard asks Temporal how long the run's
// workflow task has waited for a worker to pick it up; past `maxLagMs`, changes for it are
// refused (503 subscription_busy) until a later look finds it taking them again. What counts as
// waiting is the gateway's to say (SubscriptionGateway.pendingTaskAgeMs): a task a worker holds
// open while a first attempt runs does not, nor one in the queue while workers poll it.

export const DEFAULT_MAX_LAG_MS = 2_000;

/** How long the subscription's workflow task has waited for a worker (ms); 0 if none waits. */
export type PendingTaskAge = (subscriptionId: string) => Promise<number>;

export interface LagGuardOptions {
  /** Longest a workflow task may wait before the subscription takes no more changes. */
  maxLagMs: number;
  /** Bytes sent to a subscription before it is looked at again. */
  checkBytes: number;
  /** Least time between two looks at one subscription (ms). */
  recheckMs: number;
  /** Called when a look fails (Temporal unreachable): the last answer stands. */
  onError?: (subscriptionId: string, error: unknown) => void;
  /**
   * A subscription found behind and then not asked about for this long (its publishers gave up
   * retrying) is forgotten, so the `behind` gauge does not keep alerting on it; the next change
   * for it starts a new watch. Default: five recheck intervals.
   */
  staleMs?: number;
  now?: () => number;
}

interface Watch {
  /** Bytes admitted since the last look that found the subscription keeping up. */
  sent: number;
  behind: boolean;
  looking: boolean;
  lookedAt: number;
  /** Last time a change for the subscription was admitted or refused. */
  askedAt: number;
}

export class LagGuard {
  private readonly watches = new Map<string, Watch>();
  private readonly now: () => number;
  private readonly staleMs: number;

  constructor(
    private readonly age: PendingTaskAge,
    private readonly o: LagGuardOptions,
  ) {
    this.now = o.now ?? Date.now;
    this.staleMs = o.staleMs ?? 5 * o.recheckMs;
  }

  /** Retry-After in ms while the subscription's workflow is behind; undefined: admitted. */
  refusal(subscriptionId: string): number | undefined {
    const w = this.watches.get(subscriptionId);
    if (!w?.behind) return undefined;
    w.askedAt = this.now();
    this.lookIfDue(subscriptionId, w);
    return this.o.recheckMs;
  }

  /** Counts bytes admitted for the subscription; looks at it when enough have gone unchecked. */
  admitted(subscriptionId: string, bytes: number): void {
    let w = this.watches.get(subscriptionId);
    if (!w) {
      w = { sent: 0, behind: false, looking: false, lookedAt: 0, askedAt: 0 };
      this.watches.set(subscriptionId, w);
    }
    w.askedAt = this.now();
    w.sent += bytes;
    if (w.sent >= this.o.checkBytes) this.lookIfDue(subscriptionId, w);
  }

  /** Subscriptions refused for lag right now (read by the gauge on every scrape). */
  get behind(): number {
    const now = this.now();
    let n = 0;
    for (const [id, w] of this.watches) {
      if (!w.behind) continue;
      if (now - w.askedAt > this.staleMs && !w.looking) this.watches.delete(id);
      else n++;
    }
    return n;
  }

  /** Resolves when no look is in flight (tests). */
  async settled(): Promise<void> {
    while ([...this.watches.values()].some((w) => w.looking)) await new Promise((r) => setTimeout(r, 5));
  }

  private lookIfDue(id: string, w: Watch): void {
    const now = this.now();
    if (w.looking || now - w.lookedAt < this.o.recheckMs) return;
    w.looking = true;
    w.lookedAt = now;
    const sentBefore = w.sent;
    this.age(id).then(
      (ms) => {
        w.looking = false;
        w.behind = ms > this.o.maxLagMs;
        if (w.behind) return;
        // Keeping up: what was sent before the look is taken; a quiet subscription is forgotten.
        w.sent -= sentBefore;
        if (w.sent <= 0) this.watches.delete(id);
      },
      (error: unknown) => {
        w.looking = false;
        this.o.onError?.(id, error);
      },
    );
  }
}
