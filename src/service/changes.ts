// Publishing: route normalised changes (publish-input.ts) to the subscriptions that want them,
// strip what each subscription may not see, and hand them to the group committer. The answer
// waits for the signals, so a 202 means the changes are durable in Temporal.
import type { EventCatalog } from '../catalog/catalog';
import { filterChange } from '../catalog/filter';
import type { Metrics } from '../metrics';
import { isNotFound } from '../temporal/gateway-errors';
import type { SubscriptionGateway } from '../temporal/subscription-gateway';
import type { RunStatus } from '../temporal/subscription-visibility';
import type { Change, PublicSubscription } from '../../core/types';
import { ApiError, brokenUnavailable, busyUnavailable, fromTemporal, notFound } from './errors';
import { ALL_TENANTS, deliveredShape, directAllowed, type RoutableChange } from './routing-rules';
import { GroupCommitter } from './group-commit';
import { routingRuns } from './publish-input';
import type { InboxCommitter } from './inbox-committer';
import type { LagGuard } from './lag-guard';
import type { RoutingTable } from './routing-table';

export interface PublishResult {
  accepted: number;
  subscriptions: number;
}

export interface ChangeRouterDeps {
  gateway: SubscriptionGateway;
  catalog: EventCatalog;
  routing: RoutingTable;
  committer: GroupCommitter;
  metrics: Metrics;
  /** Refuses changes for subscriptions whose workflow is not taking them (none: never). */
  lagGuard?: LagGuard;
  /**
   * Restores a broken subscription (SubscriptionService.heal): true when its workflow runs
   * again. Without it, a broken subscription is refused with 503.
   */
  heal?: (id: string) => Promise<boolean>;
  /**
   * The ingest inbox (HERALD_INGEST=inbox): changes go to inbox workflows, one signal per shard
   * per round, and are handed on to the subscriptions from there. Without it, signalled directly.
   */
  inbox?: InboxCommitter;
}

export class ChangeRouter {
  constructor(private readonly deps: ChangeRouterDeps) {}

  /** POST /v1/changes: every subscription whose events, tenant and channels match gets its share. */
  async publish(changes: RoutableChange[], opts: { except?: string } = {}): Promise<PublishResult> {
    const { routing } = this.deps;
    try {
      await routing.ensureLoaded();
    } catch (err) {
      throw fromTemporal(err);
    }
    const perSub = new Map<string, { sub: PublicSubscription; runs: Change[][] }>();
    // Consecutive changes routed alike (the common request: one event, one tenant) are routed,
    // and filtered per personal-data setting, once: subscriptions with the same setting share
    // one array. A change routed otherwise starts a new run, so each subscription still gets
    // its changes in the order they were sent.
    for (const run of routingRuns(changes)) {
      const receivers = routing.match(run[0]!.event!, run[0]!.tenant, run[0]!.channels);
      if (receivers.length === 0) continue;
      const variants = new Map<number, Change[]>();
      for (const sub of receivers) {
        // An operational event never goes to the subscription it is about (no loop of notices).
        if (sub.id === opts.except) continue;
        const all = sub.tenant === ALL_TENANTS;
        const setting = (all ? 4 : 0) + (sub.includePii ? 2 : 0) + (sub.includeDetails ? 1 : 0);
        let filtered = variants.get(setting);
        if (!filtered) {
          // Routing metadata never reaches a workflow (nor a partner), bar the tenant for "*".
          filtered = run.map((c) => this.filter(deliveredShape(c, all ? ALL_TENANTS : undefined), sub));
          variants.set(setting, filtered);
        }
        const entry = perSub.get(sub.id);
        if (entry) entry.runs.push(filtered);
        else perSub.set(sub.id, { sub, runs: [filtered] });
      }
    }
    // One run (the common case) is passed on as the shared array itself.
    const targets = [...perSub.values()].map(({ sub, runs }) => ({
      sub,
      changes: runs.length === 1 ? runs[0]! : runs.flat(),
    }));
    // A broken receiver is restored before anything is signalled, or the request is refused.
    for (const t of targets) if (t.sub.state === 'broken') await this.healOrRefuse(t.sub.id);
    // All or nothing: a request is refused before any of it is signalled if one lane is full.
    for (const t of targets) this.admit(t.sub.id, t.changes, changes.length);
    const results = await Promise.allSettled(targets.map((t) => this.submit(t.sub.id, t.changes)));
    let routed = 0;
    let routedChanges = 0;
    let failure: unknown;
    results.forEach((r, i) => {
      const target = targets[i]!;
      if (r.status === 'fulfilled') {
        if (!r.value) return;
        routed++;
        routedChanges += target.changes.length;
      } else failure ??= r.reason;
    });
    this.deps.metrics.changesRouted.inc(routedChanges);
    // Some subscriptions may have their changes already; a retry merges by key, so that is safe.
    if (failure !== undefined) throw fromTemporal(failure);
    this.deps.metrics.changesReceived.inc(changes.length);
    return { accepted: changes.length, subscriptions: routed };
  }

