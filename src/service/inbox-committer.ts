// Group commit into the ingest inbox (issue 27): one durable write per shard per round, whatever
// the number of subscriptions a change matches. Each subscription's changes are split by shard
// (a change's shard is fixed by its key, so one key's changes keep their order); each shard has
// one `ingest` signal in flight from this process, and everything submitted meanwhile rides in
// the next one, each change once however many subscriptions get it. A submission settles when
// every signal carrying its changes is durable: that is the 202. The inbox workflows hand the
// changes on to the subscriptions afterwards.
import type { Change } from '../../core/types';
import { inboxShardOf, inboxWorkflowId } from '../../core/inbox';
import { InboxUnavailableError, type ShardRound } from '../temporal/inbox-gateway';
import { ApiError } from './errors';
import type { LagGuard } from './lag-guard';
import { sleep } from './round-pacing';
import { arrayBytes, fail, partDone, sizeOf, type Waiter } from './signal-parts';
import { SubscriptionRates } from './inbox-rate';
import { InboxBacklogs } from './inbox-backlog';

export type SendRound = (shard: number, round: ShardRound) => Promise<void>;

export interface InboxCommitterOptions {
  shards: number;
  /** Least time between the starts of two signals to one shard from this process (ms). */
  minIntervalMs: number;
  /** Per subscription: bytes a second, and the longest wait before its changes are refused. */
  maxBytesPerSecond: number;
  maxQueueMs: number;
  /** Watches the inbox workflows (ids `inbox:<n>`) as it watches subscriptions. */
  lagGuard?: LagGuard;
  /**
   * Reads how much an inbox has not yet handed on (JSON chars, each change once). Past
   * maxBacklogChars its shard's changes are refused (503 subscription_busy) until it drains:
   * what an inbox holds stays within what its next run can carry.
   */
  backlog?: (shard: number) => Promise<number>;
  maxBacklogChars?: number;
  onSignal?: (info: {
    shard: number;
    submissions: number;
    changes: number;
    ok: boolean;
    error?: unknown;
  }) => void;
}

/** One signal's caps: change JSON (Temporal refuses payloads over 2 MB) and routing entries. */
const MAX_BYTES = 1024 * 1024;
const MAX_ENTRIES = 100_000;

interface Part {
  id: string;
  changes: Change[];
  bytes: number;
  waiter: Waiter;
}

interface Lane {
  queue: Part[];
  inFlight: boolean;
  lastStart: number;
}

export class InboxCommitter {
  private readonly lanes: Lane[];
  private readonly rates: SubscriptionRates;
  private readonly backlogs: InboxBacklogs;

  constructor(
    private readonly send: SendRound,
    private readonly o: InboxCommitterOptions,
  ) {
    this.lanes = Array.from({ length: o.shards }, () => ({ queue: [], inFlight: false, lastStart: 0 }));
    this.rates = new SubscriptionRates(o.maxBytesPerSecond / 1000, o.maxQueueMs);
    this.backlogs = new InboxBacklogs(o.shards, o.backlog, o.maxBacklogChars);
  }

  /** Retry-After (ms) when the subscription's rate, or an inbox's backlog, refuses `bytes` more. */
  refusal(id: string, bytes: number): number | undefined {
    return this.backlogs.refusal() ?? this.rates.refusal(id, bytes);
  }

  /** Retry-After (ms) while an inbox workflow leaves its signals untaken (the lag guard); undefined: none. */
  lagRefusal(): number | undefined {
    const { lagGuard } = this.o;
    if (!lagGuard) return undefined;
    for (let s = 0; s < this.o.shards; s++) {
      const ms = lagGuard.refusal(inboxWorkflowId(s));
      if (ms !== undefined) return ms;
    }
    return undefined;
  }

  /** Queues one subscription's changes; resolves when all of them are durable in their inboxes. */
  submit(id: string, changes: Change[]): Promise<void> {
    if (changes.length === 0) return Promise.resolve();
    this.rates.charge(id, arrayBytes(changes));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { remaining: 0, settled: false, resolve, reject };
      const byShard = new Map<number, Change[]>();
      for (const c of changes) {
        const shard = inboxShardOf(c, this.o.shards);
        const list = byShard.get(shard);
        if (list) list.push(c);
        else byShard.set(shard, [c]);
      }
      waiter.remaining = byShard.size;
      for (const [shard, list] of byShard) {
        const bytes = list.length === changes.length ? arrayBytes(changes) : arrayBytes(list);
        this.lanes[shard]!.queue.push({ id, changes: list, bytes, waiter });
        this.o.lagGuard?.admitted(inboxWorkflowId(shard), bytes);
        this.pump(shard);
      }
    });
  }

  /** Resolves when nothing is queued or in flight (graceful shutdown). */
  async drain(): Promise<void> {
    while (this.lanes.some((l) => l.inFlight || l.queue.length > 0)) await sleep(10);
  }

  private pump(shard: number): void {
    const lane = this.lanes[shard]!;
    if (lane.inFlight || lane.queue.length === 0) return;
    lane.inFlight = true;
    // Let the rest of this tick's submissions (one request's other subscriptions) join the round.
    const wait = lane.lastStart + this.o.minIntervalMs - Date.now();
    void sleep(Math.max(0, wait)).then(() => this.signal(shard, lane));
  }

  private signal(shard: number, lane: Lane): void {
    lane.lastStart = Date.now();
    const batch: Part[] = [];
    const index = new Map<Change, number>();
    const round: ShardRound = { changes: [], subs: [] };
    const bySub = new Map<string, number[]>();
    let bytes = 0;
    let entries = 0;
    while (lane.queue.length > 0) {
      const part = lane.queue[0]!;
      if (part.waiter.settled) {
        lane.queue.shift(); // its submission already failed elsewhere
        continue;
      }
      if (batch.length > 0 && (bytes + part.bytes > MAX_BYTES || entries + part.changes.length > MAX_ENTRIES))
        break;
      lane.queue.shift();
      batch.push(part);
      entries += part.changes.length;
      let idx = bySub.get(part.id);
      if (!idx) bySub.set(part.id, (idx = []));
      for (const c of part.changes) {
        let i = index.get(c);
        if (i === undefined) {
          i = round.changes.push(c) - 1;
          index.set(c, i);
          bytes += sizeOf(c);
        }
        idx.push(i);
      }
    }
    if (batch.length === 0) {
      lane.inFlight = false;
      return;
    }
    for (const [id, idx] of bySub) round.subs.push({ id, idx });
    const submissions = new Set(batch.map((p) => p.waiter)).size;
    const changes = round.changes.length;
    this.send(shard, round)
      .then(
        () => {
          this.backlogs.look(shard);
          this.o.onSignal?.({ shard, submissions, changes, ok: true });
          for (const p of batch) partDone(p.waiter);
        },
        (error: unknown) => {
          this.o.onSignal?.({ shard, submissions, changes, ok: false, error });
          const e = error instanceof InboxUnavailableError ? inboxUnavailable(error) : error;
          for (const p of batch) fail(p.waiter, e);
        },
      )
      .finally(() => {
        lane.inFlight = false;
        this.pump(shard);
      });
  }
}

export const inboxUnavailable = (e: InboxUnavailableError): ApiError =>
  new ApiError(
    503,
    'inbox_unavailable',
    `${e.message}; nothing of this request was acknowledged. Retry later (changes merge by key, so retrying is safe)`,
    undefined,
    { cause: e, retryAfterSeconds: 5 },
  );
