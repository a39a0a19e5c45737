// Backpressure on the inbox itself: what an inbox workflow has accepted and not yet handed on
// must stay within what its next run can carry (continue-as-new input, each change once), or
// a flood faster than the hand-offs would grow its history without bound. The API reads each
// inbox's backlog (a query) at most every BACKLOG_LOOK_MS, after its signals and while it
// refuses, and refuses every request (503 subscription_busy, Retry-After 1 s) while one is past
// the bound.

/** An inbox's backlog past which requests are refused: its continue-as-new carries at most 1 MiB. */
export const DEFAULT_MAX_INBOX_BACKLOG = 768 * 1024;
/** Least time between two looks at one inbox's backlog (ms). */
const BACKLOG_LOOK_MS = 250;
const RETRY_AFTER_MS = 1_000;

export class InboxBacklogs {
  /** Per shard: the last backlog read, when it was read, and whether a look is under way. */
  private readonly shards: { chars: number; at: number; looking: boolean }[];

  constructor(
    shards: number,
    private readonly read?: (shard: number) => Promise<number>,
    private readonly max = DEFAULT_MAX_INBOX_BACKLOG,
  ) {
    this.shards = Array.from({ length: shards }, () => ({ chars: 0, at: 0, looking: false }));
  }

  /** Retry-After (ms) while any inbox is past the bound; undefined: admitted. */
  refusal(): number | undefined {
    let refused = false;
    this.shards.forEach((b, shard) => {
      this.look(shard);
      if (b.chars > this.max) refused = true;
    });
    return refused ? RETRY_AFTER_MS : undefined;
  }

  /** Reads a shard's backlog unless read lately; a failed read leaves the last one standing. */
  look(shard: number): void {
    const b = this.shards[shard]!;
    if (!this.read || b.looking || Date.now() - b.at < BACKLOG_LOOK_MS) return;
    b.looking = true;
    b.at = Date.now();
    this.read(shard).then(
      (chars) => {
        b.chars = chars;
        b.looking = false;
      },
      () => (b.looking = false),
    );
  }
}
