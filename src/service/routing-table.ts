// Which subscriptions want which events, held in memory so that publishing never waits on a
// visibility query. Two sources: a periodic listing from Temporal visibility (sees other
// processes' writes within one refresh period plus the visibility lag) and this process's own
// writes, applied at once. Visibility is eventually consistent, so a local write outranks a
// listing for a grace period: a subscription created here is routed to from its 201 on, and
// one deleted here is not resurrected by a stale listing.
//
// The index is by tenant, then channel, then event (routing-index.ts), so the work per change
// is proportional to the subscriptions that receive it, not to all of them: with 1,000 tenants
// a change of one tenant looks at that tenant's subscriptions and the "*" ones only.
import type { PublicSubscription } from '../../core/types';
import { RoutingIndex } from './routing-index';
import type { RoutingTableOptions } from './routing-table-options';

/** Vanished subscriptions asked about at once: a listing that lost them all stays cheap. */
const CONFIRM_CONCURRENCY = 16;

interface LocalWrite {
  /** null: deleted here (or found gone), must not come back from a stale listing. */
  sub: PublicSubscription | null;
  at: number;
}

export class RoutingTable {
  private subs = new Map<string, PublicSubscription>();
  private readonly local = new Map<string, LocalWrite>();
  private idx: RoutingIndex | null = null;
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private loaded = false;
  private readonly graceMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: RoutingTableOptions) {
    this.graceMs = opts.localGraceMs ?? Math.max(60_000, opts.refreshMs * 10);
    this.now = opts.now ?? Date.now;
  }

  /** Loads once in the background and then every refreshMs; failures are logged, not fatal. */
  start(): void {
    if (this.timer) return;
    this.refreshQuietly();
    this.timer = setInterval(() => this.refreshQuietly(), this.opts.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  /**
   * Routing from an empty table would silently drop changes, so until one listing has
   * succeeded callers wait for one (and get its error if Temporal is unreachable).
   */
  async ensureLoaded(): Promise<void> {
    if (!this.loaded) await this.refresh();
  }

  /** One listing at a time; concurrent callers share it. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** This process created or changed a subscription. */
  upsert(sub: PublicSubscription): void {
    if (sub.state === 'deleted') return this.remove(sub.id);
    this.local.set(sub.id, { sub, at: this.now() });
    this.subs.set(sub.id, sub);
    this.idx = null;
  }

  /** This process deleted a subscription, or found its workflow gone. */
  remove(id: string): void {
    this.local.set(id, { sub: null, at: this.now() });
    this.subs.delete(id);
    this.idx = null;
  }

  /** Found closed outside Herald: changes for it are refused until it is restored. */
  markBroken(id: string): void {
    const sub = this.subs.get(id);
    if (!sub) return;
    this.upsert({ ...sub, state: 'broken' });
    this.reportBroken();
  }

  /** Drops this process's own write, so the next listing decides (after a restore). */
  forget(id: string): void {
    this.local.delete(id);
  }

  get(id: string): PublicSubscription | undefined {
    return this.subs.get(id);
  }

  /** A listing corrected by this process's recent writes, which visibility may not show yet. */
  withLocalWrites(listed: PublicSubscription[]): Map<string, PublicSubscription> {
    const next = new Map<string, PublicSubscription>();
    for (const sub of listed) if (sub.state !== 'deleted') next.set(sub.id, sub);
    this.expireLocal();
    for (const [id, write] of this.local) {
      const seen = next.get(id);
      // A deletion here stands over any listing: a broken run DELETE purged stays listed (as
      // broken) until Temporal has removed it in the background.
      if (write.sub === null) {
        next.delete(id);
        continue;
      }
      // Broken and disabled are facts about the workflow (it closed; it disabled itself) that an
      // earlier local write cannot contradict: such a write does not change updatedAt.
      const fact = seen?.state === 'broken' || seen?.state === 'disabled';
      if (fact && write.sub.state !== seen.state) continue;
      // The listing may be older than our write; a newer one from elsewhere wins.
      else if (!seen || seen.updatedAt <= write.sub.updatedAt) next.set(id, write.sub);
    }
    return next;
  }

  /**
   * The subscriptions that receive a change with this event, tenant and channels
   * (routing-rules.ts states the rules). Without tenant and channels: as before them.
   */
  match(event: string, tenant?: string, channels?: readonly string[]): PublicSubscription[] {
    this.idx ??= new RoutingIndex(this.subs.values());
    return this.idx.match(event, tenant, channels);
  }

  private refreshQuietly(): void {
    this.refresh().catch((err: unknown) => {
      this.opts.log?.warn(
        { err },
        'routing table refresh from Temporal visibility failed; keeping the previous table',
      );
    });
  }

  private async load(): Promise<void> {
    const listed = await this.opts.list();
    const known = this.loaded ? [...this.subs.values()] : ((await this.opts.recent?.()) ?? []);
    const kept = await this.stillThere(listed, known);
    // Local writes last, after every await: a write made while this load waited must stand.
    const next = this.withLocalWrites([...listed, ...kept]);
    this.subs = next;
    this.idx = null;
    this.loaded = true;
    this.reportBroken();
  }

  /**
   * Visibility is eventually consistent: a subscription in the middle of a continue-as-new can
   * be missing from a listing (its old run closed, its new run not indexed yet). Dropping it
   * then would answer 202 for changes that reach nobody, so one that vanished is kept unless
   * its latest run, read directly, says it was deleted (or it is marked broken, and refused).
   * When that read fails, it is kept as it was: refusing later beats losing now.
   */
  private async stillThere(
    listed: PublicSubscription[],
    known: PublicSubscription[],
  ): Promise<PublicSubscription[]> {
    const { status } = this.opts;
    if (!status) return [];
    const ids = new Set(listed.map((sub) => sub.id));
    // Only a deletion here is not asked about. A local create or change is asked about too: its
    // grace may end before this load ends, and then the listing alone would drop it.
    const deletedHere = (id: string) => this.local.get(id)?.sub === null;
    const vanished = known.filter((sub) => !ids.has(sub.id) && !deletedHere(sub.id));
    const kept: PublicSubscription[] = [];
    for (let i = 0; i < vanished.length; i += CONFIRM_CONCURRENCY) {
      const slice = vanished.slice(i, i + CONFIRM_CONCURRENCY);
      const found = await Promise.all(slice.map((sub) => status(sub.id).catch(() => 'running' as const)));
      slice.forEach((sub, j) => {
        if (found[j] === 'running') kept.push(sub);
        else if (found[j] === 'broken') kept.push({ ...sub, state: 'broken' });
      });
    }
    return kept;
  }

  private reportBroken(): void {
    let n = 0;
    let disabled = 0;
    for (const sub of this.subs.values()) {
      if (sub.state === 'broken') n++;
      else if (sub.state === 'disabled') disabled++;
    }
    this.opts.onBroken?.(n);
    this.opts.onDisabled?.(disabled);
  }

  private expireLocal(): void {
    const cutoff = this.now() - this.graceMs;
    for (const [id, write] of this.local) if (write.at < cutoff) this.local.delete(id);
  }
}
