// Timing of the group committer's rounds: how long a round waits for its signals, and the
// gather after it, which ends early once the callers it answered are back.

export const sleep = (ms: number) =>
  ms > 0 ? new Promise<void>((r) => setTimeout(r, ms)) : Promise.resolve();

/** Resolves when `work` has settled or `ms` have passed, whichever comes first. */
export async function settledWithin(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/**
 * Counts submissions. A round carries about those that arrived since the previous round
 * started; the gather after it need wait no longer than until as many more have arrived: the
 * callers it answered are back, and waiting on would only add latency.
 */
export class Gather {
  private arrivals = 0;
  private atRound = 0;
  private waiting: { target: number; end: () => void } | null = null;

  constructor(private readonly ms: number) {}

  arrived(): void {
    if (++this.arrivals >= (this.waiting?.target ?? Infinity)) this.waiting!.end();
  }

  /** A round starts: what arrived since the last one is what it carries. */
  roundStarts(): number {
    const carried = this.arrivals - this.atRound;
    this.atRound = this.arrivals;
    return carried;
  }

  /** After a round that carried `carried`: waits `ms`, or less once as many more have arrived. */
  async after(carried: number): Promise<void> {
    const target = this.atRound + carried;
    if (this.ms <= 0 || this.arrivals >= target) return;
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((end) => {
      this.waiting = { target, end };
      timer = setTimeout(end, this.ms);
    });
    clearTimeout(timer);
    this.waiting = null;
  }
}