  /** POST /v1/subscriptions/:id/changes: one subscription, whatever its events and channels. */
  async publishTo(id: string, changes: RoutableChange[]): Promise<PublishResult> {
    const sub = this.deps.routing.get(id) ?? (await this.lookup(id));
    if (sub.state === 'broken') await this.healOrRefuse(id);
    changes.forEach((c, i) => {
      if (directAllowed(sub.tenant, c.tenant)) return;
      const message = `a change of tenant "${c.tenant}" cannot go to a subscription ${sub.tenant === undefined ? 'without a tenant' : `of tenant "${sub.tenant}"`}`;
      const path = ['changes', i, 'tenant'];
      // 409: the change itself is valid; it conflicts with the subscription it is sent to.
      throw new ApiError(409, 'tenant_mismatch', message, [{ in: 'body', path, code: 'custom', message }]);
    });
    const filtered = changes.map((c) => this.filter(deliveredShape(c, sub.tenant), sub));
    this.admit(id, filtered, changes.length);
    let signalled: boolean;
    try {
      signalled = await this.submit(id, filtered);
    } catch (err) {
      throw fromTemporal(err);
    }
    if (!signalled) throw notFound('subscription');
    this.deps.metrics.changesRouted.inc(filtered.length);
    this.deps.metrics.changesReceived.inc(changes.length);
    return { accepted: changes.length, subscriptions: 1 };
  }

  /**
   * Signals a subscription's share. A signal that found no running workflow: deleted since the
   * last refresh is not the publisher's problem (nothing to do); closed any other way, it is
   * restored and signalled again, or the request is refused (503: its changes were not recorded).
   */
  private async submit(id: string, changes: Change[]): Promise<boolean> {
    // Through the inbox, a deleted subscription's changes are dropped there, a broken one healed.
    if (this.deps.inbox) return this.deps.inbox.submit(id, changes).then(() => true);
    try {
      await this.deps.committer.submit(id, changes);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      if ((await this.whyClosed(id)) === 'deleted') return false;
      await this.healOrRefuse(id);
      await this.deps.committer.submit(id, changes);
    }
    return true;
  }

  private async healOrRefuse(id: string): Promise<void> {
    const healed = await this.deps.heal?.(id).catch(() => false);
    if (!healed) throw brokenUnavailable(id);
  }

  /** Throws 503 subscription_busy, counting the request's `requested` changes, if id's lane is full. */
  private admit(id: string, changes: Change[], requested: number): void {
    const { committer, lagGuard, metrics } = this.deps;
    const bytes = GroupCommitter.bytesOf(changes);
    const lagMs = lagGuard?.refusal(id) ?? this.deps.inbox?.lagRefusal();
    const retryAfterMs = lagMs ?? (this.deps.inbox ?? committer).refusal(id, bytes);
    if (retryAfterMs === undefined) return lagGuard?.admitted(id, bytes);
    metrics.changesRefusedBusy.inc(requested);
    throw busyUnavailable(id, retryAfterMs, lagMs !== undefined);
  }

  private filter(change: Change, sub: PublicSubscription): Change {
    return filterChange(change, this.deps.catalog.get(change.event!), sub);
  }

  /** Not in the table yet (created by another instance moments ago): ask Temporal directly. */
  private async lookup(id: string): Promise<PublicSubscription> {
    const { status, memo } = await this.deps.gateway.describe(id);
    if (status === 'deleted' || !memo || memo.state === 'deleted') throw notFound('subscription');
    return status === 'broken' ? { ...memo, state: 'broken' } : memo;
  }

  /**
   * A signal found no running workflow: deleted (forget it) or broken (keep refusing). A run
   * that cannot be read is answered as broken (503, retried) rather than taken as deleted.
   */
  private async whyClosed(id: string): Promise<'deleted' | 'broken'> {
    const { gateway, routing } = this.deps;
    let status: RunStatus;
    try {
      status = await gateway.runStatus(id);
    } catch {
      return 'broken';
    }
    if (status === 'running') return 'broken'; // restored meanwhile: the publisher's retry reaches it
    if (status === 'deleted') routing.remove(id);
    else routing.markBroken(id);
    return status;
  }
}
