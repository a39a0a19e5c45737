// Delivery history and redelivery. The subscription workflow keeps short summaries; the changes
// themselves live in each delivery workflow (its input while running, its result once ended), so
// the subscription's own history and state stay small.
import type { EventCatalog } from '../catalog/catalog';
import { filterChange } from '../catalog/filter';
import type { DeliveryGateway } from '../temporal/delivery-gateway';
import type { SubscriptionGateway } from '../temporal/subscription-gateway';
import { isDeliveryOf } from '../../core/ids';
import type { Change, SubscriptionStatus } from '../../core/types';
import type { DeliveryState, DeliverySummary } from '../../core/delivery-types';
import { conflict, notFound } from './errors';
import { failedInRange, recoverChunks, type RecoverRange, type RecoverResult } from './recovery';
import type { Scope, SubscriptionService } from './subscriptions';

/** A delivery's summary (its id as `id`) with its changes and, while it waits, its next attempt. */
export type DeliveryView = Omit<DeliverySummary, 'deliveryId'> &
  Pick<DeliveryState, 'nextAttemptAt'> & {
    id: string;
    /** False when the delivery workflow is gone (retention) and its changes cannot be shown. */
    changesAvailable: boolean;
    changes: Change[];
  };

/** The deliveries and what waits behind them (the subscription's backlog counts). */
export type DeliveryList = { items: DeliveryView[] } & Pick<
  Required<SubscriptionStatus>,
  'pendingChanges' | 'queuedBatches' | 'queuedChanges'
>;

export interface DeliveryServiceDeps {
  gateway: SubscriptionGateway;
  deliveries: DeliveryGateway;
  catalog: EventCatalog;
  subscriptions: SubscriptionService;
}

/** Parallel delivery-workflow reads per listing: enough for speed, gentle on the frontend. */
const FETCH_CONCURRENCY = 8;

export class DeliveryService {
  constructor(private readonly deps: DeliveryServiceDeps) {}

  /**
   * Newest first, at most `limit`; beside them, what waits behind them: the open window's
   * pending changes and the batches sealed out of a large backlog.
   */
  async list(subscriptionId: string, limit: number, scope?: Scope): Promise<DeliveryList> {
    await this.deps.subscriptions.assertRunning(subscriptionId, scope);
    const { gateway } = this.deps;
    const [all, status] = await Promise.all([
      gateway.deliveries(subscriptionId),
      gateway.status(subscriptionId),
    ]);
    const summaries = all
      .slice()
      .sort((a, b) => b.sequence - a.sequence)
      .slice(0, limit);
    return {
      items: await mapLimit(summaries, FETCH_CONCURRENCY, (s) => this.view(subscriptionId, s)),
      pendingChanges: status.pendingChanges,
      queuedBatches: status.queuedBatches ?? 0,
      queuedChanges: status.queuedChanges ?? 0,
    };
  }

  /**
   * A delivery's changes: kept by the subscription itself when it was delivered on the fast
   * path (no delivery workflow), else the result of its delivery workflow.
   */
  private async changesOf(subscriptionId: string, sequence: number) {
    const kept = await this.deps.gateway.retainedChanges(subscriptionId, sequence);
    if (kept) return { changes: kept, attempts: undefined };
    return this.deps.deliveries.result(subscriptionId, sequence);
  }

  private async view(subscriptionId: string, s: DeliverySummary): Promise<DeliveryView> {
    const base = {
      id: s.deliveryId,
      sequence: s.sequence,
      status: s.status,
      changeCount: s.changeCount,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
    };
    try {
      if (s.status === 'in_flight') {
        const state = await this.deps.deliveries.state(subscriptionId, s.sequence);
        return {
          ...base,
          nextAttemptAt: state.nextAttemptAt,
          changesAvailable: true,
          changes: state.changes,
          attempts: state.attempts,
        };
      }
      const result = await this.changesOf(subscriptionId, s.sequence);
      return {
        ...base,
        changesAvailable: true,
        changes: result.changes,
        attempts: result.attempts ?? s.attempts,
      };
    } catch {
      // One unreadable delivery (gone by retention, worker busy) must not fail the whole list.
      return { ...base, changesAvailable: false, changes: [], attempts: s.attempts };
    }
  }

  /** Puts an ended delivery's changes back into the pending batch. */
  async redeliver(
    subscriptionId: string,
    deliveryId: string,
    scope?: Scope,
  ): Promise<{ deliveryId: string; pendingChanges: number }> {
    if (!isDeliveryOf(deliveryId, subscriptionId)) throw notFound('delivery');
    await this.deps.subscriptions.assertRunning(subscriptionId, scope);
    const { gateway } = this.deps;
    const [summaries, status] = await Promise.all([
      gateway.deliveries(subscriptionId),
      gateway.status(subscriptionId),
    ]);
    const summary = summaries.find((d) => d.deliveryId === deliveryId);
    if (!summary) throw notFound('delivery');
    if (summary.status === 'in_flight') throw conflict(`delivery ${deliveryId} is still in flight`);
    const result = await this.changesOf(subscriptionId, summary.sequence);
    // Filtered again: the subscription's includePii/includeDetails may have been narrowed since.
    const sub = status.subscription;
    const changes = result.changes.map((c) =>
      filterChange(c, c.event ? this.deps.catalog.get(c.event) : undefined, sub),
    );
    const out = await gateway.redeliver(subscriptionId, deliveryId, changes);
    return { deliveryId, pendingChanges: out.pendingChanges };
  }

  /**
   * Puts every failed delivery of the range (among those the subscription keeps) back into the
   * pending batch in one call. A disabled subscription stays disabled: it holds them until resumed.
   */
  async recover(subscriptionId: string, range: RecoverRange, scope?: Scope): Promise<RecoverResult> {
    await this.deps.subscriptions.assertRunning(subscriptionId, scope);
    const { gateway, catalog } = this.deps;
    const [summaries, status] = await Promise.all([
      gateway.deliveries(subscriptionId),
      gateway.status(subscriptionId),
    ]);
    const failed = failedInRange(summaries, range, new Date().toISOString());
    const sub = status.subscription;
    const changes: Change[] = [];
    let deliveries = 0;
    let unavailable = 0;
    for (const s of failed) {
      const result = await this.changesOf(subscriptionId, s.sequence).catch(() => undefined);
      if (!result) {
        unavailable++;
        continue;
      }
      deliveries++;
      // Filtered again, as for redeliver: includePii/includeDetails may have been narrowed since.
      for (const c of result.changes)
        changes.push(filterChange(c, c.event ? catalog.get(c.event) : undefined, sub));
    }
    let pendingChanges = status.pendingChanges;
    for (const chunk of recoverChunks(changes))
      ({ pendingChanges } = await gateway.recover(subscriptionId, chunk));
    return { deliveries, changes: changes.length, unavailable, pendingChanges };
  }
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
