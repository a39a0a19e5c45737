// Backpressure from the consumer's side. Group commit bounds the bytes a second this process
// signals one subscription, but cannot see whether the subscription's workflow is taking them.
// With no worker running (or a stuck one), every signal would still be recorded in the run's
// history: the first task of the worker that comes back takes in all of it at once (2.9–3.1 s
// after a 5 s outage under a flood, against a 5 s task timeout), and a long enough outage takes
// the history past Temporal's 50 MB, which ends the run.
//
// What bounds that first task is the bytes signalled and not yet taken by a workflow task, not
// how long a task has waited: a saturated worker lets tasks wait for seconds while it takes
// everything sent meanwhile in each of them (refusing on the wait alone cost ingest with 100
// subscriptions a third of its throughput). So once a subscription has been sent `checkBytes`
// since it was last seen keeping up, the guard asks Temporal since when its pending workflow task
// has waited (SubscriptionGateway.pendingTask), and counts what this process admitted for it
// since then; past `maxUntakenBytes`, its changes are refused (503 subscription_busy) until a
// later look finds that task taken.

/** HERALD_SUBSCRIPTION_MAX_LAG_MS: the untaken bound is this many ms of the subscription's byte rate. */
export const DEFAULT_MAX_LAG_MS = 2_000;

/** Since when the subscription's signals wait for a workflow task (epoch ms); none: undefined. */
export interface PendingTask {
  since?: number;
  /** What the task looked like (attempt, state), for the log line. */
  detail?: string;
}
export type PendingTaskReader = (subscriptionId: string) => Promise<PendingTask>;

export interface LagGuardOptions {
  /** Most bytes admitted for a subscription that its workflow may not have taken yet. */
  maxUntakenBytes: number;
  /** Bytes sent to a subscription before it is looked at again. */
  checkBytes: number;
  /** Least time between two looks at one subscription (ms). */
  recheckMs: number;
  /**
   * A subscription found behind and then not asked about for this long (its publishers gave up
   * retrying) is forgotten, so the `behind` gauge does not keep alerting on it; the next change
   * for it starts a new watch. Default: five recheck intervals.
   */
  staleMs?: number;
  /** Called when a look finds a subscription behind that was not (an operator's log line). */
  onBehind?: (subscriptionId: string, untakenBytes: number, task: PendingTask) => void;
  /** Called when a look fails (Temporal unreachable): the last answer stands. */
  onError?: (subscriptionId: string, error: unknown) => void;
  now?: () => number;
}

/** Admitted bytes so far (a running total), sampled at most every SAMPLE_MS. */
interface Sample {
  at: number;
  total: number;
}
const SAMPLE_MS = 100;
/** 100 s of samples at most per subscription (a task pending longer is counted from there on). */
const MAX_SAMPLES = 1_000;

interface Watch {
  samples: Sample[];
  total: number;
  /** `total` when a look last found the subscription keeping up. */
  checkedTotal: number;
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
    private readonly pending: PendingTaskReader,
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
    const now = this.now();
    let w = this.watches.get(subscriptionId);
    if (!w) {
      w = { samples: [], total: 0, checkedTotal: 0, behind: false, looking: false, lookedAt: 0, askedAt: 0 };
      this.watches.set(subscriptionId, w);
    }
    w.askedAt = now;
    const last = w.samples[w.samples.length - 1];
    if (!last || now - last.at >= SAMPLE_MS) {
      w.samples.push({ at: now, total: w.total });
      if (w.samples.length > MAX_SAMPLES) w.samples.shift();
    }
    w.total += bytes;
    if (w.total - w.checkedTotal >= this.o.checkBytes) this.lookIfDue(subscriptionId, w);
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
    const totalBefore = w.total;
    this.pending(id).then(
      (task) => {
        w.looking = false;
        const untaken = task.since === undefined ? 0 : w.total - this.totalAt(w, task.since);
        const was = w.behind;
        w.behind = untaken > this.o.maxUntakenBytes;
        if (w.behind && !was) this.o.onBehind?.(id, untaken, task);
        if (w.behind) return;
        // Keeping up: what was sent before the look is checked; a quiet subscription is forgotten.
        w.checkedTotal = totalBefore;
        if (task.since === undefined && w.total === totalBefore) this.watches.delete(id);
        else this.forgetBefore(w, task.since ?? now);
      },
      (error: unknown) => {
        w.looking = false;
        this.o.onError?.(id, error);
      },
    );
  }

  /** The running total when `at` came: what was admitted before it (all of it if `at` is older). */
  private totalAt(w: Watch, at: number): number {
    let total = w.samples[0]?.total ?? w.total;
    for (const s of w.samples) {
      if (s.at > at) break;
      total = s.total;
    }
    return total;
  }

  /** Drops samples no later look can need: those before the one in effect at `at`. */
  private forgetBefore(w: Watch, at: number): void {
    let keep = 0;
    while (keep + 1 < w.samples.length && w.samples[keep + 1]!.at <= at) keep++;
    if (keep > 0) w.samples.splice(0, keep);
  }
}
