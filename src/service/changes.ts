// Publishing: normalise validated changes, route them to the subscriptions that want them,
// strip what each subscription may not see, and hand them to the group committer. The answer
// waits for the signals, so a 202 means the changes are durable in Temporal.
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { EventCatalog } from '../catalog/catalog';
import { eventOf } from '../catalog/catalog';
import { filterChange } from '../catalog/filter';
import type { Metrics } from '../metrics';
import { changeUrl, type ChangeUrlRules } from './change-urls';
import { subscriptionWorkflowId } from '../../workflows/messages';
import type { Change, PublicSubscription } from '../../workflows/types';
import { fromTemporal, notFound } from './errors';
import { temporalCall } from './temporal-calls';
import type { GroupCommitter } from './group-commit';
import type { RoutingTable } from './routing-table';

/** Fills the defaults of contract §2: `event`, and `url` unless the change is a destroy. */
export function normalizeChange(change: Change, urls: ChangeUrlRules): Change {
  const { url: _dropped, ...rest } = change;
  const out: Change = { ...rest, event: eventOf(change) };
  if (change.action !== 'destroy') out.url = changeUrl(change, urls);
  return out;
}

export interface PublishResult {
  accepted: number;
  subscriptions: number;
}

export interface ChangeRouterDeps {
  client: Client;
  catalog: EventCatalog;
  routing: RoutingTable;
  committer: GroupCommitter;
  metrics: Metrics;
  callTimeoutMs: number;
}

export class ChangeRouter {
  constructor(private readonly deps: ChangeRouterDeps) {}

  /** POST /v1/changes: every subscription whose events match gets its share. */
  async publish(changes: Change[]): Promise<PublishResult> {
    const { routing } = this.deps;
    try {
      await routing.ensureLoaded();
    } catch (err) {
      throw fromTemporal(err);
    }
    const perSub = new Map<string, { sub: PublicSubscription; changes: Change[] }>();
    for (const change of changes) {
      for (const sub of routing.match(change.event!)) {
        let entry = perSub.get(sub.id);
        if (!entry) perSub.set(sub.id, (entry = { sub, changes: [] }));
        entry.changes.push(this.filter(change, sub));
      }
    }
    const targets = [...perSub.values()];
    const results = await Promise.allSettled(
      targets.map((t) => this.deps.committer.submit(t.sub.id, t.changes)),
    );
    let routed = 0;
    let routedChanges = 0;
    let failure: unknown;
    results.forEach((r, i) => {
      const target = targets[i]!;
      if (r.status === 'fulfilled') {
        routed++;
        routedChanges += target.changes.length;
      } else if (r.reason instanceof WorkflowNotFoundError) {
        // Deleted (possibly by another instance) since the last refresh: not the publisher's problem.
        routing.remove(target.sub.id);
      } else {
        failure ??= r.reason;
      }
    });
    this.deps.metrics.changesRouted.inc(routedChanges);
    // Some subscriptions may have their changes already; a retry merges by key, so that is safe.
    if (failure !== undefined) throw fromTemporal(failure);
    this.deps.metrics.changesReceived.inc(changes.length);
    return { accepted: changes.length, subscriptions: routed };
  }

  /** POST /v1/subscriptions/:id/changes: one subscription, whatever its events. */
  async publishTo(id: string, changes: Change[]): Promise<PublishResult> {
    const sub = this.deps.routing.get(id) ?? (await this.lookup(id));
    const filtered = changes.map((c) => this.filter(c, sub));
    try {
      await this.deps.committer.submit(id, filtered);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) this.deps.routing.remove(id);
      throw fromTemporal(err);
    }
    this.deps.metrics.changesRouted.inc(filtered.length);
    this.deps.metrics.changesReceived.inc(changes.length);
    return { accepted: changes.length, subscriptions: 1 };
  }

  private filter(change: Change, sub: PublicSubscription): Change {
    return filterChange(change, this.deps.catalog.get(change.event!), sub);
  }

  /** Not in the table yet (created by another instance moments ago): ask Temporal directly. */
  private async lookup(id: string): Promise<PublicSubscription> {
    const { client, callTimeoutMs } = this.deps;
    const desc = await temporalCall(client, callTimeoutMs, () =>
      client.workflow.getHandle(subscriptionWorkflowId(id)).describe(),
    );
    const memo = (await desc.memo)?.subscription as PublicSubscription | undefined;
    if (desc.status.name !== 'RUNNING' || !memo || memo.state === 'deleted') throw notFound('subscription');
    return memo;
  }
}
