// Delivery history and redelivery. The subscription workflow keeps short summaries; the changes
// themselves live in each delivery workflow (its input while running, its result once ended), so
// the subscription's own history and state stay small.
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { EventCatalog } from '../catalog/catalog';
import { filterChange } from '../catalog/filter';
import {
  deliveriesQuery,
  deliveryChangesQuery,
  deliveryStateQuery,
  redeliverUpdate,
  statusQuery,
} from '../../workflows/messages';
import { deliveryWorkflowId, isDeliveryOf } from '../../core/ids';
import type { deliveryWorkflow } from '../../workflows/delivery';
import type { AttemptRecord, Change, DeliveryStatus, DeliverySummary } from '../../core/types';
import { conflict, notFound } from './errors';
import { temporalCall, temporalQuery, temporalUpdate } from './temporal-calls';
import type { Scope, SubscriptionService } from './subscriptions';

export interface DeliveryView {
  id: string;
  sequence: number;
  status: DeliveryStatus;
  changeCount: number;
  startedAt: string;
  finishedAt?: string;
  nextAttemptAt?: string;
  /** False when the delivery workflow is gone (retention) and its changes cannot be shown. */
  changesAvailable: boolean;
  changes: Change[];
  attempts: AttemptRecord[];
}

export interface DeliveryList {
  items: DeliveryView[];
  pendingChanges: number;
  queuedBatches: number;
  queuedChanges: number;
}

export interface DeliveryServiceDeps {
  client: Client;
  catalog: EventCatalog;
  subscriptions: SubscriptionService;
  callTimeoutMs: number;
}

/** Parallel delivery-workflow reads per listing: enough for speed, gentle on the frontend. */
const FETCH_CONCURRENCY = 8;

export class DeliveryService {
  constructor(private readonly deps: DeliveryServiceDeps) {}

  private call<T>(fn: () => Promise<T>, what?: string): Promise<T> {
    return temporalCall(this.deps.client, this.deps.callTimeoutMs, fn, what);
  }

  private query<T>(handle: { workflowId: string }, fn: () => Promise<T>, what?: string): Promise<T> {
    return temporalQuery(this.deps.client, this.deps.callTimeoutMs, handle.workflowId, fn, what);
  }

  private child(subscriptionId: string, sequence: number) {
    return this.deps.client.workflow.getHandle<typeof deliveryWorkflow>(
      deliveryWorkflowId(subscriptionId, sequence),
    );
  }

  /**
   * Newest first, at most `limit`; beside them, what waits behind them: the open window's
   * pending changes and the batches sealed out of a large backlog.
   */
  async list(subscriptionId: string, limit: number, scope?: Scope): Promise<DeliveryList> {
    const handle = await this.deps.subscriptions.running(subscriptionId, scope);
    const [all, status] = await Promise.all([
      this.query(handle, () => handle.query(deliveriesQuery)),
      this.query(handle, () => handle.query(statusQuery)),
    ]);
    const summaries = all
      .slice()
      .sort((a, b) => b.sequence - a.sequence)
      .slice(0, limit);
    return {
      items: await mapLimit(summaries, FETCH_CONCURRENCY, (s) => this.view(subscriptionId, handle, s)),
      pendingChanges: status.pendingChanges,
      queuedBatches: status.queuedBatches ?? 0,
      queuedChanges: status.queuedChanges ?? 0,
    };
  }

  /**
   * A delivery's changes: kept by the subscription itself when it was delivered on the fast
   * path (no delivery workflow), else the result of its delivery workflow.
   */
  private async changesOf(subscriptionId: string, handle: WorkflowHandle, sequence: number) {
    const kept = await this.query(handle, () => handle.query(deliveryChangesQuery, sequence), 'delivery');
    if (kept) return { changes: kept, attempts: undefined };
    return this.call(() => this.child(subscriptionId, sequence).result(), 'delivery');
  }

  private async view(
    subscriptionId: string,
    handle: WorkflowHandle,
    s: DeliverySummary,
  ): Promise<DeliveryView> {
    const base = {
      id: s.deliveryId,
      sequence: s.sequence,
      status: s.status,
      changeCount: s.changeCount,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
    };
    const child = this.child(subscriptionId, s.sequence);
    try {
      if (s.status === 'in_flight') {
        const state = await this.query(child, () => child.query(deliveryStateQuery), 'delivery');
        return {
          ...base,
          nextAttemptAt: state.nextAttemptAt,
          changesAvailable: true,
          changes: state.changes,
          attempts: state.attempts,
        };
      }
      const result = await this.changesOf(subscriptionId, handle, s.sequence);
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
    const handle = await this.deps.subscriptions.running(subscriptionId, scope);
    const [summaries, status] = await Promise.all([
      this.query(handle, () => handle.query(deliveriesQuery)),
      this.query(handle, () => handle.query(statusQuery)),
    ]);
    const summary = summaries.find((d) => d.deliveryId === deliveryId);
    if (!summary) throw notFound('delivery');
    if (summary.status === 'in_flight') throw conflict(`delivery ${deliveryId} is still in flight`);
    const result = await this.changesOf(subscriptionId, handle, summary.sequence);
    // Filtered again: the subscription's includePii/includeDetails may have been narrowed since.
    const sub = status.subscription;
    const changes = result.changes.map((c) =>
      filterChange(c, c.event ? this.deps.catalog.get(c.event) : undefined, sub),
    );
    const { client, callTimeoutMs } = this.deps;
    const out = await temporalUpdate(
      client,
      callTimeoutMs,
      (updateId) => handle.executeUpdate(redeliverUpdate, { args: [{ deliveryId, changes }], updateId }),
      'delivery',
    );
    return { deliveryId, pendingChanges: out.pendingChanges };
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
